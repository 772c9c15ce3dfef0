package org.jgolem.node.discovery;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jgolem.eth.Address;
import org.jgolem.node.discovery.DiscoveryException.Reason;
import org.jgolem.node.p2p.P2PException;
import org.jgolem.node.p2p.P2PNetwork;
import org.jgolem.node.p2p.Peer;
import org.jgolem.protocol.messages.p2p.Disconnect;
import org.jgolem.protocol.messages.p2p.NodeRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sessions {@link Discovery} opens: a session with a node (the one open, or a new one dialled
 * with the node's expected id, timed out after {@code requestTimeout}); the outbound sessions kept
 * as the node's peers; and the ones opened only for queries, capped at {@code maxQuerySessions}
 * (least recently used idle one closed) and closed after {@code queryLinger} of idleness.
 */
final class QuerySessions {
  private static final Logger LOG = LoggerFactory.getLogger(QuerySessions.class);

  private final P2PNetwork network;
  private final FindNodeRequests requests;
  private final DiscoveryConfig config;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;

  /** Outbound sessions kept as the node's peers (not closed when idle). */
  private final Set<Address> kept = ConcurrentHashMap.newKeySet();

  /** When this node last used a session for a query (ms). */
  private final Map<Address, Long> lastUsed = new ConcurrentHashMap<>();

  QuerySessions(
      P2PNetwork network,
      FindNodeRequests requests,
      DiscoveryConfig config,
      Clock clock,
      ScheduledExecutorService scheduler) {
    this.network = network;
    this.requests = requests;
    this.config = config;
    this.clock = clock;
    this.scheduler = scheduler;
  }

  /** The session with node: the open one, else a new one (failing BUSY, UNREACHABLE or TIMEOUT). */
  CompletableFuture<Peer> session(NodeRecord node) {
    Optional<Peer> existing = network.peer(node.nodeId()).filter(Peer::isActive);
    if (existing.isPresent()) {
      return CompletableFuture.completedFuture(existing.get());
    }
    makeRoomForQuerySession();
    used(node.nodeId());
    CompletableFuture<Peer> dial;
    try {
      dial = network.connect(node.host(), node.port(), node.nodeId());
    } catch (RuntimeException e) {
      dial = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Peer> out = new CompletableFuture<>();
    ScheduledFuture<?> timer =
        scheduler.schedule(
            () ->
                out.completeExceptionally(
                    new DiscoveryException(
                        Reason.TIMEOUT, "dialling " + node.nodeId() + " timed out")),
            config.requestTimeout().toMillis(),
            TimeUnit.MILLISECONDS);
    dial.whenComplete((peer, error) -> {
      timer.cancel(false);
      if (error != null) {
        out.completeExceptionally(
            new DiscoveryException(
                isBusy(error) ? Reason.BUSY : Reason.UNREACHABLE,
                node.nodeId()
                    + " at "
                    + node.host()
                    + ":"
                    + node.port()
                    + ": "
                    + error.getMessage(),
                error));
      } else if (!out.complete(peer) && peer.outbound() && !kept.contains(peer.id())) {
        // Timed out meanwhile; the idle sweep will close the session.
        used(peer.id());
      }
    });
    return out;
  }

  /** The session with id was used for a query now. */
  void used(Address id) {
    lastUsed.put(id, clock.millis());
  }

  /** The last session with id has closed. */
  void gone(Address id) {
    kept.remove(id);
    lastUsed.remove(id);
  }

  void keep(Address id) {
    kept.add(id);
  }

  boolean isKept(Address id) {
    return kept.contains(id);
  }

  Set<Address> kept() {
    return Set.copyOf(kept);
  }

  /** Forgets kept peers whose session has closed; returns how many are left. */
  int pruneKept() {
    kept.removeIf(id -> network.peer(id).filter(Peer::isActive).isEmpty());
    return kept.size();
  }

  /** Closes outbound sessions opened only for queries once they have been idle for queryLinger. */
  void closeIdle() {
    long now = clock.millis();
    long linger = config.queryLinger().toMillis();
    for (Peer p : network.peers()) {
      if (p.outbound()
          && p.isActive()
          && !kept.contains(p.id())
          && !requests.isWaitingFor(p.id())
          && now - lastUsed.getOrDefault(p.id(), 0L) >= linger) {
        LOG.debug("Closing idle query session with {}", p.id());
        p.disconnect(Disconnect.Reason.REQUESTED);
      }
    }
  }

  /**
   * Keeps this node's outbound sessions that are not kept peers (opened for queries and probes)
   * under maxQuerySessions by closing the least recently used idle one, so that lookups do not fill
   * the session limit of this node or of others.
   */
  private void makeRoomForQuerySession() {
    List<Peer> idle = new ArrayList<>();
    int open = 0;
    for (Peer p : network.peers()) {
      if (p.outbound() && p.isActive() && !kept.contains(p.id())) {
        open++;
        if (!requests.isWaitingFor(p.id())) {
          idle.add(p);
        }
      }
    }
    idle.sort(Comparator.comparingLong(p -> lastUsed.getOrDefault(p.id(), 0L)));
    for (int i = 0; open >= config.maxQuerySessions() && i < idle.size(); i++, open--) {
      LOG.debug("Closing query session with {} to make room", idle.get(i).id());
      idle.get(i).disconnect(Disconnect.Reason.REQUESTED);
    }
  }

  /** Refused for lack of room (ours or theirs): not a sign that the node is gone. */
  private static boolean isBusy(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof P2PException p && p.reason() == Disconnect.Reason.TOO_MANY_PEERS) {
        return true;
      }
    }
    return false;
  }
}
