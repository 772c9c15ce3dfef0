package org.jgolem.node.gossip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.node.fixtures.Headers.header;
import static org.jgolem.node.fixtures.Headers.removal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.jgolem.eth.Address;
import org.jgolem.node.fixtures.TestKeys;
import org.jgolem.node.gossip.TaskHeaderListener.RemovalReason;
import org.jgolem.node.gossip.TaskHeaderStore.Outcome;
import org.jgolem.node.gossip.TaskHeaderStore.RemovalOutcome;
import org.jgolem.node.p2p.P2PConfig;
import org.jgolem.node.p2p.memory.MemoryNetworkHub;
import org.jgolem.node.p2p.memory.MemoryP2PNetwork;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.MessageHasher;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.testkit.FakeClock;
import org.jgolem.testkit.ManualScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Gossip between a few nodes on a manual in-memory network, with a fake clock: no threads, no
 * waiting.
 */
class TaskHeaderGossipTest {
  static final long T0 = 1_900_000_000_000L;

  final FakeClock clock = new FakeClock(T0);
  final ManualScheduler scheduler = new ManualScheduler(clock);
  final MessageHasher hasher = new MessageHasher(P2PConfig.loopback().chainId());
  final MemoryNetworkHub hub = MemoryNetworkHub.manual();
  final List<Node> nodes = new ArrayList<>();
  TestKeys keys;

  /** A node: its network, gossip, and what reached it. */
  record Node(
      MemoryP2PNetwork network,
      TaskHeaderGossip gossip,
      List<Address> headerSenders,
      List<String> events) {
    Address id() {
      return network.self().nodeId();
    }
  }

  @BeforeEach
  void setUp() {
    long seed = System.nanoTime();
    System.out.println("TaskHeaderGossipTest seed=" + seed);
    keys = new TestKeys(seed);
  }

  @AfterEach
  void tearDown() {
    nodes.forEach(n -> n.gossip().stop());
    hub.close();
  }

  Node node() {
    MemoryP2PNetwork network = hub.newNode(keys.next(), P2PConfig.loopback(), clock);
    network.start();
    GossipConfig config = GossipConfig.defaults().withPurgeInterval(Duration.ofSeconds(10));
    TaskHeaderGossip gossip =
        new TaskHeaderGossip(
            network, new TaskHeaderStore(hasher, clock, config), scheduler, config);
    List<Address> senders = new CopyOnWriteArrayList<>();
    List<String> events = new CopyOnWriteArrayList<>();
    network.subscribe(MessageType.TASK_HEADER, (from, e) -> senders.add(e.sender()));
    gossip.addListener(
        new TaskHeaderListener() {
          @Override
          public void headerAdded(TaskHeader h) {
            events.add("added " + h.image());
          }

          @Override
          public void headerRemoved(TaskHeader h, RemovalReason reason) {
            events.add(reason + " " + h.image());
          }
        });
    gossip.start();
    Node n = new Node(network, gossip, senders, events);
    nodes.add(n);
    return n;
  }

  void connect(Node from, Node to) throws Exception {
    var f = from.network().connect(to.network().self().host(), to.network().self().port(), to.id());
    settle();
    assertThat(f.get(0, TimeUnit.SECONDS).id()).isEqualTo(to.id());
  }

  /** Delivers messages and runs due scheduler work until both are quiet. */
  void settle() {
    while (hub.deliverAll() + scheduler.runDue() > 0) {
      // keep going
    }
  }

  @Test
  void aHeaderHopsAlongALineResealedByEachForwarder() throws Exception {
    Node a = node();
    Node b = node();
    Node c = node();
    connect(a, b);
    connect(b, c);
    NodeKey requestor = keys.next();
    TaskHeader h = header(requestor, 1, T0 + 3_600_000, hasher);

    assertThat(a.gossip().publish(h)).isEqualTo(Outcome.ADDED);
    settle();
    assertThat(nodes).allMatch(n -> n.gossip().knownHeaders().equals(List.of(h)));
    assertThat(b.headerSenders()).containsExactly(a.id());
    assertThat(c.headerSenders())
        .containsExactly(b.id()); // B's envelope, the requestor's signature inside
    assertThat(a.headerSenders()).isEmpty(); // B did not send it back where it came from
    assertThat(c.events()).containsExactly("added golem/test:1");
  }

