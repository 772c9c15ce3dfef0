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
import org.jgolem.eth.Address;
import org.jgolem.node.fixtures.Cluster;
import org.jgolem.node.fixtures.Headers;
import org.jgolem.node.gossip.TaskHeaderStore;
import org.jgolem.node.p2p.P2PConfig;
import org.jgolem.node.p2p.Peer;
import org.jgolem.node.p2p.memory.MemoryNetworkHub;
import org.jgolem.node.p2p.memory.MemoryP2PNetwork;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.MessageHasher;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.p2p.FindNode;
import org.jgolem.protocol.messages.p2p.Neighbours;
import org.jgolem.protocol.messages.p2p.NodeRecord;
import org.jgolem.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Discovery and gossip between whole nodes on the in-memory network. */
class P2PNodeMemoryTest {
  static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  final Clock clock = Clock.systemUTC();
  final MessageHasher hasher = new MessageHasher(P2PConfig.loopback().chainId());
  MemoryNetworkHub hub;
  Cluster cluster;

  @BeforeEach
  void setUp() {
    long seed = System.nanoTime();
    System.out.println(getClass().getSimpleName() + " seed=" + seed);
    hub = MemoryNetworkHub.threaded();
    cluster = new Cluster(dir, (key, config) -> hub.newNode(key, config, clock), clock, seed);
  }

  @AfterEach
  void tearDown() {
    cluster.close();
    hub.close();
  }

  List<P2PNode> startNodes(int n, java.util.function.UnaryOperator<P2PNodeConfig> tweak) {
    P2PNode seed = cluster.start(List.of(), tweak);
    List<P2PNode> all = new ArrayList<>(List.of(seed));
    for (int i = 1; i < n; i++) {
      all.add(cluster.start(List.of(endpoint(seed)), tweak));
    }
    return all;
  }

  void awaitBootstrapped(List<P2PNode> nodes) {
    Await.until(
        WAIT,
        () -> nodes.stream().allMatch(P2PNodeMemoryTest::joined),
        () ->
            "nodes not joined: "
                + nodes.stream()
                    .filter(n -> !joined(n))
                    .map(n ->
                        "#"
                            + nodes.indexOf(n)
                            + " table "
                            + n.discovery().table().size()
                            + " sessions "
                            + n.network().peers().size()
                            + " kept "
                            + n.discovery().keptPeers().size())
                    .toList());
  }

  /**
   * Bootstrapped, with sessions; a seed may have only inbound sessions at first, so no kept ones.
   */
  static boolean joined(P2PNode n) {
    return n.discovery().bootstrapped().isDone() && n.network().peers().size() >= 2;
  }

