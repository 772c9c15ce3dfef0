package org.jgolem.node.discovery;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jgolem.eth.Address;
import org.jgolem.node.discovery.DiscoveryConfig.Endpoint;
import org.jgolem.node.p2p.P2PNetwork;
import org.jgolem.node.p2p.Peer;
import org.jgolem.protocol.messages.p2p.NodeRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Discovery}'s join and upkeep, on the scheduler. <b>Join:</b> the seeds and the stored
 * peers are dialled, then a lookup of our own id (which makes us known to the nodes closest to us)
 * and a refresh of each bucket not yet full; a first node with nothing to dial joins once others
 * have found it. <b>Maintenance</b> (every {@code maintenanceInterval}): re-join if no session is
 * left, keep {@code targetOutbound} outbound sessions to table nodes picked at random, close idle
 * query sessions, refresh buckets no lookup touched for {@code refreshInterval}.
 */
final class DiscoveryMaintenance {
  private static final Logger LOG = LoggerFactory.getLogger(DiscoveryMaintenance.class);

  /** What maintenance uses of discovery's lookups. */
  interface Lookups {
    boolean running();

    /** An iterative lookup of target (not stopping when found). */
    CompletableFuture<Lookup.Result> iterate(Address target);

    /** Counts a failure to reach the node. */
    void nodeFailed(Address id, Throwable error);

    /** Whether a liveness probe of id is under way. */
    boolean probing(Address id);
  }

  /**
   * How soon a bootstrap that reached nobody is tried again (at most; the maintenance interval if
   * shorter).
   */
  static final Duration BOOTSTRAP_RETRY = Duration.ofSeconds(1);

  private final Address self;
  private final P2PNetwork network;
  private final RoutingTable table;
  private final QuerySessions sessions;
  private final Lookups lookups;
  private final DiscoveryConfig config;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final Random random;

  /** Nodes being dialled to become kept peers. */
  private final Set<Address> dialling = ConcurrentHashMap.newKeySet();

  private final CompletableFuture<Void> bootstrapped = new CompletableFuture<>();
  private volatile boolean bootstrapping;
  private ScheduledFuture<?> maintenance;

  DiscoveryMaintenance(
      Address self,
      P2PNetwork network,
      RoutingTable table,
      QuerySessions sessions,
      Lookups lookups,
      DiscoveryConfig config,
      Clock clock,
      ScheduledExecutorService scheduler,
      Random random) {
    this.self = self;
    this.network = network;
    this.table = table;
    this.sessions = sessions;
    this.lookups = lookups;
    this.config = config;
    this.clock = clock;
    this.scheduler = scheduler;
    this.random = random;
  }

  /** Schedules maintenance every maintenanceInterval. */
  void start() {
    long every = config.maintenanceInterval().toMillis();
    maintenance =
        scheduler.scheduleWithFixedDelay(this::maintainSafely, every, every, TimeUnit.MILLISECONDS);
  }

  void stop() {
    if (maintenance != null) {
      maintenance.cancel(false);
    }
  }

  /**
   * Completes when a bootstrap (self-lookup and bucket refresh) has ended with a non-empty table.
   */
  CompletableFuture<Void> bootstrapped() {
    return bootstrapped.copy();
  }

