package org.jgolem.node.p2p.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.jgolem.eth.Address;
import org.jgolem.node.p2p.P2PConfig;
import org.jgolem.node.p2p.P2PException;
import org.jgolem.node.p2p.Peer;
import org.jgolem.node.p2p.PeerEvents;
import org.jgolem.node.p2p.SessionRules;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.p2p.Disconnect;
import org.jgolem.protocol.messages.p2p.FindNode;
import org.jgolem.protocol.messages.p2p.Neighbours;
import org.jgolem.protocol.messages.p2p.Ping;
import org.jgolem.testkit.FakeClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MemoryP2PNetworkTest {
  private final FakeClock clock = FakeClock.at(Instant.parse("2030-01-01T00:00:00Z"));
  private final MemoryNetworkHub hub = MemoryNetworkHub.manual();
  private final P2PConfig config = P2PConfig.loopback();

  @AfterEach
  void closeHub() {
    hub.close();
  }

  private static NodeKey key(int i) {
    return NodeKey.fromPrivateKey(BigInteger.valueOf(1_000 + i));
  }

  private MemoryP2PNetwork node(int i, P2PConfig cfg) {
    MemoryP2PNetwork n = hub.newNode(key(i), cfg, clock);
    n.start();
    return n;
  }

  private MemoryP2PNetwork node(int i) {
    return node(i, config);
  }

  private Peer connect(MemoryP2PNetwork from, MemoryP2PNetwork to) throws Exception {
    CompletableFuture<Peer> f =
        from.connect(to.self().host(), to.self().port(), to.self().nodeId());
    hub.deliverAll();
    return f.get(0, TimeUnit.SECONDS);
  }

  private Throwable refusal(CompletableFuture<Peer> f) {
    hub.deliverAll();
    assertThat(f).isCompletedExceptionally();
    try {
      f.get();
      throw new AssertionError("not refused");
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void nodesConnectAndExchangeMessagesBothWays() throws Exception {
    MemoryP2PNetwork a = node(1);
    MemoryP2PNetwork b = node(2);
    PeerEvents aEvents = new PeerEvents();
    PeerEvents bEvents = new PeerEvents();
    a.addPeerListener(aEvents);
    b.addPeerListener(bEvents);
    List<Envelope> atB = new CopyOnWriteArrayList<>();
    List<Envelope> atA = new CopyOnWriteArrayList<>();
    b.subscribe(
        MessageType.FIND_NODE,
        (from, m) -> {
          atB.add(m);
          from.send(new Neighbours(m.payload(FindNode.class).target(), List.of(b.self())));
        });
    a.subscribe(MessageType.NEIGHBOURS, (from, m) -> atA.add(m));

    Peer toB = connect(a, b);
    assertThat(toB.id()).isEqualTo(b.self().nodeId());
    assertThat(toB.outbound()).isTrue();
    assertThat(aEvents.connected(b.self().nodeId())).isTrue();
    assertThat(bEvents.connected(a.self().nodeId())).isTrue();
    assertThat(b.peer(a.self().nodeId())).get().extracting(Peer::outbound).isEqualTo(false);

    toB.send(new FindNode(key(9).address()));
    hub.deliverAll();

    assertThat(atB)
        .singleElement()
        .satisfies(m -> {
          assertThat(m.sender()).isEqualTo(a.self().nodeId());
          assertThat(m.payload(FindNode.class).target()).isEqualTo(key(9).address());
        });
    assertThat(atA)
        .singleElement()
        .satisfies(m -> assertThat(m.payload(Neighbours.class).nodes()).containsExactly(b.self()));
  }

  @Test
  void connectingTwiceReturnsTheExistingSession() throws Exception {
    MemoryP2PNetwork a = node(1);
    MemoryP2PNetwork b = node(2);
    Peer first = connect(a, b);
    CompletableFuture<Peer> again = a.connect(b.self().host(), b.self().port(), null);
    hub.deliverAll();
    assertThat(again.get()).isSameAs(first);
    Peer reverse = connect(b, a);
    assertThat(reverse).isSameAs(b.peer(a.self().nodeId()).orElseThrow());
    assertThat(a.peers()).hasSize(1);
    assertThat(b.peers()).hasSize(1);
  }

  @Test
  void pingIsAnsweredWithPong() throws Exception {
    MemoryP2PNetwork a = node(1);
    MemoryP2PNetwork b = node(2);
    List<Long> pongs = new CopyOnWriteArrayList<>();
    a.subscribe(
        MessageType.PONG,
        (from, m) -> pongs.add(m.payload(org.jgolem.protocol.messages.p2p.Pong.class).nonce()));
    MemoryPeer toB = (MemoryPeer) connect(a, b);
    toB.send(new Ping(42));
    hub.deliverAll();
    assertThat(pongs).containsExactly(42L);
    assertThat(toB.lastPongMillis()).isEqualTo(clock.millis());
  }

  @Test
  void disconnectReasonReachesBothSides() throws Exception {
    MemoryP2PNetwork a = node(1);
    MemoryP2PNetwork b = node(2);
    PeerEvents aEvents = new PeerEvents();
    PeerEvents bEvents = new PeerEvents();
    a.addPeerListener(aEvents);
    b.addPeerListener(bEvents);
    Peer toB = connect(a, b);
    toB.disconnect(Disconnect.Reason.REQUESTED);
    assertThat(toB.isActive()).isFalse();
    hub.deliverAll();
    assertThat(aEvents.disconnectReasons(b.self().nodeId()))
        .containsExactly(Disconnect.Reason.REQUESTED);
    assertThat(bEvents.disconnectReasons(a.self().nodeId()))
        .containsExactly(Disconnect.Reason.REQUESTED);
    assertThat(a.peers()).isEmpty();
    assertThat(b.peers()).isEmpty();
    assertThat(toB.send(new Ping(1))).isCompletedExceptionally();
    assertThat(a.isBanned(b.self().nodeId())).isFalse();
  }

  @Test
  void closingTheNetworkSaysShuttingDown() throws Exception {
    MemoryP2PNetwork a = node(1);
    MemoryP2PNetwork b = node(2);
    PeerEvents bEvents = new PeerEvents();
    b.addPeerListener(bEvents);
    connect(a, b);
    a.close();
    a.close();
    hub.deliverAll();
    assertThat(bEvents.disconnectReasons(a.self().nodeId()))
        .containsExactly(Disconnect.Reason.SHUTTING_DOWN);
    CompletableFuture<Peer> redial = b.connect(a.self().host(), a.self().port(), null);
    assertThat(refusal(redial)).isInstanceOf(java.net.ConnectException.class);
  }

  @Test
  void aPeerWithAnotherIdentityIsRefused() throws Exception {
    MemoryP2PNetwork a = node(1);
    MemoryP2PNetwork b = node(2);
    CompletableFuture<Peer> f = a.connect(b.self().host(), b.self().port(), key(3).address());
    Throwable t = refusal(f);
    assertThat(t).isInstanceOf(P2PException.class);
    assertThat(((P2PException) t).reason()).isEqualTo(Disconnect.Reason.UNEXPECTED_IDENTITY);
    assertThat(a.peers()).isEmpty();
    assertThat(b.peers()).isEmpty();
  }

  @Test
  void forgedSignatureEndsTheSessionAndBansTheSender() throws Exception {
    MemoryP2PNetwork a = node(1);
    MemoryP2PNetwork b = node(2);
    MemoryP2PNetwork c = node(3);
    PeerEvents bEvents = new PeerEvents();
    b.addPeerListener(bEvents);
    List<Envelope> atB = new CopyOnWriteArrayList<>();
    b.subscribe(MessageType.FIND_NODE, (from, m) -> atB.add(m));
    MemoryPeer toB = (MemoryPeer) connect(a, b);
    Peer cToB = connect(c, b);

    MessageCodec codec = new MessageCodec(config.chainId(), SessionRules.maxPayloadBytes(config));
    byte[] frame = codec.encode(a.seal(new FindNode(key(9).address())));
    frame[frame.length - 40] ^= 1; // inside s of the signature
    toB.injectFrame(frame);
    hub.deliverAll();

    assertThat(atB).isEmpty();
    assertThat(bEvents.disconnectReasons(a.self().nodeId()))
        .containsExactly(Disconnect.Reason.PROTOCOL_ERROR);
    assertThat(b.isBanned(a.self().nodeId())).isTrue();
    CompletableFuture<Peer> again = a.connect(b.self().host(), b.self().port(), null);
    Throwable t = refusal(again);
    assertThat(((P2PException) t).reason()).isEqualTo(Disconnect.Reason.BANNED);

    cToB.send(new FindNode(key(8).address()));
    hub.deliverAll();
    assertThat(atB).singleElement().extracting(Envelope::sender).isEqualTo(c.self().nodeId());
  }

  @Test
  void replayedMessageIsRefused() throws Exception {
    MemoryP2PNetwork a = node(1);
    MemoryP2PNetwork b = node(2);
    List<Envelope> atB = new CopyOnWriteArrayList<>();
    b.subscribe(MessageType.FIND_NODE, (from, m) -> atB.add(m));
    Peer toB = connect(a, b);
    Envelope e = a.seal(new FindNode(key(9).address()));
    toB.send(e);
    toB.send(e);
    hub.deliverAll();
    assertThat(atB).hasSize(1);
    assertThat(toB.isActive()).isFalse();
    assertThat(b.isBanned(a.self().nodeId())).isTrue();
  }

  @Test
  void envelopeFromAnotherSenderIsRefused() throws Exception {
    MemoryP2PNetwork a = node(1);
    MemoryP2PNetwork b = node(2);
    List<Envelope> atB = new CopyOnWriteArrayList<>();
    b.subscribe(MessageType.FIND_NODE, (from, m) -> atB.add(m));
    Peer toB = connect(a, b);
    MessageCodec codec = new MessageCodec(config.chainId(), SessionRules.maxPayloadBytes(config));
    Envelope byC = codec.seal(new FindNode(key(9).address()), key(3), clock);
    toB.send(byC);
    hub.deliverAll();
    assertThat(atB).isEmpty();
    assertThat(toB.isActive()).isFalse();
    assertThat(b.isBanned(a.self().nodeId())).isTrue();
    assertThat(b.isBanned(key(3).address())).isFalse();
  }

  @Test
  void expiredMessageEndsTheSessionWithoutABan() throws Exception {
    MemoryP2PNetwork a = node(1);
    MemoryP2PNetwork b = node(2);
    PeerEvents aEvents = new PeerEvents();
    a.addPeerListener(aEvents);
    Peer toB = connect(a, b);
    MessageCodec codec = new MessageCodec(config.chainId(), SessionRules.maxPayloadBytes(config));
    Envelope old =
        codec.seal(
            new Ping(1), key(1), clock.millis() - Duration.ofMinutes(11).toMillis(), new byte[16]);
    toB.send(old);
    hub.deliverAll();
    assertThat(aEvents.disconnectReasons(b.self().nodeId()))
        .containsExactly(Disconnect.Reason.PROTOCOL_ERROR);
    assertThat(b.isBanned(a.self().nodeId())).isFalse();
  }

  @Test
  void maxPeersIsEnforced() throws Exception {
    MemoryP2PNetwork a = node(1);
    MemoryP2PNetwork b = node(2, config.withMaxPeers(1));
    MemoryP2PNetwork c = node(3);
    connect(a, b);
    Throwable t = refusal(c.connect(b.self().host(), b.self().port(), null));
    assertThat(((P2PException) t).reason()).isEqualTo(Disconnect.Reason.TOO_MANY_PEERS);
    assertThat(b.peers()).extracting(Peer::id).containsExactly(a.self().nodeId());
  }

  @Test
  void floodingPeerIsDisconnectedAsRateLimited() throws Exception {
    MemoryP2PNetwork a = node(1);
    MemoryP2PNetwork b = node(2, config.withRateLimit(1, 3));
    List<Envelope> atB = new CopyOnWriteArrayList<>();
    b.subscribe(MessageType.PING, (from, m) -> atB.add(m));
    PeerEvents aEvents = new PeerEvents();
    a.addPeerListener(aEvents);
    Peer toB = connect(a, b);
    for (int i = 0; i < 5; i++) {
      toB.send(new Ping(i));
    }
    hub.deliverAll();
    assertThat(atB).hasSize(3);
    assertThat(aEvents.disconnectReasons(b.self().nodeId()))
        .containsExactly(Disconnect.Reason.RATE_LIMITED);
  }

  @Test
  void rateLimitRefillsWithTime() throws Exception {
    MemoryP2PNetwork a = node(1);
    MemoryP2PNetwork b = node(2, config.withRateLimit(1, 2));
    Peer toB = connect(a, b);
    for (int i = 0; i < 6; i++) {
      toB.send(new Ping(i));
      hub.deliverAll();
      clock.advance(Duration.ofSeconds(1));
    }
    assertThat(toB.isActive()).isTrue();
  }

  @Test
  void aFailingListenerDoesNotStopDelivery() throws Exception {
    MemoryP2PNetwork a = node(1);
    MemoryP2PNetwork b = node(2);
    List<Envelope> atB = new CopyOnWriteArrayList<>();
    b.subscribe(
        MessageType.FIND_NODE,
        (from, m) -> {
          throw new IllegalStateException("listener bug");
        });
    b.subscribe(MessageType.FIND_NODE, (from, m) -> atB.add(m));
    Peer toB = connect(a, b);
    toB.send(new FindNode(key(9).address()));
    toB.send(new FindNode(key(8).address()));
    hub.deliverAll();
    assertThat(atB).hasSize(2);
    assertThat(toB.isActive()).isTrue();
  }

  @Test
  void threadedHubDeliversOnItsThread() throws Exception {
    try (MemoryNetworkHub threaded = MemoryNetworkHub.threaded()) {
      MemoryP2PNetwork a = threaded.newNode(key(1), config, clock);
      MemoryP2PNetwork b = threaded.newNode(key(2), config, clock);
      a.start();
      b.start();
      List<String> threads = new CopyOnWriteArrayList<>();
      b.subscribe(MessageType.PING, (from, m) -> threads.add(Thread.currentThread().getName()));
      Peer toB =
          a.connect(b.self().host(), b.self().port(), b.self().nodeId()).get(5, TimeUnit.SECONDS);
      toB.send(new Ping(7));
      assertThat(threaded.awaitIdle(Duration.ofSeconds(5))).isTrue();
      assertThat(threads).singleElement().asString().startsWith("memory-p2p-");
      Address bId = b.self().nodeId();
      assertThat(a.peer(bId)).isPresent();
    }
  }
}
