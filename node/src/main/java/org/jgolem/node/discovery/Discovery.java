package org.jgolem.node.discovery;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jgolem.eth.Address;
import org.jgolem.node.discovery.DiscoveryException.Reason;
import org.jgolem.node.p2p.P2PNetwork;
import org.jgolem.node.p2p.Peer;
import org.jgolem.node.p2p.PeerListener;
import org.jgolem.node.state.PeerStore;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.p2p.Disconnect;
import org.jgolem.protocol.messages.p2p.FindNode;
import org.jgolem.protocol.messages.p2p.Neighbours;
import org.jgolem.protocol.messages.p2p.NodeRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kademlia discovery over the node's own P2P sessions.
 *
 * <ul>
 *   <li><b>Table.</b> A node enters the {@link RoutingTable} only once it has proven its id: when a
 *       session with it opens (either direction, with the endpoint it advertised) or when it
 *       answers a query. Nodes merely named in a Neighbours answer are candidates of that lookup,
 *       not table entries, so nobody can fill our table with ids they made up. Proven peers are
 *       saved in the {@link PeerStore}; failures to reach one are counted there and in the table (a
 *       refusal for lack of room, TOO_MANY_PEERS, is not a failure: the node is alive).
 *   <li><b>Answers.</b> FindNode(target) is answered with Neighbours ({@link NeighboursAnswer}).
 *   <li><b>Queries.</b> To ask a node, the session with it is used, or opened with its expected id
 *       ({@link QuerySessions}, which also caps and closes the sessions opened for queries).
 *       Answers are matched to requests by {@link FindNodeRequests}.
 *   <li><b>Join and maintenance</b> ({@link DiscoveryMaintenance}, on the scheduler): stored peers
 *       are loaded into the table, the seeds and stored peers dialled, our own id looked up and the
 *       buckets refreshed; then, every {@code maintenanceInterval}, outbound peers kept, idle query
 *       sessions closed and untouched buckets refreshed.
 *   <li><b>Liveness.</b> When a full bucket meets a newcomer, its least-recently-seen entry is
 *       probed (a live session counts; else it is dialled). Entries that fail {@code maxFailures}
 *       times in a row are evicted for a replacement, so long-lived nodes are preferred.
 *   <li><b>Lookups.</b> {@link #lookup} answers from sessions and the table when it can; {@link
 *       #search} always asks the network and verifies the endpoint it finds.
 * </ul>
 *
 * Network callbacks only touch in-memory state; database writes, timeouts and maintenance run on
 * the injected scheduler.
 *
 * <p>Why over 400 lines: the iterative Kademlia lookup (the queries in flight, their failures and
 * the liveness they prove) is one algorithm over one routing table; dialling, upkeep and the
 * FindNode answer are {@link QuerySessions}, {@link DiscoveryMaintenance} and {@link
 * NeighboursAnswer}.
 */
public final class Discovery {
  private static final Logger LOG = LoggerFactory.getLogger(Discovery.class);

  private final Address self;
  private final P2PNetwork network;
  private final PeerStore peerStore;
  private final DiscoveryConfig config;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final Random random;
  private final RoutingTable table;
  private final FindNodeRequests requests;
  private final QuerySessions sessions;
  private final DiscoveryMaintenance maintenance;
  private final Set<Address> probing = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicInteger lookups = new AtomicInteger();
  private final Map<Reason, AtomicInteger> failures = new ConcurrentHashMap<>();
  private static final long PERSIST_EVERY_MILLIS = 60_000;

  private record Persisted(NodeRecord record, long at) {}

  /** What was last written to the peer store, per node. */
  private final Map<Address, Persisted> persisted = new ConcurrentHashMap<>();

  private volatile boolean running;

  public Discovery(
      Address self,
      P2PNetwork network,
      PeerStore peerStore,
      DiscoveryConfig config,
      Clock clock,
      ScheduledExecutorService scheduler,
      Random random) {
    this.self = self;
    this.network = network;
    this.peerStore = peerStore;
    this.config = config.validate();
    this.clock = clock;
    this.scheduler = scheduler;
    this.random = random;
    this.table =
        new RoutingTable(self, config.k(), config.k(), config.maxFailures(), clock.millis());
    this.requests = new FindNodeRequests(scheduler, config.requestTimeout());
    this.sessions = new QuerySessions(network, requests, this.config, clock, scheduler);
    this.maintenance =
        new DiscoveryMaintenance(
            self,
            network,
            table,
            sessions,
            new DiscoveryMaintenance.Lookups() {
              @Override
              public boolean running() {
                return running;
              }

              @Override
              public CompletableFuture<Lookup.Result> iterate(Address target) {
                return Discovery.this.iterate(target, false, Set.of());
              }

              @Override
              public void nodeFailed(Address id, Throwable error) {
                Discovery.this.nodeFailed(id, error);
              }

              @Override
              public boolean probing(Address id) {
                return probing.contains(id);
              }
            },
            this.config,
            clock,
            scheduler,
            random);
  }

  /**
   * Subscribes to FindNode/Neighbours and session events, loads stored peers and starts
   * bootstrapping (asynchronously). The network must be started. Starting twice fails.
   */
  public void start() {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("discovery already started");
    }
    running = true;
    network.subscribe(MessageType.FIND_NODE, this::onFindNode);
    network.subscribe(MessageType.NEIGHBOURS, this::onNeighbours);
    network.addPeerListener(
        new PeerListener() {
          @Override
          public void onConnected(Peer peer) {
            Discovery.this.onConnected(peer);
          }

          @Override
          public void onDisconnected(Peer peer, Disconnect.Reason reason) {
            Discovery.this.onDisconnected(peer);
          }
        });
    for (Peer p : network.peers()) {
      onConnected(p);
    }
    scheduler.execute(() -> {
      for (PeerStore.StoredPeer p : peerStore.load(config.storedPeers())) {
        if (!p.record().nodeId().equals(self)) {
          table.seen(p.record(), p.lastSeen());
        }
      }
      LOG.info(
          "Discovery of {} starting with {} stored peers and {} seeds",
          self,
          table.size(),
          config.seeds().size());
      maintenance.bootstrap();
    });
    maintenance.start();
  }

  /** Stops answering and querying; pending requests fail with STOPPED. Idempotent. */
  public void stop() {
    running = false;
    maintenance.stop();
    requests.close();
  }

  /**
   * The node's record: from a live session, else from the table (or a replacement cache), else by
   * {@link #search}. Completes with empty if the node was not found. A table record is the last one
   * the node proved, which can be stale if it has since restarted elsewhere; {@link #search} always
   * returns an endpoint verified now.
   */
  public CompletableFuture<Optional<NodeRecord>> lookup(Address id) {
    if (!running) {
      return CompletableFuture.failedFuture(
          new DiscoveryException(Reason.STOPPED, "discovery is stopped"));
    }
    if (id.equals(self)) {
      return CompletableFuture.completedFuture(Optional.of(network.self()));
    }
    Optional<Peer> peer = network.peer(id).filter(Peer::isActive);
    if (peer.isPresent()) {
      return CompletableFuture.completedFuture(Optional.of(peer.get().record()));
    }
    Optional<RoutingTable.Entry> entry = table.find(id);
    if (entry.isPresent()) {
      return CompletableFuture.completedFuture(Optional.of(entry.get().record()));
    }
    return search(id);
  }

  /**
   * Asks the network: an iterative lookup that stops once an answer names {@code id}; the named
   * endpoint is then verified by a session with the node (which proves its id), and the endpoint
   * the node advertises in that session is returned. An endpoint that cannot be verified (a stale
   * one, say, of a node that restarted on another port) is set aside and the search goes on, at
   * most {@value #SEARCH_ATTEMPTS} times.
   */
  public CompletableFuture<Optional<NodeRecord>> search(Address id) {
    return search(id, Set.of(), 1);
  }

  private static final int SEARCH_ATTEMPTS = 3;

  private CompletableFuture<Optional<NodeRecord>> search(
      Address id, Set<NodeRecord> rejected, int attempt) {
    return iterate(id, true, rejected)
        .thenCompose(r -> {
          if (r.found().isEmpty()) {
            return CompletableFuture.completedFuture(Optional.<NodeRecord>empty());
          }
          NodeRecord claimed = r.found().get();
          return sessions
              .session(claimed)
              .handle((peer, error) -> {
                if (error == null) {
                  sessions.used(peer.id());
                  table.seen(peer.record(), clock.millis());
                  return CompletableFuture.completedFuture(Optional.of(peer.record()));
                }
                if (reasonOf(error) == Reason.BUSY) {
                  // Alive but full: the endpoint is right, it just cannot take a session now.
                  return CompletableFuture.completedFuture(Optional.of(claimed));
                }
                if (attempt >= SEARCH_ATTEMPTS || !running) {
                  return CompletableFuture.completedFuture(Optional.<NodeRecord>empty());
                }
                Set<NodeRecord> more = new java.util.HashSet<>(rejected);
                more.add(claimed);
                return search(id, Set.copyOf(more), attempt + 1);
              })
              .thenCompose(f -> f);
        });
  }

  /** The k nodes closest to {@code target} that answered an iterative lookup, nearest first. */
  public CompletableFuture<List<NodeRecord>> findClosest(Address target) {
    return iterate(target, false, Set.of()).thenApply(Lookup.Result::closest);
  }

  /**
   * Completes when a bootstrap (self-lookup and bucket refresh) has ended with a non-empty table.
   */
  public CompletableFuture<Void> bootstrapped() {
    return maintenance.bootstrapped();
  }

  public RoutingTable table() {
    return table;
  }

  /** Outbound sessions currently kept as this node's peers. */
  public Set<Address> keptPeers() {
    return sessions.kept();
  }

  /** Lookups run since start (a metric). */
  public int lookupCount() {
    return lookups.get();
  }

  /** Failed FindNode queries by reason since start (a metric). */
  public Map<Reason, Integer> queryFailures() {
    Map<Reason, Integer> out = new java.util.EnumMap<>(Reason.class);
    failures.forEach((r, n) -> out.put(r, n.get()));
    return out;
  }

  // ---- lookups and queries

  private CompletableFuture<Lookup.Result> iterate(
      Address target, boolean stopWhenFound, Set<NodeRecord> rejected) {
    if (!running) {
      return CompletableFuture.failedFuture(
          new DiscoveryException(Reason.STOPPED, "discovery is stopped"));
    }
    lookups.incrementAndGet();
    table.lookedUp(target, clock.millis());
    Lookup lookup =
        new Lookup(
            self,
            target,
            table.closest(target, config.k()),
            config.k(),
            config.alpha(),
            stopWhenFound,
            rejected,
            this::query);
    ScheduledFuture<?> timeout =
        scheduler.schedule(
            lookup::finishNow, config.lookupTimeout().toMillis(), TimeUnit.MILLISECONDS);
    return lookup.run().whenComplete((r, e) -> timeout.cancel(false));
  }

  /**
   * One FindNode to one node: over its session, dialling it (with its expected id) if needed. If
   * the session closes under the request (the other side closed an idle query session just then),
   * it is tried once more over a new session.
   */
  private CompletableFuture<List<NodeRecord>> query(NodeRecord node, Address target) {
    return attempt(node, target)
        .handle((nodes, error) -> {
          if (error == null) {
            return CompletableFuture.completedFuture(nodes);
          }
          if (reasonOf(error) == Reason.DISCONNECTED && running) {
            return attempt(node, target);
          }
          return CompletableFuture.<List<NodeRecord>>failedFuture(error);
        })
        .thenCompose(f -> f)
        .whenComplete((nodes, error) -> {
          if (error != null) {
            Reason reason = reasonOf(error);
            failures
                .computeIfAbsent(
                    reason == null ? Reason.UNREACHABLE : reason, r -> new AtomicInteger())
                .incrementAndGet();
            LOG.debug("FindNode to {} failed: {}", node.nodeId(), error.getMessage());
            nodeFailed(node.nodeId(), error);
          }
        });
  }

  private CompletableFuture<List<NodeRecord>> attempt(NodeRecord node, Address target) {
    if (!running) {
      return CompletableFuture.failedFuture(
          new DiscoveryException(Reason.STOPPED, "discovery is stopped"));
    }
    return sessions
        .session(node)
        .thenCompose(peer -> {
          sessions.used(peer.id());
          return requests
              .request(peer, target)
              .thenApply(nodes -> {
                // It answered over an authenticated session: proven, at the endpoint it advertises.
                table.seen(peer.record(), clock.millis());
                return nodes;
              });
        });
  }

  private static Reason reasonOf(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof DiscoveryException d) {
        return d.reason();
      }
    }
    return null;
  }

  /** Counts a failure to reach the node, unless it only said it was full or we are stopping. */
  private void nodeFailed(Address id, Throwable error) {
    Reason reason = reasonOf(error);
    if (reason == Reason.BUSY || reason == Reason.STOPPED || !running) {
      return;
    }
    if (table.failed(id)) {
      LOG.debug("Evicted unresponsive {} from the routing table", id);
    }
    scheduler.execute(() -> peerStore.failed(id));
  }

  // ---- network callbacks (network threads: no blocking)

  private void onFindNode(Peer from, Envelope envelope) {
    if (!running) {
      return;
    }
    Address target = envelope.payload(FindNode.class).target();
    List<NodeRecord> nodes = NeighboursAnswer.of(table, target, from.id(), config.k());
    from.send(new Neighbours(target, nodes))
        .whenComplete((v, e) -> {
          if (e != null) {
            LOG.debug("Neighbours to {} not sent: {}", from.id(), e.getMessage());
          }
        });
  }

  private void onNeighbours(Peer from, Envelope envelope) {
    Neighbours answer = envelope.payload(Neighbours.class);
    if (!requests.answer(from.id(), answer)) {
      LOG.debug("Ignored unsolicited Neighbours from {} for {}", from.id(), answer.target());
    }
  }

  private void onConnected(Peer peer) {
    if (!running) {
      return;
    }
    NodeRecord record = peer.record();
    long now = clock.millis();
    RoutingTable.AddResult added = table.seen(record, now);
    added.probe().ifPresent(this::probe);
    Persisted last = persisted.get(record.nodeId());
    if (last == null || !last.record().equals(record) || now - last.at() >= PERSIST_EVERY_MILLIS) {
      // Query sessions come and go; the store needs a new endpoint at once, a new time now and
      // then.
      persisted.put(record.nodeId(), new Persisted(record, now));
      scheduler.execute(() -> peerStore.seen(record, now));
    }
  }

  private void onDisconnected(Peer peer) {
    if (network.peer(peer.id()).filter(p -> p != peer && p.isActive()).isPresent()) {
      // A duplicate session was closed in favour of another with the same node: answers come on
      // that one.
      return;
    }
    requests.peerGone(peer.id());
    sessions.gone(peer.id());
  }

  // ---- liveness

  /** Checks that a bucket's stalest entry is alive; evicts it (eventually) if not. */
  private void probe(RoutingTable.Entry stalest) {
    Address id = stalest.id();
    Optional<Peer> live = network.peer(id).filter(Peer::isActive);
    if (live.isPresent()) {
      table.seen(live.get().record(), clock.millis());
      return;
    }
    if (!probing.add(id)) {
      return;
    }
    sessions
        .session(stalest.record())
        .whenComplete((peer, error) -> {
          probing.remove(id);
          if (error == null) {
            table.seen(peer.record(), clock.millis());
          } else {
            nodeFailed(id, error);
          }
        });
  }
}
