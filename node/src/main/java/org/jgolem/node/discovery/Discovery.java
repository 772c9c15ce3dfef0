package org.jgolem.node.discovery;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
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
import org.jgolem.node.discovery.DiscoveryConfig.Endpoint;
import org.jgolem.node.discovery.DiscoveryException.Reason;
import org.jgolem.node.p2p.P2PException;
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
 *       session with it opens (either direction, with the endpoint it advertised) or when it answers
 *       a query. Nodes merely named in a Neighbours answer are candidates of that lookup, not table
 *       entries, so nobody can fill our table with ids they made up. Proven peers are saved in the
 *       {@link PeerStore}; failures to reach one are counted there and in the table (a refusal for
 *       lack of room, TOO_MANY_PEERS, is not a failure: the node is alive).
 *   <li><b>Answers.</b> FindNode(target) is answered with Neighbours: the k closest fresh table
 *       entries, without the asker; the target itself first if it is known, even only in a
 *       replacement cache.
 *   <li><b>Queries.</b> To ask a node, the session with it is used, or opened with its expected id.
 *       Answers are matched to requests by {@link FindNodeRequests}. Outbound sessions opened for
 *       queries are capped ({@code maxQuerySessions}, least recently used idle one closed) and closed
 *       after {@code queryLinger} of idleness, so that lookups do not fill anyone's session limit.
 *   <li><b>Join.</b> Stored peers are loaded into the table; the seeds and the stored peers are
 *       dialled, then a lookup of our own id (which makes us known to the nodes closest to us) and a
 *       refresh of each bucket not yet full. A first node with nothing to dial joins once others
 *       have found it.
 *   <li><b>Maintenance</b> (every {@code maintenanceInterval}, on the scheduler): re-join if no
 *       session is left, keep {@code targetOutbound} outbound sessions to table nodes picked at
 *       random, close idle query sessions, refresh buckets no lookup touched for
 *       {@code refreshInterval}.
 *   <li><b>Liveness.</b> When a full bucket meets a newcomer, its least-recently-seen entry is
 *       probed (a live session counts; else it is dialled). Entries that fail {@code maxFailures}
 *       times in a row are evicted for a replacement, so long-lived nodes are preferred.
 *   <li><b>Lookups.</b> {@link #lookup} answers from sessions and the table when it can;
 *       {@link #search} always asks the network and verifies the endpoint it finds.
 * </ul>
 *
 * Network callbacks only touch in-memory state; database writes, timeouts and maintenance run on
 * the injected scheduler.
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
  /** Outbound sessions kept as the node's peers (not closed when idle). */
  private final Set<Address> kept = ConcurrentHashMap.newKeySet();
  /** When this node last used a session for a query (ms). */
  private final Map<Address, Long> lastUsed = new ConcurrentHashMap<>();
  /** Nodes being dialled to become kept peers. */
  private final Set<Address> dialling = ConcurrentHashMap.newKeySet();
  private final Set<Address> probing = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicInteger lookups = new AtomicInteger();
  private final Map<Reason, AtomicInteger> failures = new ConcurrentHashMap<>();
  private static final long PERSIST_EVERY_MILLIS = 60_000;

  private record Persisted(NodeRecord record, long at) {}

  /** What was last written to the peer store, per node. */
  private final Map<Address, Persisted> persisted = new ConcurrentHashMap<>();
  private volatile boolean running;
  private volatile boolean bootstrapping;
  private final CompletableFuture<Void> bootstrapped = new CompletableFuture<>();
  private ScheduledFuture<?> maintenance;

  public Discovery(Address self, P2PNetwork network, PeerStore peerStore, DiscoveryConfig config, Clock clock,
      ScheduledExecutorService scheduler, Random random) {
    this.self = self;
    this.network = network;
    this.peerStore = peerStore;
    this.config = config.validate();
    this.clock = clock;
    this.scheduler = scheduler;
    this.random = random;
    this.table = new RoutingTable(self, config.k(), config.k(), config.maxFailures(), clock.millis());
    this.requests = new FindNodeRequests(scheduler, config.requestTimeout());
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
    network.addPeerListener(new PeerListener() {
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
      LOG.info("Discovery of {} starting with {} stored peers and {} seeds", self, table.size(), config.seeds().size());
      bootstrap();
    });
    long every = config.maintenanceInterval().toMillis();
    maintenance = scheduler.scheduleWithFixedDelay(this::maintainSafely, every, every, TimeUnit.MILLISECONDS);
  }

  /** Stops answering and querying; pending requests fail with STOPPED. Idempotent. */
  public void stop() {
    running = false;
    if (maintenance != null) {
      maintenance.cancel(false);
    }
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
      return CompletableFuture.failedFuture(new DiscoveryException(Reason.STOPPED, "discovery is stopped"));
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

  private CompletableFuture<Optional<NodeRecord>> search(Address id, Set<NodeRecord> rejected, int attempt) {
    return iterate(id, true, rejected).thenCompose(r -> {
      if (r.found().isEmpty()) {
        return CompletableFuture.completedFuture(Optional.<NodeRecord>empty());
      }
      NodeRecord claimed = r.found().get();
      return session(claimed).handle((peer, error) -> {
        if (error == null) {
          lastUsed.put(peer.id(), clock.millis());
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
      }).thenCompose(f -> f);
    });
  }

  /** The k nodes closest to {@code target} that answered an iterative lookup, nearest first. */
  public CompletableFuture<List<NodeRecord>> findClosest(Address target) {
    return iterate(target, false, Set.of()).thenApply(Lookup.Result::closest);
  }

  /** Completes when a bootstrap (self-lookup and bucket refresh) has ended with a non-empty table. */
  public CompletableFuture<Void> bootstrapped() {
    return bootstrapped.copy();
  }

  public RoutingTable table() {
    return table;
  }

  /** Outbound sessions currently kept as this node's peers. */
  public Set<Address> keptPeers() {
    return Set.copyOf(kept);
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

  private CompletableFuture<Lookup.Result> iterate(Address target, boolean stopWhenFound, Set<NodeRecord> rejected) {
    if (!running) {
      return CompletableFuture.failedFuture(new DiscoveryException(Reason.STOPPED, "discovery is stopped"));
    }
    lookups.incrementAndGet();
    table.lookedUp(target, clock.millis());
    Lookup lookup = new Lookup(self, target, table.closest(target, config.k()), config.k(), config.alpha(),
        stopWhenFound, rejected, this::query);
    ScheduledFuture<?> timeout = scheduler.schedule(lookup::finishNow, config.lookupTimeout().toMillis(), TimeUnit.MILLISECONDS);
    return lookup.run().whenComplete((r, e) -> timeout.cancel(false));
  }

  /**
   * One FindNode to one node: over its session, dialling it (with its expected id) if needed. If
   * the session closes under the request (the other side closed an idle query session just then),
   * it is tried once more over a new session.
   */
  private CompletableFuture<List<NodeRecord>> query(NodeRecord node, Address target) {
    return attempt(node, target).handle((nodes, error) -> {
      if (error == null) {
        return CompletableFuture.completedFuture(nodes);
      }
      if (reasonOf(error) == Reason.DISCONNECTED && running) {
        return attempt(node, target);
      }
      return CompletableFuture.<List<NodeRecord>>failedFuture(error);
    }).thenCompose(f -> f).whenComplete((nodes, error) -> {
      if (error != null) {
        Reason reason = reasonOf(error);
        failures.computeIfAbsent(reason == null ? Reason.UNREACHABLE : reason, r -> new AtomicInteger()).incrementAndGet();
        LOG.debug("FindNode to {} failed: {}", node.nodeId(), error.getMessage());
        nodeFailed(node.nodeId(), error);
      }
    });
  }

  private CompletableFuture<List<NodeRecord>> attempt(NodeRecord node, Address target) {
    if (!running) {
      return CompletableFuture.failedFuture(new DiscoveryException(Reason.STOPPED, "discovery is stopped"));
    }
    return session(node).thenCompose(peer -> {
      lastUsed.put(peer.id(), clock.millis());
      return requests.request(peer, target).thenApply(nodes -> {
        // It answered over an authenticated session: proven, at the endpoint it advertises.
        table.seen(peer.record(), clock.millis());
        return nodes;
      });
    });
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

  private static Reason reasonOf(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof DiscoveryException d) {
        return d.reason();
      }
    }
    return null;
  }

  private CompletableFuture<Peer> session(NodeRecord node) {
    Optional<Peer> existing = network.peer(node.nodeId()).filter(Peer::isActive);
    if (existing.isPresent()) {
      return CompletableFuture.completedFuture(existing.get());
    }
    makeRoomForQuerySession();
    lastUsed.put(node.nodeId(), clock.millis());
    CompletableFuture<Peer> dial;
    try {
      dial = network.connect(node.host(), node.port(), node.nodeId());
    } catch (RuntimeException e) {
      dial = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Peer> out = new CompletableFuture<>();
    ScheduledFuture<?> timer = scheduler.schedule(
        () -> out.completeExceptionally(new DiscoveryException(Reason.TIMEOUT, "dialling " + node.nodeId() + " timed out")),
        config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    dial.whenComplete((peer, error) -> {
      timer.cancel(false);
      if (error != null) {
        out.completeExceptionally(new DiscoveryException(isBusy(error) ? Reason.BUSY : Reason.UNREACHABLE,
            node.nodeId() + " at " + node.host() + ":" + node.port() + ": " + error.getMessage(), error));
      } else if (!out.complete(peer) && peer.outbound() && !kept.contains(peer.id())) {
        // Timed out meanwhile; the idle sweep will close the session.
        lastUsed.put(peer.id(), clock.millis());
      }
    });
    return out;
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
    idle.sort(java.util.Comparator.comparingLong(p -> lastUsed.getOrDefault(p.id(), 0L)));
    for (int i = 0; open >= config.maxQuerySessions() && i < idle.size(); i++, open--) {
      LOG.debug("Closing query session with {} to make room", idle.get(i).id());
      idle.get(i).disconnect(Disconnect.Reason.REQUESTED);
    }
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
    FindNode request = envelope.payload(FindNode.class);
    Address target = request.target();
    int n = Math.min(config.k(), Neighbours.MAX_NODES);
    List<NodeRecord> nodes = table.closest(target, n, Set.of(from.id()));
    Optional<RoutingTable.Entry> exact = table.find(target);
    if (exact.isPresent() && !table.isStale(exact.get()) && !target.equals(from.id()) && (nodes.isEmpty() || !nodes.get(0).nodeId().equals(target))) {
      // The very node asked for, known but waiting in a replacement cache (its bucket is full of
      // long-lived nodes): name it first, so lookups for it end here.
      List<NodeRecord> withTarget = new ArrayList<>(List.of(exact.get().record()));
      withTarget.addAll(nodes.subList(0, Math.min(nodes.size(), n - 1)));
      nodes = withTarget;
    }
    from.send(new Neighbours(target, nodes)).whenComplete((v, e) -> {
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
      // Query sessions come and go; the store needs a new endpoint at once, a new time now and then.
      persisted.put(record.nodeId(), new Persisted(record, now));
      scheduler.execute(() -> peerStore.seen(record, now));
    }
  }

  private void onDisconnected(Peer peer) {
    if (network.peer(peer.id()).filter(p -> p != peer && p.isActive()).isPresent()) {
      // A duplicate session was closed in favour of another with the same node: answers come on that one.
      return;
    }
    requests.peerGone(peer.id());
    kept.remove(peer.id());
    lastUsed.remove(peer.id());
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
    session(stalest.record()).whenComplete((peer, error) -> {
      probing.remove(id);
      if (error == null) {
        table.seen(peer.record(), clock.millis());
      } else {
        nodeFailed(id, error);
      }
    });
  }

  // ---- bootstrap and maintenance (scheduler thread)

  /** How soon a bootstrap that reached nobody is tried again (at most; the maintenance interval if shorter). */
  static final Duration BOOTSTRAP_RETRY = Duration.ofSeconds(1);

  private void bootstrap() {
    if (!running || bootstrapping) {
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
      dials.add(dial
          .whenComplete((p, e) -> {
            if (e != null) {
              LOG.info("Seed {} unreachable: {}", seed, e.getMessage());
            } else {
              lastUsed.put(p.id(), clock.millis());
            }
          }));
    }
    List<RoutingTable.Entry> stored = table.entries();
    for (RoutingTable.Entry e : stored) {
      if (network.peer(e.id()).isEmpty()) {
        dials.add(session(e.record()).whenComplete((p, error) -> {
          if (error != null) {
            nodeFailed(e.id(), error);
          }
        }));
      }
    }
    CompletableFuture.allOf(dials.stream().map(f -> f.handle((v, e) -> null)).toArray(CompletableFuture[]::new))
        .thenCompose(v -> iterate(self, false, Set.of()))
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
            refreshes.add(iterate(table.randomIdIn(i, random), false, Set.of()).exceptionally(e -> null));
          }
          return CompletableFuture.allOf(refreshes.toArray(CompletableFuture[]::new))
              .thenApply(v -> selfLookup.queries() + refreshes.stream().map(CompletableFuture::join)
                  .mapToInt(r -> r == null ? 0 : r.queries()).sum());
        })
        .whenComplete((queries, e) -> {
          bootstrapping = false;
          if (e != null) {
            LOG.info("Bootstrap lookup of {} failed: {}", self, e.getMessage());
          } else {
            LOG.info("Bootstrap of {}: {} nodes in the table after {} queries, {} sessions", self, table.size(),
                queries, network.peers().size());
            if (table.size() > 0) {
              bootstrapped.complete(null);
            }
            if (network.peers().isEmpty()) {
              // nobody answered (seeds not up yet, say): maintenance would bootstrap again at once, and again
              // as fast as the refusals come back; wait a little first
              long retry = Math.min(BOOTSTRAP_RETRY.toMillis(), config.maintenanceInterval().toMillis());
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
    if (!running) {
      return;
    }
    if (!bootstrapping && table.size() > 0 && !bootstrapped.isDone()) {
      // A first node (no seeds, no stored peers) joins once others have found it.
      bootstrap();
      return;
    }
    if (network.peers().isEmpty() && !bootstrapping && (!config.seeds().isEmpty() || table.size() > 0)) {
      LOG.debug("{} has no sessions: bootstrapping again", self);
      bootstrap();
      return;
    }
    keepPeers();
    closeIdleQuerySessions();
    refreshBuckets();
  }

  /**
   * Tops kept outbound sessions up to targetOutbound with table nodes picked at random (uniformly,
   * so that seeds and early nodes are not everyone's peers). A pick with an outbound session open
   * already (from a query) is kept as it is; nodes with an inbound session are left out, as that
   * session is the other node's to keep.
   */
  private void keepPeers() {
    kept.removeIf(id -> network.peer(id).filter(Peer::isActive).isEmpty());
    int missing = config.targetOutbound() - kept.size() - dialling.size();
    if (missing <= 0) {
      return;
    }
    List<RoutingTable.Entry> candidates = new ArrayList<>();
    for (RoutingTable.Entry e : table.entries()) {
      Optional<Peer> session = network.peer(e.id()).filter(Peer::isActive);
      if (!table.isStale(e) && !kept.contains(e.id()) && !dialling.contains(e.id()) && !probing.contains(e.id())
          && (session.isEmpty() || session.get().outbound())) {
        candidates.add(e);
      }
    }
    Collections.shuffle(candidates, random);
    for (RoutingTable.Entry e : candidates.subList(0, Math.min(missing, candidates.size()))) {
      Optional<Peer> open = network.peer(e.id()).filter(Peer::isActive);
      if (open.isPresent()) {
        kept.add(e.id());
        continue;
      }
      dialling.add(e.id());
      session(e.record()).whenComplete((peer, error) -> {
        dialling.remove(e.id());
        if (error != null) {
          nodeFailed(e.id(), error);
        } else if (peer.outbound()) {
          kept.add(peer.id());
        }
        // else: it dialled us at the same time; the session is inbound, theirs to keep.
      });
    }
  }

  /** Closes outbound sessions opened only for queries once they have been idle for queryLinger. */
  private void closeIdleQuerySessions() {
    long now = clock.millis();
    long linger = config.queryLinger().toMillis();
    for (Peer p : network.peers()) {
      if (p.outbound() && p.isActive() && !kept.contains(p.id()) && !requests.isWaitingFor(p.id())
          && now - lastUsed.getOrDefault(p.id(), 0L) >= linger) {
        LOG.debug("Closing idle query session with {}", p.id());
        p.disconnect(Disconnect.Reason.REQUESTED);
      }
    }
  }

  private void refreshBuckets() {
    long now = clock.millis();
    List<Integer> stale = table.bucketsToRefresh(now, config.refreshInterval().toMillis());
    for (int bucket : stale) {
      Address target = table.randomIdIn(bucket, random);
      LOG.debug("Refreshing bucket {} of {} with a lookup of {}", bucket, self, target);
      iterate(target, false, Set.of());
    }
  }
}
