package org.jgolem.node.p2p.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jgolem.node.p2p.P2PConfig;
import org.jgolem.node.p2p.Peer;
import org.jgolem.node.p2p.PeerEvents;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.p2p.Disconnect;
import org.jgolem.protocol.messages.p2p.FindNode;
import org.jgolem.protocol.messages.p2p.Neighbours;
import org.jgolem.protocol.messages.p2p.Ping;
import org.jgolem.protocol.messages.p2p.Pong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two or more nodes on real loopback sockets. */
class NettyP2PNetworkTest {
  static final EventLoops LOOPS = EventLoops.create(2, "test-p2p");
  private final List<NettyP2PNetwork> nodes = new ArrayList<>();

  @AfterAll
  static void closeLoops() {
    LOOPS.close();
  }

  @AfterEach
  void closeNodes() {
    nodes.reversed().forEach(NettyP2PNetwork::close);
  }

  static NodeKey key(int i) {
    return NodeKey.fromPrivateKey(BigInteger.valueOf(2_000 + i));
  }

  NettyP2PNetwork node(int i, P2PConfig config) {
    NettyP2PNetwork n = new NettyP2PNetwork(key(i), config, Clock.systemUTC(), LOOPS);
    nodes.add(n);
    n.start();
    return n;
  }

  NettyP2PNetwork node(int i) {
    return node(i, P2PConfig.loopback());
  }

