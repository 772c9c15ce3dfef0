package org.jgolem.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.node.fixtures.Cluster.endpoint;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jgolem.node.fixtures.Cluster;
import org.jgolem.node.fixtures.Headers;
import org.jgolem.node.gossip.TaskHeaderStore;
import org.jgolem.node.p2p.P2PConfig;
import org.jgolem.node.p2p.netty.EventLoops;
import org.jgolem.node.p2p.netty.NettyP2PNetwork;
import org.jgolem.node.state.NodeDatabase;
import org.jgolem.node.state.SqlitePeerStore;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.MessageHasher;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.p2p.NodeRecord;
import org.jgolem.testkit.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole nodes over real TCP sessions on 127.0.0.1, all in this JVM. */
class P2PNodeNettyTest {
  static final EventLoops LOOPS = EventLoops.create(2, "p2p-node-test");
  static final Duration WAIT = Duration.ofSeconds(40);

  @TempDir Path dir;
  final Clock clock = Clock.systemUTC();
  final MessageHasher hasher = new MessageHasher(P2PConfig.loopback().chainId());
  Cluster cluster;

  @BeforeEach
  void setUp() {
    long seed = System.nanoTime();
    System.out.println(getClass().getSimpleName() + " seed=" + seed);
    cluster =
        new Cluster(
            dir, (key, config) -> new NettyP2PNetwork(key, config, clock, LOOPS), clock, seed);
  }

  @AfterEach
  void tearDown() {
    cluster.close();
  }

  @AfterAll
  static void closeLoops() {
    LOOPS.close();
  }

  /**
   * Seeds take every newcomer's first dial, so they are given room for more sessions than other
   * nodes.
   */
  static P2PNodeConfig seedConfig(P2PNodeConfig c) {
    return c.withP2p(c.p2p().withMaxPeers(64));
  }

  static boolean joined(P2PNode n) {
    return n.discovery().bootstrapped().isDone() && n.network().peers().size() >= 2;
  }