  @Test
  void floodingStopsAtNodesThatAlreadyHaveTheHeader() throws Exception {
    // a triangle: each node gets the header from both others at most once, and forwards it once
    Node a = node();
    Node b = node();
    Node c = node();
    connect(a, b);
    connect(b, c);
    connect(c, a);
    TaskHeader h = header(keys.next(), 1, T0 + 3_600_000, hasher);
    a.gossip().publish(h);
    settle();
    assertThat(nodes).allMatch(n -> n.gossip().knownHeaders().equals(List.of(h)));
    int copies = nodes.stream().mapToInt(n -> n.headerSenders().size()).sum();
    assertThat(copies).isBetween(2, 4); // a sends 2, b and c forward at most 1 each
    assertThat(
            nodes.stream()
                .mapToLong(n -> n.gossip().store().offerCounts().get(Outcome.DUPLICATE))
                .sum())
        .isEqualTo(copies - 2);
  }

  @Test
  void aSignedRemovalFollowsTheHeaderAndKeepsItOut() throws Exception {
    Node a = node();
    Node b = node();
    Node c = node();
    connect(a, b);
    connect(b, c);
    NodeKey requestor = keys.next();
    TaskHeader h = header(requestor, 1, T0 + 3_600_000, hasher);
    a.gossip().publish(h);
    settle();
    assertThat(c.gossip().withdraw(removal(requestor, 1, T0, hasher)))
        .isEqualTo(RemovalOutcome.REMOVED);
    settle();
    assertThat(nodes).allMatch(n -> n.gossip().knownHeaders().isEmpty());
    assertThat(a.events()).containsExactly("added golem/test:1", "WITHDRAWN golem/test:1");
    // a node that comes later and is offered the old header refuses it: the removal reached it
    // first
    assertThat(b.gossip().publish(h)).isEqualTo(Outcome.WITHDRAWN);
    // a removal signed by someone else is not forwarded
    NodeKey mallory = keys.next();
    TaskHeader other = header(requestor, 2, T0 + 3_600_000, hasher);
    a.gossip().publish(other);
    settle();
    var forged =
        new org.jgolem.protocol.messages.market.TaskHeaderRemoved(
            other.taskId(), requestor.address(), T0, removal(mallory, 2, T0, hasher).signature());
    assertThat(c.gossip().withdraw(forged)).isEqualTo(RemovalOutcome.BAD_SIGNATURE);
    settle();
    assertThat(nodes).allMatch(n -> n.gossip().knownHeaders().equals(List.of(other)));
  }

  @Test
  void expiredHeadersArePurgedOnSchedule() throws Exception {
    Node a = node();
    Node b = node();
    connect(a, b);
    a.gossip().publish(header(keys.next(), 1, T0 + 60_000, hasher));
    a.gossip().publish(header(keys.next(), 2, T0 + 3_600_000, hasher));
    settle();
    assertThat(b.gossip().knownHeaders()).hasSize(2);
    scheduler.advance(Duration.ofSeconds(50));
    assertThat(b.events()).doesNotContain("EXPIRED golem/test:1");
    scheduler.advance(Duration.ofSeconds(10)); // deadline reached, and the 10 s purge runs
    assertThat(b.events()).contains("EXPIRED golem/test:1");
    assertThat(b.gossip().knownHeaders())
        .extracting(TaskHeader::image)
        .containsExactly("golem/test:2");
    assertThat(b.gossip().store().header(header(keys.next(), 1, T0 + 60_000, hasher).id()))
        .isEmpty();
  }

  @Test
  void aNewSessionIsSentTheLiveHeaders() throws Exception {
    Node a = node();
    a.gossip().publish(header(keys.next(), 1, T0 + 3_600_000, hasher));
    a.gossip().publish(header(keys.next(), 2, T0 + 3_600_000, hasher));
    Node late = node();
    connect(late, a);
    settle();
    assertThat(late.gossip().knownHeaders())
        .extracting(TaskHeader::image)
        .containsExactlyInAnyOrder("golem/test:1", "golem/test:2");
    assertThat(late.headerSenders()).containsOnly(a.id());
  }
}