  static Peer connect(NettyP2PNetwork from, NettyP2PNetwork to) throws Exception {
    return from.connect("127.0.0.1", to.self().port(), to.self().nodeId()).get(5, TimeUnit.SECONDS);
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  static Throwable failure(CompletableFuture<?> f) throws Exception {
    try {
      f.get(5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected a failure, got " + f.get());
  }

  @Test
  void capabilitiesTravelInTheHelloBothWays() throws Exception {
    NettyP2PNetwork a = new NettyP2PNetwork(key(1), P2PConfig.loopback(), Clock.systemUTC(), LOOPS);
    nodes.add(a);
    a.setCapabilities(List.of("gateway:40180", "wasm"));
    a.start();
    NettyP2PNetwork b = node(2);
    Peer fromA = connect(a, b);
    assertThat(fromA.capabilities()).isEmpty();
    await("b sees a", () -> b.peer(a.self().nodeId()).isPresent());
    Peer fromB = b.peer(a.self().nodeId()).orElseThrow();
    assertThat(fromB.capabilities()).containsExactly("gateway:40180", "wasm");
    assertThat(fromB.capability("gateway")).contains("40180");
    assertThat(fromB.capability("nope")).isEmpty();
    assertThatThrownBy(() -> a.setCapabilities(List.of("x".repeat(65))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void nodesAuthenticateAndExchangeMessagesBothWays() throws Exception {
    NettyP2PNetwork a = node(1);
    NettyP2PNetwork b = node(2);
    PeerEvents aEvents = new PeerEvents();
    PeerEvents bEvents = new PeerEvents();
    a.addPeerListener(aEvents);
    b.addPeerListener(bEvents);
    BlockingQueue<Envelope> atB = new LinkedBlockingQueue<>();
    BlockingQueue<Envelope> atA = new LinkedBlockingQueue<>();
    b.subscribe(
        MessageType.FIND_NODE,
        (from, m) -> {
          atB.add(m);
          from.send(new Neighbours(m.payload(FindNode.class).target(), List.of(b.self())));
        });
    a.subscribe(MessageType.NEIGHBOURS, (from, m) -> atA.add(m));

    Peer toB = connect(a, b);
    assertThat(toB.id()).isEqualTo(b.self().nodeId());
    assertThat(toB.record()).isEqualTo(b.self());
    assertThat(toB.outbound()).isTrue();
    await("B to see A", () -> b.peer(a.self().nodeId()).isPresent());
    Peer toA = b.peer(a.self().nodeId()).orElseThrow();
    assertThat(toA.outbound()).isFalse();
    assertThat(toA.record()).isEqualTo(a.self());
    assertThat(aEvents.connected(b.self().nodeId())).as("told before connect() completes").isTrue();
    await("B's listener to hear of A", () -> bEvents.connected(a.self().nodeId()));

    toB.send(new FindNode(key(9).address())).get(5, TimeUnit.SECONDS);
    Envelope got = atB.poll(5, TimeUnit.SECONDS);
    assertThat(got).isNotNull();
    assertThat(got.sender()).isEqualTo(a.self().nodeId());
    assertThat(got.payload(FindNode.class).target()).isEqualTo(key(9).address());
    Envelope back = atA.poll(5, TimeUnit.SECONDS);
    assertThat(back).isNotNull();
    assertThat(back.sender()).isEqualTo(b.self().nodeId());
    assertThat(back.payload(Neighbours.class).nodes()).containsExactly(b.self());

    // and the other way, on the same session
    BlockingQueue<Envelope> pingsAtA = new LinkedBlockingQueue<>();
    a.subscribe(MessageType.PING, (from, m) -> pingsAtA.add(m));
    toA.send(new Ping(5)).get(5, TimeUnit.SECONDS);
    assertThat(pingsAtA.poll(5, TimeUnit.SECONDS))
        .isNotNull()
        .extracting(Envelope::sender)
        .isEqualTo(b.self().nodeId());
    assertThat(a.stats().handshakesCompleted()).isEqualTo(1);
    assertThat(b.stats().handshakesCompleted()).isEqualTo(1);
  }

  @Test
  void pingIsAnsweredWithPong() throws Exception {
    NettyP2PNetwork a = node(1);
    NettyP2PNetwork b = node(2);
    BlockingQueue<Long> pongs = new LinkedBlockingQueue<>();
    a.subscribe(MessageType.PONG, (from, m) -> pongs.add(m.payload(Pong.class).nonce()));
    NettyPeer toB = (NettyPeer) connect(a, b);
    toB.send(new Ping(77));
    assertThat(pongs.poll(5, TimeUnit.SECONDS)).isEqualTo(77L);
    assertThat(toB.lastPongMillis()).isPositive();
  }

  @Test
  void disconnectReasonReachesBothSides() throws Exception {
    NettyP2PNetwork a = node(1);
    NettyP2PNetwork b = node(2);
    PeerEvents aEvents = new PeerEvents();
    PeerEvents bEvents = new PeerEvents();
    a.addPeerListener(aEvents);
    b.addPeerListener(bEvents);
    Peer toB = connect(a, b);
    await("B to see A", () -> b.peer(a.self().nodeId()).isPresent());
    toB.disconnect(Disconnect.Reason.REQUESTED);
    await(
        "both sides to report",
        () ->
            !aEvents.disconnectReasons(b.self().nodeId()).isEmpty()
                && !bEvents.disconnectReasons(a.self().nodeId()).isEmpty());
    assertThat(aEvents.disconnectReasons(b.self().nodeId()))
        .containsExactly(Disconnect.Reason.REQUESTED);
    assertThat(bEvents.disconnectReasons(a.self().nodeId()))
        .containsExactly(Disconnect.Reason.REQUESTED);
    assertThat(toB.isActive()).isFalse();
    assertThat(a.peers()).isEmpty();
    await("B to drop A", () -> b.peers().isEmpty());
    assertThat(toB.send(new Ping(1))).isCompletedExceptionally();
    assertThat(a.isBanned(b.self().nodeId())).isFalse();
  }

  @Test
  void closingANodeSaysShuttingDownAndStopsListening() throws Exception {
    NettyP2PNetwork a = node(1);
    NettyP2PNetwork b = node(2);
    PeerEvents bEvents = new PeerEvents();
    PeerEvents aEvents = new PeerEvents();
    a.addPeerListener(aEvents);
    b.addPeerListener(bEvents);
    connect(a, b);
    a.close();
    a.close();
    await("B to hear it", () -> !bEvents.disconnectReasons(a.self().nodeId()).isEmpty());
    assertThat(bEvents.disconnectReasons(a.self().nodeId()))
        .containsExactly(Disconnect.Reason.SHUTTING_DOWN);
    assertThat(aEvents.disconnectReasons(b.self().nodeId()))
        .containsExactly(Disconnect.Reason.SHUTTING_DOWN);
    assertThat(failure(b.connect("127.0.0.1", a.self().port(), null)))
        .isInstanceOf(java.io.IOException.class);
    assertThatThrownBy(a::start).isInstanceOf(IllegalStateException.class);
  }

  private static final P2PConfig FAST_KEEPALIVE =
      P2PConfig.loopback()
          .withTimeouts(Duration.ofSeconds(5), Duration.ofMillis(400), Duration.ofMillis(100));

  @Test
  void keepAliveHoldsAQuietSessionOpenPastTheIdleTimeout() throws Exception {
    NettyP2PNetwork a = node(1, FAST_KEEPALIVE);
    NettyP2PNetwork b = node(2, FAST_KEEPALIVE);
    List<Envelope> pongs = new CopyOnWriteArrayList<>();
    a.subscribe(MessageType.PONG, (from, m) -> pongs.add(m));
    b.subscribe(MessageType.PONG, (from, m) -> pongs.add(m));
    Peer toB = connect(a, b);
    long start = System.nanoTime();
    await("pongs over more than the idle timeout", () -> pongs.size() >= 8);
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThan(FAST_KEEPALIVE.idleTimeout());
    assertThat(toB.isActive()).isTrue();
    assertThat(b.peer(a.self().nodeId())).get().extracting(Peer::isActive).isEqualTo(true);
  }

  @Test
  void aSilentPeerIsPingedThenClosedAfterTheIdleTimeout() throws Exception {
    NettyP2PNetwork v = node(1, FAST_KEEPALIVE);
    PeerEvents events = new PeerEvents();
    v.addPeerListener(events);
    NodeKey x = key(10);
    org.jgolem.protocol.messages.codec.MessageCodec codec =
        new org.jgolem.protocol.messages.codec.MessageCodec(
            FAST_KEEPALIVE.chainId(),
            org.jgolem.node.p2p.SessionRules.maxPayloadBytes(FAST_KEEPALIVE));
    try (RawPeer r = RawPeer.connect(v.self().port())) {
      r.authenticate(x, codec, Clock.systemUTC());
      long start = System.nanoTime();
      int pings = 0;
      Disconnect.Reason reason = null;
      for (Envelope e; (e = r.read(codec)) != null; ) {
        if (e.payload() instanceof Ping) {
          pings++; // and no answer
        } else if (e.payload() instanceof Disconnect d) {
          reason = d.reason();
        }
      }
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(pings).isGreaterThanOrEqualTo(2);
      assertThat(reason).isEqualTo(Disconnect.Reason.TIMEOUT);
      assertThat(took)
          .isBetween(FAST_KEEPALIVE.idleTimeout().minusMillis(20), Duration.ofSeconds(3));
    }
    await("the node to report it", () -> !events.disconnectReasons(x.address()).isEmpty());
    assertThat(events.disconnectReasons(x.address())).containsExactly(Disconnect.Reason.TIMEOUT);
  }

  @Test
  void aConnectionLostWithoutGoodbyeIsReportedAsConnectionLost() throws Exception {
    NettyP2PNetwork v = node(1);
    PeerEvents events = new PeerEvents();
    v.addPeerListener(events);
    NodeKey x = key(10);
    org.jgolem.protocol.messages.codec.MessageCodec codec =
        new org.jgolem.protocol.messages.codec.MessageCodec(
            31337, org.jgolem.node.p2p.SessionRules.maxPayloadBytes(P2PConfig.loopback()));
    RawPeer r = RawPeer.connect(v.self().port());
    r.authenticate(x, codec, Clock.systemUTC());
    await("admitted", () -> v.peer(x.address()).isPresent());
    r.abort();
    await("the node to report it", () -> !events.disconnectReasons(x.address()).isEmpty());
    assertThat(events.disconnectReasons(x.address()))
        .containsExactly(Disconnect.Reason.CONNECTION_LOST);
    assertThat(v.peers()).isEmpty();
  }

  @Test
  void connectingAgainReturnsTheExistingSession() throws Exception {
    NettyP2PNetwork a = node(1);
    NettyP2PNetwork b = node(2);
    Peer first = connect(a, b);
    assertThat(connect(a, b)).isSameAs(first);
    assertThat(a.connect("127.0.0.1", b.self().port(), null).get(5, TimeUnit.SECONDS))
        .isSameAs(first);
    await("B to see A", () -> b.peer(a.self().nodeId()).isPresent());
    Peer reverse =
        b.connect("127.0.0.1", a.self().port(), a.self().nodeId()).get(5, TimeUnit.SECONDS);
    assertThat(reverse).isSameAs(b.peer(a.self().nodeId()).orElseThrow());
    assertThat(a.stats().handshakesCompleted()).isEqualTo(1);
    assertThat(first.isActive()).isTrue();
  }

  @Test
  void simultaneousDialsBothWaysLeaveOneSessionThatBothEndsAgreeOn() throws Exception {
    int races = 0;
    for (int round = 0; round < 8; round++) {
      NettyP2PNetwork a = node(1);
      NettyP2PNetwork b = node(2);
      java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
      CompletableFuture<CompletableFuture<Peer>> abLater =
          CompletableFuture.supplyAsync(() -> {
            awaitBarrier(together);
            return a.connect("127.0.0.1", b.self().port(), b.self().nodeId());
          });
      awaitBarrier(together);
      CompletableFuture<Peer> ba = b.connect("127.0.0.1", a.self().port(), a.self().nodeId());
      // each dial ends with a session: its own or the one the other dial opened
      Peer fromA = abLater.get(5, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS);
      Peer fromB = ba.get(5, TimeUnit.SECONDS);
      assertThat(fromA.id()).isEqualTo(b.self().nodeId());
      assertThat(fromB.id()).isEqualTo(a.self().nodeId());
      await(
          "one session each, the same connection",
          () ->
              a.peers().size() == 1
                  && b.peers().size() == 1
                  && a.peers().iterator().next().outbound()
                      != b.peers().iterator().next().outbound());
      Peer kept = a.peers().iterator().next();
      NettyP2PNetwork.Stats sa = a.stats();
      if (sa.handshakesCompleted() + sa.handshakesFailed() == 2) {
        // both sessions reached admission: the one dialled by the lower id must have won
        races++;
        boolean aIsLower = a.self().nodeId().compareTo(b.self().nodeId()) < 0;
        assertThat(kept.outbound()).as("round " + round).isEqualTo(aIsLower);
      }
      BlockingQueue<Envelope> got = new LinkedBlockingQueue<>();
      b.subscribe(MessageType.FIND_NODE, (from, m) -> got.add(m));
      kept.send(new FindNode(key(9).address()));
      assertThat(got.poll(5, TimeUnit.SECONDS)).isNotNull();
      a.close();
      b.close();
    }
    System.out.println(
        "simultaneous dials: " + races + " of 8 rounds had both sessions reach admission");
  }

  @Test
  void marketMessagesSentOnASessionThatEndsAsADuplicateAreSentAgainOnTheKeptOne() throws Exception {
    // A dials B; later B dials A by another name for the same address (so that it does not reuse
    // the session):
    // with B's id the lower, both ends keep B's session and close A's as a duplicate. What A sent
    // on its
    // session just before may never have been read by B; A sends it again on the kept session.
    int ia = 11;
    int ib = 12;
    if (key(ib).address().compareTo(key(ia).address()) > 0) {
      ia = 12;
      ib = 11;
    }
    NettyP2PNetwork a = node(ia);
    NettyP2PNetwork b = node(ib);
    List<Envelope> got = new CopyOnWriteArrayList<>();
    b.subscribe(MessageType.CANNOT_ASSIGN_TASK, (from, m) -> got.add(m));
    b.subscribe(MessageType.FIND_NODE, (from, m) -> got.add(m));
    Peer first = connect(a, b);
    byte[] task = new byte[32];
    task[0] = 42;
    first
        .send(
            new org.jgolem.protocol.messages.market.CannotAssignTask(
                task, org.jgolem.protocol.messages.market.CannotAssignTask.Reason.NO_MORE_SUBTASKS))
        .get(5, TimeUnit.SECONDS);
    first
        .send(new FindNode(key(9).address()))
        .get(5, TimeUnit.SECONDS); // not a market message: not sent again
    await("both messages read by B", () -> got.size() == 2);

    // no expected id and another host name: the dial is not answered with the existing session
    Peer second = b.connect("localhost", a.self().port(), null).get(5, TimeUnit.SECONDS);
    assertThat(second.id()).isEqualTo(a.self().nodeId());
    assertThat(second.outbound()).isTrue();
    await("A's first session closed as a duplicate", () -> !first.isActive());
    await("the market message again, on the kept session", () -> got.size() == 3);
    Envelope again = got.get(2);
    assertThat(again.type()).isEqualTo(MessageType.CANNOT_ASSIGN_TASK);
    assertThat(again.payload(org.jgolem.protocol.messages.market.CannotAssignTask.class).taskId())
        .isEqualTo(task);
    assertThat(again).as("sealed anew, not replayed").isNotEqualTo(got.get(0));
    assertThat(a.stats().resentAfterDuplicate()).isEqualTo(1);
    assertThat(a.peers()).hasSize(1).allSatisfy(p -> assertThat(p.outbound()).isFalse());
    // nothing else is sent again: a marker sent now on the kept session (messages on a session keep
    // their order)
    // is the next message B reads, so B had read 3 messages before it
    a.peer(b.self().nodeId())
        .orElseThrow()
        .send(new FindNode(key(8).address()))
        .get(5, TimeUnit.SECONDS);
    await("the marker read by B", () -> got.size() >= 4);
    assertThat(got.get(3).payload(FindNode.class).target()).isEqualTo(key(8).address());
    assertThat(got).hasSize(4);
  }

  private static void awaitBarrier(java.util.concurrent.CyclicBarrier barrier) {
    try {
      barrier.await(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void anEnvelopeTooLargeForAFrameFailsItsSendAndNothingElse() throws Exception {
    P2PConfig small = P2PConfig.loopback().withMaxFrameBytes(2048);
    NettyP2PNetwork a = node(1, small);
    NettyP2PNetwork b = node(2, small);
    Peer toB = connect(a, b);
    List<org.jgolem.protocol.messages.p2p.NodeRecord> many = new ArrayList<>();
    for (int i = 0; i < Neighbours.MAX_NODES; i++) {
      many.add(
          new org.jgolem.protocol.messages.p2p.NodeRecord(
              key(100 + i).address(), "h".repeat(200), 1 + i));
    }
    CompletableFuture<Void> big = toB.send(new Neighbours(key(9).address(), many));
    assertThat(failure(big)).hasMessageContaining("exceeds the frame limit");
    BlockingQueue<Envelope> atB = new LinkedBlockingQueue<>();
    b.subscribe(MessageType.FIND_NODE, (from, m) -> atB.add(m));
    toB.send(new FindNode(key(9).address())).get(5, TimeUnit.SECONDS);
    assertThat(atB.poll(5, TimeUnit.SECONDS)).isNotNull();
    assertThat(toB.isActive()).isTrue();
  }

  @Test
  void aFailingListenerNeitherStopsDeliveryNorEndsTheSession() throws Exception {
    NettyP2PNetwork a = node(1);
    NettyP2PNetwork b = node(2);
    BlockingQueue<Envelope> atB = new LinkedBlockingQueue<>();
    b.subscribe(
        MessageType.FIND_NODE,
        (from, m) -> {
          throw new IllegalStateException("listener bug (expected in this test)");
        });
    b.subscribe(MessageType.FIND_NODE, (from, m) -> atB.add(m));
    b.addPeerListener(
        new org.jgolem.node.p2p.PeerListener() {
          @Override
          public void onConnected(Peer peer) {
            throw new AssertionError("peer listener bug (expected in this test)");
          }
        });
    Peer toB = connect(a, b);
    toB.send(new FindNode(key(9).address()));
    toB.send(new FindNode(key(8).address()));
    assertThat(atB.poll(5, TimeUnit.SECONDS)).isNotNull();
    assertThat(atB.poll(5, TimeUnit.SECONDS)).isNotNull();
    assertThat(toB.isActive()).isTrue();
    assertThat(b.stats().unexpectedErrors()).isZero();
  }
}
