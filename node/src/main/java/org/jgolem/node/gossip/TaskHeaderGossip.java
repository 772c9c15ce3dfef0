package org.jgolem.node.gossip;

import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jgolem.eth.Address;
import org.jgolem.node.gossip.TaskHeaderStore.Outcome;
import org.jgolem.node.gossip.TaskHeaderStore.RemovalOutcome;
import org.jgolem.node.p2p.P2PNetwork;
import org.jgolem.node.p2p.Peer;
import org.jgolem.node.p2p.PeerListener;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskHeaderRemoved;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Floods task headers and their removals through the node's sessions. A header or removal that the
 * {@link TaskHeaderStore} accepts as new is re-sealed in an envelope of this node (the requestor's
 * own signature travels inside the payload) and sent to every connected peer except the one it came
 * from; anything else (duplicate, refused) stops here, which ends the flood. A new session is sent
 * the live headers this node knows, so a node that joins or reconnects catches up. Expired headers
 * are purged every {@code purgeInterval} on the scheduler.
 */
public final class TaskHeaderGossip {
  private static final Logger LOG = LoggerFactory.getLogger(TaskHeaderGossip.class);

  private final P2PNetwork network;
  private final TaskHeaderStore store;
  private final ScheduledExecutorService scheduler;
  private final GossipConfig config;
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile boolean running;
  private ScheduledFuture<?> purge;

  public TaskHeaderGossip(
      P2PNetwork network,
      TaskHeaderStore store,
      ScheduledExecutorService scheduler,
      GossipConfig config) {
    this.network = network;
    this.store = store;
    this.scheduler = scheduler;
    this.config = config.validate();
  }

  /**
   * Subscribes to headers, removals and new sessions, and schedules the purge. Starting twice
   * fails.
   */
  public void start() {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("gossip already started");
    }
    running = true;
    network.subscribe(
        MessageType.TASK_HEADER, (from, e) -> received(from, e.payload(TaskHeader.class)));
    network.subscribe(
        MessageType.TASK_HEADER_REMOVED,
        (from, e) -> received(from, e.payload(TaskHeaderRemoved.class)));
    network.addPeerListener(
        new PeerListener() {
          @Override
          public void onConnected(Peer peer) {
            scheduler.execute(() -> catchUp(peer));
          }
        });
    long every = config.purgeInterval().toMillis();
    purge = scheduler.scheduleWithFixedDelay(this::purge, every, every, TimeUnit.MILLISECONDS);
  }

  /** Idempotent. */
  public void stop() {
    running = false;
    if (purge != null) {
      purge.cancel(false);
    }
  }

  /**
   * Publishes a header signed by its requestor: stored here and sent to every peer. Returns the
   * store's verdict; anything but ADDED is not sent.
   */
  public Outcome publish(TaskHeader header) {
    header.validate();
    Outcome outcome = store.offer(header);
    if (outcome == Outcome.ADDED) {
      forward(header, null);
    } else {
      LOG.info("Task header {} not published: {}", header.id(), outcome);
    }
    return outcome;
  }

  /**
   * Publishes a requestor's withdrawal; sent on unless this node had already seen it or it is
   * forged.
   */
  public RemovalOutcome withdraw(TaskHeaderRemoved removal) {
    removal.validate();
    RemovalOutcome outcome = store.remove(removal);
    if (outcome.isNew()) {
      forward(removal, null);
    }
    return outcome;
  }

  /** Live headers, soonest deadline first. */
  public List<TaskHeader> knownHeaders() {
    return store.headers();
  }

  public TaskHeaderStore store() {
    return store;
  }

  public void addListener(TaskHeaderListener listener) {
    store.addListener(listener);
  }

  private void received(Peer from, TaskHeader header) {
    if (!running) {
      return;
    }
    Outcome outcome = store.offer(header);
    if (outcome == Outcome.ADDED) {
      forward(header, from.id());
    } else if (outcome == Outcome.BAD_SIGNATURE) {
      LOG.debug(
          "Task header {} from {} has a bad requestor signature: dropped", header.id(), from.id());
    }
  }

  private void received(Peer from, TaskHeaderRemoved removal) {
    if (!running) {
      return;
    }
    if (store.remove(removal).isNew()) {
      forward(removal, from.id());
    }
  }

  /** One envelope, sealed by this node, to every active peer but {@code except}. */
  private void forward(Payload payload, Address except) {
    Envelope envelope = null;
    for (Peer p : network.peers()) {
      if (!p.isActive() || p.id().equals(except)) {
        continue;
      }
      if (envelope == null) {
        envelope = network.seal(payload);
      }
      send(p, envelope);
    }
  }

  private void catchUp(Peer peer) {
    if (!running || !peer.isActive()) {
      return;
    }
    for (TaskHeader h : store.headers()) {
      send(peer, network.seal(h));
    }
  }

  private static void send(Peer peer, Envelope envelope) {
    peer.send(envelope)
        .whenComplete((v, e) -> {
          if (e != null) {
            LOG.debug("{} to {} not sent: {}", envelope.type(), peer.id(), e.getMessage());
          }
        });
  }

  private void purge() {
    try {
      int dropped = store.purgeExpired();
      if (dropped > 0) {
        LOG.debug("Purged {} expired task headers", dropped);
      }
    } catch (RuntimeException e) {
      LOG.warn("Task header purge failed", e);
    }
  }
}