  /**
   * Runs every lookup (or search) between distinct nodes: each node runs its lookups one after
   * another, all nodes at once. Returns the misses (empty, or a record other than the node's own).
   */
  static List<String> lookupAll(List<P2PNode> nodes, boolean search) throws Exception {
    List<String> misses = new CopyOnWriteArrayList<>();
    List<CompletableFuture<Void>> chains = new ArrayList<>();
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
                      if (!r.equals(Optional.of(to.self()))) {
                        misses.add(from.id() + " -> " + to.self() + " got " + r);
                      }
                    }));
      }
      chains.add(chain);
    }
    CompletableFuture.allOf(chains.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    return misses;
  }

  @Test
  void twentyNodesFromOneSeedLookUpEveryOther() throws Exception {
    List<P2PNode> nodes = startNodes(20, c -> c);
    awaitBootstrapped(nodes);
    assertThat(lookupAll(nodes, false)).isEmpty();
    for (P2PNode n : nodes) {
      assertThat(n.discovery().keptPeers().size()).isLessThanOrEqualTo(8);
      assertThat(n.discovery().table().size()).isGreaterThan(5);
    }
  }

  @Test
  void iterativeSearchFindsEveryNodeWithSmallBuckets() throws Exception {
    // k = 3: each table holds few nodes, so finding one takes several hops of FindNode/Neighbours.
    List<P2PNode> nodes =
        startNodes(24, c -> c.withDiscovery(c.discovery().withK(3).withTargetOutbound(3)));
    awaitBootstrapped(nodes);
    assertThat(nodes).allMatch(n -> n.discovery().table().size() < 23);
    List<String> misses = lookupAll(nodes, true);
    if (!misses.isEmpty()) {
      for (String m : misses) {
        Address src = Address.of(m.substring(0, 42));
        Address tgt = Address.of(m.substring(m.indexOf("nodeId=") + 7, m.indexOf("nodeId=") + 49));
        P2PNode srcNode = nodes.stream().filter(x -> x.id().equals(src)).findFirst().orElseThrow();
        System.out.println(
            "retry "
                + m.substring(0, 60)
                + ": "
                + srcNode.discovery().search(tgt).get(10, TimeUnit.SECONDS)
                + " start set "
                + srcNode.discovery().table().closest(tgt, 3).stream()
                    .map(NodeRecord::nodeId)
                    .toList());
      }
      for (String m : misses) {
        Address target =
            Address.of(m.substring(m.indexOf("nodeId=") + 7, m.indexOf("nodeId=") + 49));
        List<P2PNode> byDistance = new ArrayList<>(nodes);
        byDistance.sort(
            (a, b) -> org.jgolem.node.discovery.XorDistance.compare(target, a.id(), b.id()));
        for (P2PNode c : byDistance.subList(0, 6)) {
          System.out.println(
              "miss "
                  + target
                  + ": close node "
                  + c.id()
                  + " knows it: "
                  + c.discovery().table().find(target)
                  + " closest it gives: "
                  + c.discovery().table().closest(target, 3).stream()
                      .map(NodeRecord::nodeId)
                      .toList());
        }
      }
      for (P2PNode n : nodes) {
        System.out.println(
            n.id()
                + " failures "
                + n.discovery().queryFailures()
                + " table "
                + n.discovery().table().bucketSizes());
      }
    }
    assertThat(misses).isEmpty();
  }

  @Test
  void findNodeIsAnsweredWithAtMostSixteenClosestWithoutTheAsker() throws Exception {
    List<P2PNode> nodes = startNodes(30, c -> c);
    awaitBootstrapped(nodes);
    P2PNode answerer = nodes.get(0); // the seed: every node dialled it
    Await.until(
        WAIT,
        () -> answerer.discovery().table().size() > 17,
        () -> "seed table " + answerer.discovery().table().size());

    MemoryP2PNetwork asker = hub.newNode(cluster.newKey(), P2PConfig.loopback(), clock);
    asker.start();
    List<Neighbours> answers = new CopyOnWriteArrayList<>();
    asker.subscribe(MessageType.NEIGHBOURS, (from, e) -> answers.add(e.payload(Neighbours.class)));
    Peer session =
        asker
            .connect(answerer.self().host(), answerer.self().port(), answerer.id())
            .get(5, TimeUnit.SECONDS);
    Address target = nodes.get(7).id();
    session.send(new FindNode(target));
    Await.until(WAIT, () -> !answers.isEmpty(), () -> "no Neighbours");
    Neighbours n = answers.get(0);
    assertThat(n.target()).isEqualTo(target);
    assertThat(n.nodes()).hasSize(16);
    assertThat(n.nodes())
        .extracting(NodeRecord::nodeId)
        .doesNotContain(asker.self().nodeId())
        .startsWith(target) // the target itself is the closest
        .isSortedAccordingTo(org.jgolem.node.discovery.XorDistance.closerTo(target));
    asker.close();
  }

  @Test
  void aHeaderReachesEveryNodeAndItsRemovalToo() throws Exception {
    List<P2PNode> nodes = startNodes(20, c -> c);
    awaitBootstrapped(nodes);
    NodeKey requestor = cluster.newKey();
    TaskHeader header = Headers.header(requestor, 1, clock.millis() + 3_600_000, hasher);
    P2PNode publisher = nodes.get(13);
    // envelopes that carry the header: sender must be the forwarding neighbour, not the requestor
    List<Address> senders = new CopyOnWriteArrayList<>();
    for (P2PNode n : nodes) {
      n.network().subscribe(MessageType.TASK_HEADER, (from, e) -> senders.add(e.sender()));
    }
    long start = System.nanoTime();
    assertThat(publisher.publish(header)).isEqualTo(TaskHeaderStore.Outcome.ADDED);
    Await.until(
        WAIT,
        () -> nodes.stream().allMatch(n -> n.knownHeaders().contains(header)),
        () ->
            "header missing on "
                + nodes.stream().filter(n -> !n.knownHeaders().contains(header)).count()
                + " nodes");
    System.out.println(
        "header reached 20 nodes in " + (System.nanoTime() - start) / 1_000_000 + " ms");
    assertThat(senders).doesNotContain(requestor.address()).contains(publisher.id());
    // forwarded by others than the publisher (how many depends on the random topology)
    assertThat(senders.stream().distinct().count()).isGreaterThanOrEqualTo(2);
    // every node forwards a new header once, to its peers but the sender: copies <= sum of degrees
    int sessions = nodes.stream().mapToInt(n -> n.network().peers().size()).sum();
    assertThat(senders.size()).isLessThanOrEqualTo(sessions);

    assertThat(nodes.get(3).withdraw(Headers.removal(requestor, 1, clock.millis(), hasher)))
        .isEqualTo(TaskHeaderStore.RemovalOutcome.REMOVED);
    Await.until(
        WAIT,
        () -> nodes.stream().allMatch(n -> n.knownHeaders().isEmpty()),
        () ->
            "header still on "
                + nodes.stream().filter(n -> !n.knownHeaders().isEmpty()).count()
                + " nodes");
    // and it cannot come back
    assertThat(publisher.publish(header)).isEqualTo(TaskHeaderStore.Outcome.WITHDRAWN);
  }

  @Test
  void aForgedHeaderStopsAtTheFirstHop() throws Exception {
    List<P2PNode> nodes = startNodes(8, c -> c);
    awaitBootstrapped(nodes);
    NodeKey requestor = cluster.newKey();
    TaskHeader good = Headers.header(requestor, 1, clock.millis() + 3_600_000, hasher);
    byte[] sig = good.signature();
    sig[10] ^= 1;
    TaskHeader forged =
        new TaskHeader(
            good.taskId(),
            good.requestor(),
            good.requestorEndpoint(),
            good.environment(),
            good.image(),
            good.maxPricePerHour(),
            good.subtaskCount(),
            good.subtaskTimeoutSeconds(),
            good.deadline(),
            good.minMemoryMib(),
            good.minCpuCores(),
            good.concentEnabled(),
            sig);
    P2PNode sender = nodes.get(2);
    assertThat(sender.publish(forged)).isEqualTo(TaskHeaderStore.Outcome.BAD_SIGNATURE);
    // sent by hand, bypassing the sender's own check
    List<Peer> peers = List.copyOf(sender.network().peers());
    for (Peer p : peers) {
      p.send(forged);
    }
    Await.until(
        WAIT,
        () ->
            peers.stream()
                .allMatch(p ->
                    node(nodes, p.id())
                            .gossip()
                            .store()
                            .offerCounts()
                            .get(TaskHeaderStore.Outcome.BAD_SIGNATURE)
                        >= 1),
        () -> "forged header not refused everywhere");
    long refused =
        nodes.stream()
            .mapToLong(
                n -> n.gossip().store().offerCounts().get(TaskHeaderStore.Outcome.BAD_SIGNATURE))
            .sum();
    assertThat(hub.awaitIdle(Duration.ofSeconds(5))).isTrue();
    // the sender's own refusal plus one per direct peer: nobody forwarded it
    assertThat(
            nodes.stream()
                .mapToLong(n ->
                    n.gossip().store().offerCounts().get(TaskHeaderStore.Outcome.BAD_SIGNATURE))
                .sum())
        .isEqualTo(refused)
        .isEqualTo(1 + peers.size());
    assertThat(nodes).allMatch(n -> n.knownHeaders().isEmpty());
  }

  @Test
  void aRestartedNodeRejoinsFromItsDatabaseWithoutSeeds() throws Exception {
    List<P2PNode> nodes = startNodes(10, c -> c);
    awaitBootstrapped(nodes);
    P2PNode leaving = nodes.get(5);
    NodeKey key = cluster.keyOf(leaving);
    Path data = cluster.dataDirOf(5);
    leaving.stop();
    leaving.stop(); // idempotent

    P2PNode back = cluster.start(key, data, List.of(), c -> c);
    assertThat(back.id()).isEqualTo(leaving.id());
    Await.until(
        WAIT, () -> back.discovery().keptPeers().size() >= 2, () -> "restarted node has no peers");
    List<P2PNode> others = new ArrayList<>(nodes);
    others.remove(leaving);
    for (P2PNode o : others) {
      assertThat(back.lookup(o.id()).get(10, TimeUnit.SECONDS)).contains(o.self());
    }
    TaskHeader header = Headers.header(cluster.newKey(), 2, clock.millis() + 3_600_000, hasher);
    others.get(0).publish(header);
    Await.until(
        WAIT,
        () -> back.knownHeaders().contains(header),
        () -> "restarted node did not get the header");
  }

  @Test
  void startsOnceAndStopsIdempotently() throws Exception {
    P2PNode a = cluster.start(List.of(), c -> c);
    P2PNode b = cluster.start(List.of(endpoint(a)), c -> c);
    Await.until(WAIT, () -> a.network().peer(b.id()).isPresent(), () -> "b did not reach a");
    org.assertj.core.api.Assertions.assertThatThrownBy(a::start)
        .isInstanceOf(IllegalStateException.class);
    b.stop();
    b.stop();
    Await.until(
        WAIT, () -> a.network().peer(b.id()).isEmpty(), () -> "a still has a session with b");
    assertThat(b.lookup(a.id()).handle((r, e) -> e).get(5, TimeUnit.SECONDS))
        .isInstanceOf(org.jgolem.node.discovery.DiscoveryException.class)
        .hasMessageContaining("STOPPED");
    // the database was closed and kept what b learnt
    try (org.jgolem.node.state.NodeDatabase db =
        org.jgolem.node.state.NodeDatabase.open(cluster.dataDirOf(1), clock)) {
      assertThat(new org.jgolem.node.state.SqlitePeerStore(db).load(10))
          .extracting(p -> p.record().nodeId())
          .contains(a.id());
    }
  }

  private static P2PNode node(List<P2PNode> nodes, Address id) {
    return nodes.stream().filter(n -> n.id().equals(id)).findFirst().orElseThrow();
  }
}
