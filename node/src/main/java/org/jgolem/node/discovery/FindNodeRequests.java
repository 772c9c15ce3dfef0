package org.jgolem.node.discovery;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jgolem.eth.Address;
import org.jgolem.node.discovery.DiscoveryException.Reason;
import org.jgolem.node.p2p.Peer;
import org.jgolem.protocol.messages.p2p.FindNode;
import org.jgolem.protocol.messages.p2p.Neighbours;
import org.jgolem.protocol.messages.p2p.NodeRecord;

/**
 * FindNode requests awaiting their Neighbours. The protocol has no request id, so an answer is
 * matched by (peer, target): the session authenticates the peer, and Neighbours echoes the target.
 * Concurrent requests for the same pair share one future. Each request fails after its timeout,
 * when its peer disconnects, or on {@link #close()}; a Neighbours that matches nothing is reported
 * as unsolicited and ignored by the caller.
 */
final class FindNodeRequests {
  private record Key(Address peer, Address target) {}

  private final Map<Key, CompletableFuture<List<NodeRecord>>> pending = new ConcurrentHashMap<>();
  private final ScheduledExecutorService scheduler;
  private final Duration timeout;
  private volatile boolean closed;

  FindNodeRequests(ScheduledExecutorService scheduler, Duration timeout) {
    this.scheduler = scheduler;
    this.timeout = timeout;
  }

  /**
   * Sends FindNode(target) to the peer unless the same request is in flight; completes with the
   * nodes.
   */
  CompletableFuture<List<NodeRecord>> request(Peer peer, Address target) {
    if (closed) {
      return CompletableFuture.failedFuture(
          new DiscoveryException(Reason.STOPPED, "discovery is stopped"));
    }
    Key key = new Key(peer.id(), target);
    CompletableFuture<List<NodeRecord>> f = new CompletableFuture<>();
    CompletableFuture<List<NodeRecord>> existing = pending.putIfAbsent(key, f);
    if (existing != null) {
      return existing;
    }
    ScheduledFuture<?> timer =
        scheduler.schedule(
            () ->
                f.completeExceptionally(
                    new DiscoveryException(
                        Reason.TIMEOUT,
                        "no Neighbours from "
                            + peer.id()
                            + " for "
                            + target
                            + " within "
                            + timeout.toMillis()
                            + " ms")),
            timeout.toMillis(),
            TimeUnit.MILLISECONDS);
    f.whenComplete((nodes, error) -> {
      pending.remove(key, f);
      timer.cancel(false);
    });
    peer.send(new FindNode(target))
        .whenComplete((v, error) -> {
          if (error != null) {
            f.completeExceptionally(
                new DiscoveryException(
                    Reason.DISCONNECTED, "FindNode to " + peer.id() + " not sent", error));
          }
        });
    return f;
  }

  /** Completes the matching request; false if none was waiting (unsolicited or late). */
  boolean answer(Address from, Neighbours neighbours) {
    CompletableFuture<List<NodeRecord>> f = pending.get(new Key(from, neighbours.target()));
    return f != null && f.complete(List.copyOf(neighbours.nodes()));
  }

  boolean isWaitingFor(Address peer) {
    return pending.keySet().stream().anyMatch(k -> k.peer().equals(peer));
  }

  /** Fails every request to the peer: its session closed. */
  void peerGone(Address peer) {
    pending.forEach((k, f) -> {
      if (k.peer().equals(peer)) {
        f.completeExceptionally(
            new DiscoveryException(Reason.DISCONNECTED, "session with " + peer + " closed"));
      }
    });
  }

  int size() {
    return pending.size();
  }

  void close() {
    closed = true;
    pending
        .values()
        .forEach(f ->
            f.completeExceptionally(
                new DiscoveryException(Reason.STOPPED, "discovery is stopped")));
  }
}
