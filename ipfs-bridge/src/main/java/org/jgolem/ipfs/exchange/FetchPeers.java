package org.jgolem.ipfs.exchange;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The peers of one {@link BlockExchange} fetch: who announced the resource (asked again at most
 * every second), who is banned for corrupted blocks, who has how many requests in flight, and what
 * each last failed with. Chooses the peer for a unit: one it was not tried on yet, the least
 * loaded; once all were tried, all again after a pause that grows with each round.
 */
final class FetchPeers {
  /** Waits on the exchange's timer. */
  @FunctionalInterface
  interface Pause {
    void pause(long millis) throws InterruptedException;
  }

  /** How long the providers' answer is reused. */
  private static final long PEERS_TTL_MILLIS = 1_000;

  private final Supplier<List<Peer>> providers;
  private final Clock clock;
  private final Pause pause;
  private final Map<Peer, AtomicInteger> inFlight = new ConcurrentHashMap<>();
  private final Set<Peer> banned = ConcurrentHashMap.newKeySet();
  private final Map<String, String> lastError = new ConcurrentHashMap<>();
  private volatile List<Peer> peers = List.of();
  private volatile long peersAt;

  FetchPeers(Supplier<List<Peer>> providers, Clock clock, Pause pause) {
    this.providers = providers;
    this.clock = clock;
    this.pause = pause;
  }

  /** The peer to send u to, or null if no peer is usable (none announced it, or all are banned). */
  Peer choose(FetchUnit u) {
    long now = clock.millis();
    if (peers.isEmpty() || now - peersAt > PEERS_TTL_MILLIS) {
      peers = List.copyOf(new LinkedHashSet<>(providers.get()));
      peersAt = now;
    }
    List<Peer> usable = new ArrayList<>();
    for (Peer p : peers) if (!banned.contains(p)) usable.add(p);
    if (usable.isEmpty()) return null;
    List<Peer> fresh = new ArrayList<>();
    for (Peer p : usable) if (!u.tried.contains(p)) fresh.add(p);
    if (fresh.isEmpty()) {
      // every usable peer failed this unit once: try them all again, pausing a little more each
      // round
      u.tried.clear();
      u.rounds++;
      try {
        pause.pause(Math.min(1000, 50L * u.rounds));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      fresh = usable;
    }
    Peer best = null;
    int bestLoad = Integer.MAX_VALUE;
    int start = Math.floorMod(u.first().hashCode(), fresh.size());
    for (int i = 0; i < fresh.size(); i++) {
      Peer p = fresh.get((start + i) % fresh.size());
      int load = inFlight.computeIfAbsent(p, x -> new AtomicInteger()).get();
      if (load < bestLoad) {
        best = p;
        bestLoad = load;
      }
    }
    return best;
  }

  void started(Peer peer) {
    inFlight.computeIfAbsent(peer, p -> new AtomicInteger()).incrementAndGet();
  }

  void finished(Peer peer) {
    inFlight.get(peer).decrementAndGet();
  }

  /** It served a corrupted block: not asked again during this fetch. */
  void ban(Peer peer) {
    banned.add(peer);
  }

  void failed(Peer peer, String error) {
    lastError.put(peer.id(), error);
  }

  /** Why nothing arrives: "no peer announced it", or each peer and what it last did wrong. */
  String diagnosis() {
    StringBuilder why = new StringBuilder();
    if (peers.isEmpty()) why.append("no peer announced it");
    else {
      why.append("peers tried: ");
      for (Peer p : peers) {
        why.append(p.id())
            .append(" (")
            .append(
                banned.contains(p)
                    ? "served corrupted blocks"
                    : lastError.getOrDefault(p.id(), "no answer"))
            .append("); ");
      }
    }
    return why.toString().replaceAll("; $", "");
  }
}
