package org.jgolem.node.concent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects what Concent has for this node, every {@code interval} (Golem: 30 s), on the Concent
 * thread, and hands each message to the inboxes (the provider's, the requestor's). A message is
 * acknowledged only once an inbox has durably handled it, so one in hand when the node stops is
 * delivered again; a message no inbox takes is logged and acknowledged (it would come back for
 * ever). Errors (Concent unreachable, a handler that failed) back off: 5 s, doubling, at most 300 s
 * (Golem's).
 */
public final class ConcentPoller implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConcentPoller.class);

  /** Golem's {@code CONCENT_PULL_INTERVAL}. */
  public static final Duration GOLEM_INTERVAL = Duration.ofSeconds(30);

  private final ConcentPort port;
  private final List<ConcentInbox> inboxes;
  private final ScheduledExecutorService thread;
  private final Duration interval;
  private final Backoff backoff;
  private ScheduledFuture<?> next;
  private volatile boolean closed;
  private long handled;

  /**
   * @param thread the Concent thread (the one the inboxes' cases live on)
   * @param interval between two polls when all is well
   * @param backoffFirst the first wait after an error (it doubles up to {@code backoffMax})
   */
  public ConcentPoller(
      ConcentPort port,
      List<ConcentInbox> inboxes,
      ScheduledExecutorService thread,
      Duration interval,
      Duration backoffFirst,
      Duration backoffMax) {
    if (interval.isNegative() || interval.isZero())
      throw new IllegalArgumentException("the poll interval must be positive");
    this.port = port;
    this.inboxes = List.copyOf(inboxes);
    this.thread = thread;
    this.interval = interval;
    this.backoff = new Backoff(backoffFirst, backoffMax);
  }

  /** With Golem's back-off (5 s doubling to 300 s). */
  public ConcentPoller(
      ConcentPort port,
      List<ConcentInbox> inboxes,
      ScheduledExecutorService thread,
      Duration interval) {
    this(port, inboxes, thread, interval, Backoff.FIRST, Backoff.MAX);
  }

  /** Polls at once, then every interval. */
  public void start() {
    schedule(Duration.ZERO);
  }

  /** How many messages were handled and acknowledged so far (on the Concent thread). */
  public long handled() {
    return handled;
  }

  private synchronized void schedule(Duration d) {
    if (closed) return;
    next = thread.schedule(this::poll, d.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** One poll; the next is scheduled after it, at the interval or the back-off. */
  void poll() {
    Duration wait;
    try {
      if (pollOnce()) {
        backoff.succeeded();
        wait = interval;
      } else {
        wait = backoff.failed();
      }
    } catch (ConcentException | RuntimeException e) {
      wait = backoff.failed();
      LOG.warn("Concent not reached: {}; polling again in {} ms", e.getMessage(), wait.toMillis());
    }
    schedule(wait);
  }

  /** Receives, handles, acknowledges; false if a message could not be handled now. */
  private boolean pollOnce() throws ConcentException {
    List<ConcentPort.Delivery> deliveries = port.receive();
    if (deliveries.isEmpty()) return true;
    List<byte[]> done = new ArrayList<>();
    boolean allHandled = true;
    for (ConcentPort.Delivery d : deliveries) {
      try {
        if (!dispatch(d.message())) {
          LOG.warn(
              "A {} from Concent concerns nothing this node knows: dropped",
              d.message().envelope().type());
        }
        done.add(d.id());
      } catch (RuntimeException e) {
        allHandled = false;
        LOG.warn(
            "Concent's {} not handled now ({}); it is delivered again",
            d.message().envelope().type(),
            e.getMessage());
      }
    }
    if (!done.isEmpty()) {
      port.ack(done);
      handled += done.size();
    }
    return allHandled;
  }

  private boolean dispatch(ConcentMessage m) {
    for (ConcentInbox inbox : inboxes) {
      if (inbox.handle(m)) return true;
    }
    return false;
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (next != null) next.cancel(false);
  }
}
