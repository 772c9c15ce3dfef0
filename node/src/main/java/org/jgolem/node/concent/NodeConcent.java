package org.jgolem.node.concent;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Predicate;
import org.jgolem.concent.time.Windows;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's Concent, assembled for the daemon: both sides ({@link ProviderConcent} for the
 * provider agent, {@link RequestorConcent} for the requestor agent) on one Concent thread, and the
 * {@link ConcentPoller} that feeds them. Made only when the node's switch is not {@code off}; the
 * agents get null otherwise, and nothing of Concent runs.
 */
public final class NodeConcent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeConcent.class);

  private final ScheduledExecutorService thread;
  private final ProviderConcent provider;
  private final RequestorConcent requestor;
  private final ConcentPoller poller;

  private NodeConcent(
      ScheduledExecutorService thread,
      ProviderConcent provider,
      RequestorConcent requestor,
      ConcentPoller poller) {
    this.thread = thread;
    this.provider = provider;
    this.requestor = requestor;
    this.poller = poller;
  }

  /**
   * Reads Concent's windows (Golem's when Concent cannot be reached now: logged) and makes both
   * sides; polling starts with {@link #startPolling}, once the agents are bound to them.
   *
   * @param thread the Concent thread, the node's from now on (shut down with this)
   * @param pollInterval Golem: 30 s ({@link ConcentPoller#GOLEM_INTERVAL})
   * @param providerOn whether Concent is on for a task's subtasks as a provider
   * @param requestorOn whether Concent is on for the assignments of a task this requestor announced
   *     with this header
   */
  public static NodeConcent create(
      ConcentPort port,
      EvidenceStore evidence,
      ConcentStates states,
      MessageCodec codec,
      Address self,
      Clock clock,
      ScheduledExecutorService thread,
      Duration pollInterval,
      Predicate<TaskHeader> providerOn,
      Predicate<TaskHeader> requestorOn) {
    Windows times;
    try {
      times = port.times();
    } catch (ConcentException e) {
      times = Windows.golem();
      LOG.warn(
          "Concent's protocol constants not read ({}); Golem's windows assumed", e.getMessage());
    }
    ProviderConcent provider =
        new ProviderConcent(port, evidence, states, codec, self, clock, thread, times, providerOn);
    RequestorConcent requestor =
        new RequestorConcent(
            port, evidence, states, codec, self, clock, requestorOn, thread, times);
    ConcentPoller poller =
        new ConcentPoller(port, java.util.List.of(provider, requestor), thread, pollInterval);
    LOG.info("Concent on: polling every {} s; windows {}", pollInterval.toSeconds(), times);
    return new NodeConcent(thread, provider, requestor, poller);
  }

  /** Starts collecting what Concent has for this node (after the agents are made). */
  public void startPolling() {
    poller.start();
  }

  public ProviderConcent provider() {
    return provider;
  }

  public RequestorConcent requestor() {
    return requestor;
  }

  @Override
  public void close() {
    poller.close();
    thread.shutdownNow();
  }
}
