package org.jgolem.node.p2p.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
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
import org.jgolem.protocol.messages.p2p.Hello;
import org.jgolem.protocol.messages.p2p.NodeRecord;
import org.jgolem.protocol.messages.p2p.Ping;
import org.jgolem.protocol.messages.p2p.Pong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One test per kind of refused message, each against a live node over loopback. After each, the
 * node still serves a peer that was connected all along and a peer that connects afresh.
 */
class RejectionTest {
  private static final EventLoops LOOPS = EventLoops.create(2, "test-reject");
  private static final P2PConfig CONFIG = P2PConfig.loopback();
  private static final Clock CLOCK = Clock.systemUTC();
  private final MessageCodec codec =
      new MessageCodec(CONFIG.chainId(), SessionRules.maxPayloadBytes(CONFIG));
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final NodeKey x = NettyP2PNetworkTest.key(10);
  private NettyP2PNetwork victim;
  private NettyP2PNetwork good;
  private Peer goodToVictim;
  private final BlockingQueue<Long> goodPongs = new LinkedBlockingQueue<>();
  private final PeerEvents victimEvents = new PeerEvents();

  @BeforeEach
  void nodes() throws Exception {
    victim = node(1, CLOCK);
    victim.addPeerListener(victimEvents);
    good = node(2, CLOCK);
    good.subscribe(MessageType.PONG, (from, m) -> goodPongs.add(m.payload(Pong.class).nonce()));
    goodToVictim = NettyP2PNetworkTest.connect(good, victim);
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closeables.reversed()) { // raw peers first, then the nodes they talk to
      c.close();
    }
  }

  @AfterAll
  static void closeLoops() {
    LOOPS.close();
  }

  private NettyP2PNetwork node(int i, Clock clock) {
    NettyP2PNetwork n = new NettyP2PNetwork(NettyP2PNetworkTest.key(i), CONFIG, clock, LOOPS);
    closeables.add(n);
    n.start();
    return n;
  }

  private RawPeer raw() {
    RawPeer r = RawPeer.connect(victim.self().port());
    closeables.add(r);
    return r;
  }

  /** A raw peer authenticated as {@code x}. */
  private RawPeer authenticated() throws Exception {
    RawPeer r = raw();
    Envelope answer = r.authenticate(x, codec, CLOCK);
    assertThat(answer.payload()).isInstanceOf(Hello.class);
    assertThat(answer.sender()).isEqualTo(victim.self().nodeId());
    NettyP2PNetworkTest.await("victim to admit x", () -> victim.peer(x.address()).isPresent());
    return r;
  }

  private void assertVictimStillServes() throws Exception {
    assertThat(victim.stats().unexpectedErrors()).isZero();
    long nonce = System.nanoTime();
    goodToVictim.send(new Ping(nonce)).get(5, TimeUnit.SECONDS);
    assertThat(goodPongs.poll(5, TimeUnit.SECONDS))
        .as("pong to the peer connected all along")
        .isEqualTo(nonce);
    NettyP2PNetwork fresh = node(3, CLOCK);
    BlockingQueue<Envelope> got = new LinkedBlockingQueue<>();
    victim.subscribe(MessageType.FIND_NODE, (from, m) -> got.add(m));
    Peer p = NettyP2PNetworkTest.connect(fresh, victim);
    p.send(new FindNode(x.address()));
    assertThat(got.poll(5, TimeUnit.SECONDS)).as("message from a new peer").isNotNull();
  }

  private void assertRefusedWith(RawPeer r, Disconnect.Reason reason) throws Exception {
    assertThat(r.awaitClose(codec)).isEqualTo(reason);
    NettyP2PNetworkTest.await(
        "victim to report it", () -> !victimEvents.disconnectReasons(x.address()).isEmpty());
    assertThat(victimEvents.disconnectReasons(x.address())).containsExactly(reason);
    assertThat(victim.peer(x.address())).isEmpty();
  }

  @Test
  void forgedSignatureIsRefusedAndBansThePeer() throws Exception {
    RawPeer r = authenticated();
    byte[] wire = codec.encode(codec.seal(new Ping(1), x, CLOCK));
    wire[wire.length - 40] ^= 0x01; // in s: the signature no longer recovers to x
    r.sendEncrypted(wire);
    assertRefusedWith(r, Disconnect.Reason.PROTOCOL_ERROR);
    assertThat(victim.isBanned(x.address())).isTrue();
    assertThat(victim.stats().messagesRefused()).isEqualTo(1);
    assertVictimStillServes();
  }

  @Test
  void replayedMessageIsRefusedAndBansThePeer() throws Exception {
    RawPeer r = authenticated();
    Envelope ping = codec.seal(new Ping(42), x, CLOCK);
    r.send(codec, ping);
    Envelope pong = r.read(codec);
    assertThat(pong.payload()).isEqualTo(new Pong(42));
    r.send(codec, ping); // same envelope, fresh encryption: only the message id gives it away
    assertRefusedWith(r, Disconnect.Reason.PROTOCOL_ERROR);
    assertThat(victim.isBanned(x.address())).isTrue();
    assertVictimStillServes();
  }

  @Test
  void expiredMessageIsRefusedWithoutABan() throws Exception {
    RawPeer r = authenticated();
    long old = CLOCK.millis() - Duration.ofMinutes(11).toMillis();
    r.send(codec, codec.seal(new Ping(1), x, old, new byte[16]));
    assertRefusedWith(r, Disconnect.Reason.PROTOCOL_ERROR);
    assertThat(victim.isBanned(x.address())).as("a wrong clock is not an attack").isFalse();
    assertVictimStillServes();
  }

  @Test
  void futureDatedMessageIsRefusedWithoutABan() throws Exception {
    RawPeer r = authenticated();
    long ahead = CLOCK.millis() + Duration.ofMinutes(6).toMillis();
    r.send(codec, codec.seal(new Ping(1), x, ahead, new byte[16]));
    assertRefusedWith(r, Disconnect.Reason.PROTOCOL_ERROR);
    assertThat(victim.isBanned(x.address())).isFalse();
    assertVictimStillServes();
  }

  @Test
  void nodesWithSkewedClocksAreRefusedAtTheHandshake() throws Exception {
    for (Duration skew : List.of(Duration.ofMinutes(6), Duration.ofMinutes(-11))) {
      NettyP2PNetwork skewed = node(skew.isNegative() ? 4 : 5, Clock.offset(CLOCK, skew));
      Throwable t =
          NettyP2PNetworkTest.failure(
              skewed.connect("127.0.0.1", victim.self().port(), victim.self().nodeId()));
      assertThat(t).isInstanceOf(P2PException.class);
      assertThat(((P2PException) t).reason())
          .as("skew " + skew)
          .isEqualTo(Disconnect.Reason.PROTOCOL_ERROR);
      assertThat(victim.peer(skewed.self().nodeId())).isEmpty();
    }
    assertVictimStillServes();
  }

  @Test
  void unknownProtocolVersionInHelloIsRefused() throws Exception {
    RawPeer r = raw();
    r.keyExchange();
    Hello v2 =
        new Hello(
            2,
            "raw/2",
            new NodeRecord(x.address(), "127.0.0.1", 1),
            r.keys.transcript(),
            List.of());
    r.send(codec, codec.seal(v2, x, CLOCK));
    Envelope answer = r.read(codec);
    assertThat(answer.payload()).isEqualTo(new Disconnect(Disconnect.Reason.INCOMPATIBLE_VERSION));
    assertThat(r.awaitClose(codec)).isNull();
    assertThat(victim.peer(x.address())).isEmpty();
    assertVictimStillServes();
  }

  @Test
  void unknownEnvelopeVersionIsRefusedWithoutABan() throws Exception {
    RawPeer r = authenticated();
    byte[] wire = codec.encode(codec.seal(new Ping(1), x, CLOCK));
    wire[0] = 2; // the envelope's protocol version byte
    r.sendEncrypted(wire);
    assertRefusedWith(r, Disconnect.Reason.INCOMPATIBLE_VERSION);
    assertThat(victim.isBanned(x.address())).isFalse();
    assertVictimStillServes();
  }

  @Test
  void reachingAnotherNodeThanTheOneExpectedIsRefused() throws Exception {
    NettyP2PNetwork dialler = node(6, CLOCK);
    Address someoneElse = NettyP2PNetworkTest.key(7).address();
    Throwable t =
        NettyP2PNetworkTest.failure(
            dialler.connect("127.0.0.1", victim.self().port(), someoneElse));
    assertThat(((P2PException) t).reason()).isEqualTo(Disconnect.Reason.UNEXPECTED_IDENTITY);
    NettyP2PNetworkTest.await(
        "victim to hear why",
        () -> !victimEvents.disconnectReasons(dialler.self().nodeId()).isEmpty());
    assertThat(victimEvents.disconnectReasons(dialler.self().nodeId()))
        .containsExactly(Disconnect.Reason.UNEXPECTED_IDENTITY);
    assertThat(dialler.peers()).isEmpty();
    assertThat(victim.isBanned(dialler.self().nodeId())).isFalse();
    assertVictimStillServes();
  }

  @Test
  void helloClaimingAnotherNodesIdIsRefused() throws Exception {
    Address claimed = good.self().nodeId();
    RawPeer r = raw();
    r.keyExchange();
    Hello lie =
        new Hello(
            1, "raw/1", new NodeRecord(claimed, "127.0.0.1", 1), r.keys.transcript(), List.of());
    r.send(codec, codec.seal(lie, x, CLOCK)); // signed by x, claims to be good
    assertThat(r.awaitClose(codec)).as("junk gets no answer").isNull();
    assertThat(victim.isBanned(claimed)).isFalse();
    assertThat(victim.isBanned(x.address())).isFalse();
    assertThat(victim.peer(x.address())).isEmpty();
    assertVictimStillServes();
  }

  @Test
  void helloFromAnotherSessionIsRefused() throws Exception {
    RawPeer first = authenticated();
    Envelope firstHello = codec.seal(RawPeer.hello(x, first.keys.transcript()), x, CLOCK);
    long failedBefore = victim.stats().handshakesFailed();
    RawPeer second = raw();
    second.keyExchange();
    second.send(codec, firstHello); // properly signed by x, but for another transcript
    assertThat(second.awaitClose(codec)).isNull();
    assertThat(victim.stats().handshakesFailed()).isEqualTo(failedBefore + 1);
    assertThat(victim.isBanned(x.address()))
        .as("replaying x's Hello must not get x banned")
        .isFalse();
    assertThat(victim.peer(x.address())).as("x's own session is untouched").isPresent();
    assertVictimStillServes();
  }

  @Test
  void envelopeFromAnotherSenderThanThePeerIsRefused() throws Exception {
    RawPeer r = authenticated();
    NodeKey z = NettyP2PNetworkTest.key(11);
    r.send(codec, codec.seal(new Ping(1), z, CLOCK)); // validly signed, by z, on x's session
    assertRefusedWith(r, Disconnect.Reason.PROTOCOL_ERROR);
    assertThat(victim.isBanned(x.address())).isTrue();
    assertThat(victim.isBanned(z.address())).isFalse();
    assertVictimStillServes();
  }
}