  void bootstrap() {
    if (!lookups.running() || bootstrapping) {
      return;
    }
    bootstrapping = true;
    List<CompletableFuture<?>> dials = new ArrayList<>();
    NodeRecord me = network.self();
    for (Endpoint seed : config.seedEndpoints()) {
      if (seed.host().equals(me.host()) && seed.port() == me.port()) {
        continue;
      }
      CompletableFuture<Peer> dial;
      try {
        dial = network.connect(seed.host(), seed.port(), null);
      } catch (RuntimeException e) {
        dial = CompletableFuture.failedFuture(e);
      }
      dials.add(
          dial.whenComplete((p, e) -> {
            if (e != null) {
              LOG.info("Seed {} unreachable: {}", seed, e.getMessage());
            } else {
              sessions.used(p.id());
            }
          }));
    }
    List<RoutingTable.Entry> stored = table.entries();
    for (RoutingTable.Entry e : stored) {
      if (network.peer(e.id()).isEmpty()) {
        dials.add(
            sessions
                .session(e.record())
                .whenComplete((p, error) -> {
                  if (error != null) {
                    lookups.nodeFailed(e.id(), error);
                  }
                }));
      }
    }
    CompletableFuture.allOf(
            dials.stream().map(f -> f.handle((v, e) -> null)).toArray(CompletableFuture[]::new))
        .thenCompose(v -> lookups.iterate(self))
        .thenCompose(selfLookup -> {
          // Kademlia's join: after the lookup of our own id, refresh every bucket farther than our
          // closest neighbour, so that the table also covers the far parts of the id space.
          int buckets = table.bucketCount();
          List<CompletableFuture<Lookup.Result>> refreshes = new ArrayList<>();
          List<Integer> sizes = table.bucketSizes();
          for (int i = 0; i < buckets - 1; i++) {
            if (sizes.get(i) >= config.k()) {
              continue; // already full: nothing to learn there
            }
            refreshes.add(lookups.iterate(table.randomIdIn(i, random)).exceptionally(e -> null));
          }
          return CompletableFuture.allOf(refreshes.toArray(CompletableFuture[]::new))
              .thenApply(v ->
                  selfLookup.queries()
                      + refreshes.stream()
                          .map(CompletableFuture::join)
                          .mapToInt(r -> r == null ? 0 : r.queries())
                          .sum());
        })
        .whenComplete((queries, e) -> {
          bootstrapping = false;
          if (e != null) {
            LOG.info("Bootstrap lookup of {} failed: {}", self, e.getMessage());
          } else {
            LOG.info(
                "Bootstrap of {}: {} nodes in the table after {} queries, {} sessions",
                self,
                table.size(),
                queries,
                network.peers().size());
            if (table.size() > 0) {
              bootstrapped.complete(null);
            }
            if (network.peers().isEmpty()) {
              // nobody answered (seeds not up yet, say): maintenance would bootstrap again at once,
              // and again
              // as fast as the refusals come back; wait a little first
              long retry =
                  Math.min(BOOTSTRAP_RETRY.toMillis(), config.maintenanceInterval().toMillis());
              scheduler.schedule(this::maintainSafely, retry, TimeUnit.MILLISECONDS);
            } else {
              scheduler.execute(this::maintainSafely);
            }
          }
        });
  }

  private void maintainSafely() {
    try {
      maintain();
    } catch (RuntimeException e) {
      LOG.warn("Discovery maintenance of {} failed", self, e);
    }
  }

  private void maintain() {
    if (!lookups.running()) {
      return;
    }
    if (!bootstrapping && table.size() > 0 && !bootstrapped.isDone()) {
      // A first node (no seeds, no stored peers) joins once others have found it.
      bootstrap();
      return;
    }
    if (network.peers().isEmpty()
        && !bootstrapping
        && (!config.seeds().isEmpty() || table.size() > 0)) {
      LOG.debug("{} has no sessions: bootstrapping again", self);
      bootstrap();
      return;
    }
    keepPeers();
    sessions.closeIdle();
    refreshBuckets();
  }

  /**
   * Tops kept outbound sessions up to targetOutbound with table nodes picked at random (uniformly,
   * so that seeds and early nodes are not everyone's peers). A pick with an outbound session open
   * already (from a query) is kept as it is; nodes with an inbound session are left out, as that
   * session is the other node's to keep.
   */
  private void keepPeers() {
    int missing = config.targetOutbound() - sessions.pruneKept() - dialling.size();
    if (missing <= 0) {
      return;
    }
    List<RoutingTable.Entry> candidates = new ArrayList<>();
    for (RoutingTable.Entry e : table.entries()) {
      Optional<Peer> session = network.peer(e.id()).filter(Peer::isActive);
      if (!table.isStale(e)
          && !sessions.isKept(e.id())
          && !dialling.contains(e.id())
          && !lookups.probing(e.id())
          && (session.isEmpty() || session.get().outbound())) {
        candidates.add(e);
      }
    }
    Collections.shuffle(candidates, random);
    for (RoutingTable.Entry e : candidates.subList(0, Math.min(missing, candidates.size()))) {
      Optional<Peer> open = network.peer(e.id()).filter(Peer::isActive);
      if (open.isPresent()) {
        sessions.keep(e.id());
        continue;
      }
      dialling.add(e.id());
      sessions
          .session(e.record())
          .whenComplete((peer, error) -> {
            dialling.remove(e.id());
            if (error != null) {
              lookups.nodeFailed(e.id(), error);
            } else if (peer.outbound()) {
              sessions.keep(peer.id());
            }
            // else: it dialled us at the same time; the session is inbound, theirs to keep.
          });
    }
  }

  private void refreshBuckets() {
    long now = clock.millis();
    List<Integer> stale = table.bucketsToRefresh(now, config.refreshInterval().toMillis());
    for (int bucket : stale) {
      Address target = table.randomIdIn(bucket, random);
      LOG.debug("Refreshing bucket {} of {} with a lookup of {}", bucket, self, target);
      lookups.iterate(target);
    }
  }
}