  static long ms(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  @Test
  void fiftyNodesFromTwoSeedsConvergeAndAHeaderReachesAll() throws Exception {
    int n = 50;
    long t0 = System.nanoTime();
    P2PNode seedA = cluster.start(List.of(), P2PNodeNettyTest::seedConfig);
    P2PNode seedB = cluster.start(List.of(endpoint(seedA)), P2PNodeNettyTest::seedConfig);
    List<String> seeds = List.of(endpoint(seedA), endpoint(seedB));
    List<P2PNode> nodes = new ArrayList<>(List.of(seedA, seedB));
    List<Long> joinMs = new CopyOnWriteArrayList<>();
    for (int i = 2; i < n; i++) {
      long tNode = System.nanoTime();
      P2PNode node = cluster.start(seeds, c -> c);
      node.discovery().bootstrapped().thenRun(() -> joinMs.add(ms(tNode)));
      nodes.add(node);
    }
    long started = ms(t0);
    Await.until(
        WAIT,
        () -> nodes.stream().allMatch(P2PNodeNettyTest::joined),
        () ->
            "not joined: "
                + nodes.stream()
                    .filter(x -> !joined(x))
                    .map(x ->
                        "#"
                            + nodes.indexOf(x)
                            + " table "
                            + x.discovery().table().size()
                            + " sessions "
                            + x.network().peers().size())
                    .toList());
    long joined = ms(t0);
    Await.until(Duration.ofSeconds(5), () -> joinMs.size() == n - 2, () -> "join times missing");
    List<Long> sortedJoins = joinMs.stream().sorted().toList();

    // Every node looks up every other: 50 x 49 lookups, each node's one after another, all nodes at
    // once.
    int lookupsBefore = nodes.stream().mapToInt(x -> x.discovery().lookupCount()).sum();
    long tLookups = System.nanoTime();
    List<String> misses = lookupAll(nodes, false);
    long lookupMs = ms(tLookups);
    assertThat(misses).isEmpty();
    int lookupsOverNetwork =
        nodes.stream().mapToInt(x -> x.discovery().lookupCount()).sum() - lookupsBefore;

    // And the same through the network only (iterative search), for every pair as well.
    long tSearch = System.nanoTime();
    List<String> searchMisses = lookupAll(nodes, true);
    long searchMs = ms(tSearch);
    assertThat(searchMisses).isEmpty();

    // A header published by one node reaches all 50.
    NodeKey requestor = cluster.newKey();
    TaskHeader header = Headers.header(requestor, 7, clock.millis() + 3_600_000, hasher);
    P2PNode publisher = nodes.get(37);
    long tHeader = System.nanoTime();
    assertThat(publisher.publish(header)).isEqualTo(TaskHeaderStore.Outcome.ADDED);
    Await.until(
        Duration.ofSeconds(10),
        () -> nodes.stream().allMatch(x -> x.knownHeaders().contains(header)),
        () ->
            "header missing on "
                + nodes.stream().filter(x -> !x.knownHeaders().contains(header)).count()
                + " nodes");
    long headerMs = ms(tHeader);

    int sessions = nodes.stream().mapToInt(x -> x.network().peers().size()).sum();
    java.util.Map<Object, Integer> failures = new java.util.TreeMap<>();
    nodes.forEach(x ->
        x.discovery()
            .queryFailures()
            .forEach((r, c) -> failures.merge(r.toString(), c, Integer::sum)));
    long refused =
        nodes.stream()
            .mapToLong(x -> ((NettyP2PNetwork) x.network()).stats().connectionsRefused())
            .sum();
    long handshakeFailures =
        nodes.stream()
            .mapToLong(x -> ((NettyP2PNetwork) x.network()).stats().handshakesFailed())
            .sum();
    long handshakes =
        nodes.stream()
            .mapToLong(x -> ((NettyP2PNetwork) x.network()).stats().handshakesCompleted())
            .sum();
    int minTable = nodes.stream().mapToInt(x -> x.discovery().table().size()).min().orElse(0);
    System.out.printf(
        "convergence: %d nodes started in %d ms, all bootstrapped at %d ms (join of a non-seed node: "
            + "median %d ms, max %d ms); %d lookups in %d ms "
            + "(%d needed the network); %d searches in %d ms; header reached all in %d ms; "
            + "sessions per node %.1f, smallest table %d; handshakes %d ok / %d failed, %d connections refused; "
            + "failed queries %s%n",
        n,
        started,
        joined,
        sortedJoins.get(sortedJoins.size() / 2),
        sortedJoins.get(sortedJoins.size() - 1),
        n * (n - 1),
        lookupMs,
        lookupsOverNetwork,
        n * (n - 1),
        searchMs,
        headerMs,
        sessions / (double) n,
        minTable,
        handshakes,
        handshakeFailures,
        refused,
        failures);
    assertThat(headerMs).isLessThan(10_000);
  }

  @Test
  void aRestartedNodeRejoinsFromItsDatabaseWithoutSeeds() throws Exception {
    P2PNode seedA = cluster.start(List.of(), P2PNodeNettyTest::seedConfig);
    P2PNode seedB = cluster.start(List.of(endpoint(seedA)), P2PNodeNettyTest::seedConfig);
    List<String> seeds = List.of(endpoint(seedA), endpoint(seedB));
    List<P2PNode> nodes = new ArrayList<>(List.of(seedA, seedB));
    for (int i = 2; i < 12; i++) {
      nodes.add(cluster.start(seeds, c -> c));
    }
    Await.until(WAIT, () -> nodes.stream().allMatch(P2PNodeNettyTest::joined), () -> "not joined");

    P2PNode leaving = nodes.get(6);
    NodeKey key = cluster.keyOf(leaving);
    Path data = cluster.dataDirOf(6);
    NodeRecord before = leaving.self();
    leaving.stop();
    leaving.stop();
    try (NodeDatabase db = NodeDatabase.open(data, clock)) {
      assertThat(new SqlitePeerStore(db).size())
          .as("peers stored by the node")
          .isGreaterThanOrEqualTo(5);
    }
    // The seeds go away too: the node can only come back through the peers it stored.
    seedA.stop();
    seedB.stop();
    List<P2PNode> others = new ArrayList<>(nodes.subList(2, nodes.size()));
    others.remove(leaving);

    long t0 = System.nanoTime();
    P2PNode back = cluster.start(key, data, List.of(), c -> c);
    assertThat(back.id()).isEqualTo(leaving.id());
    assertThat(back.self().port())
        .isNotEqualTo(before.port()); // a new port: others learn it from its sessions
    Await.until(
        WAIT,
        () -> joined(back),
        () ->
            "restarted node did not rejoin: table "
                + back.discovery().table().size()
                + " sessions "
                + back.network().peers().size());
    long rejoinMs = ms(t0);
    for (P2PNode o : others) {
      assertThat(back.lookup(o.id()).get(10, TimeUnit.SECONDS)).contains(o.self());
      assertThat(back.discovery().search(o.id()).get(10, TimeUnit.SECONDS)).contains(o.self());
    }
    TaskHeader header = Headers.header(cluster.newKey(), 9, clock.millis() + 3_600_000, hasher);
    long tHeader = System.nanoTime();
    others.get(3).publish(header);
    Await.until(
        Duration.ofSeconds(10),
        () -> back.knownHeaders().contains(header),
        () -> "restarted node did not get the header");
    long headerMs = ms(tHeader);
    // and every other node finds it at its new endpoint (a verified search sets stale records
    // aside)
    for (P2PNode o : others) {
      assertThat(o.discovery().search(back.id()).get(10, TimeUnit.SECONDS)).contains(back.self());
    }
    System.out.printf(
        "restart: rejoined without seeds in %d ms, header received in %d ms%n", rejoinMs, headerMs);
  }

  static List<String> lookupAll(List<P2PNode> nodes, boolean search) throws Exception {
    List<String> misses = new CopyOnWriteArrayList<>();
    List<CompletableFuture<Void>> chains = new ArrayList<>();
    AtomicInteger done = new AtomicInteger();
    for (P2PNode from : nodes) {
      CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
      for (P2PNode to : nodes) {
        if (from == to) {
          continue;
        }
        chain =
            chain.thenCompose(v ->
                (search ? from.discovery().search(to.id()) : from.lookup(to.id()))
                    .thenAccept(r -> {
                      done.incrementAndGet();
                      if (!r.equals(Optional.of(to.self()))) {
                        misses.add(from.id() + " -> " + to.self() + " got " + r);
                      }
                    }));
      }
      chains.add(chain);
    }
    CompletableFuture.allOf(chains.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    assertThat(done.get()).isEqualTo(nodes.size() * (nodes.size() - 1));
    return misses;
  }
}
