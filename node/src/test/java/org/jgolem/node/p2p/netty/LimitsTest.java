package org.jgolem.node.p2p.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
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
import org.jgolem.testkit.FakeClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Max peers, rate limit, bans, pending handshakes: on loopback. */
class LimitsTest {
  private static final EventLoops LOOPS = EventLoops.create(2, "test-limits");
  private final List<AutoCloseable> closeables = new ArrayList<>();

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

  private NettyP2PNetwork node(int i, P2PConfig config, Clock clock) {
    NettyP2PNetwork n = new NettyP2PNetwork(NettyP2PNetworkTest.key(i), config, clock, LOOPS);
    closeables.add(n);
    n.start();
    return n;
  }

  private NettyP2PNetwork node(int i, P2PConfig config) {
    return node(i, config, Clock.systemUTC());
  }

  private static Disconnect.Reason refusal(java.util.concurrent.CompletableFuture<Peer> f)
      throws Exception {
    Throwable t = NettyP2PNetworkTest.failure(f);
    assertThat(t).isInstanceOf(P2PException.class);
    return ((P2PException) t).reason();
  }

  @Test
  void peersBeyondMaxPeersAreRefusedWithTooManyPeers() throws Exception {
    NettyP2PNetwork v = node(1, P2PConfig.loopback().withMaxPeers(2));
    NettyP2PNetwork a = node(2, P2PConfig.loopback());
    NettyP2PNetwork b = node(3, P2PConfig.loopback());
    NettyP2PNetwork c = node(4, P2PConfig.loopback());
    NettyP2PNetworkTest.connect(a, v);
    NettyP2PNetworkTest.connect(b, v);
    NettyP2PNetworkTest.await("v full", () -> v.peers().size() == 2);
    assertThat(refusal(c.connect("127.0.0.1", v.self().port(), v.self().nodeId())))
        .isEqualTo(Disconnect.Reason.TOO_MANY_PEERS);
    assertThat(v.peers())
        .extracting(Peer::id)
        .containsExactlyInAnyOrder(a.self().nodeId(), b.self().nodeId());
    // and a full node does not dial out either
    assertThat(refusal(v.connect("127.0.0.1", c.self().port(), null)))
        .isEqualTo(Disconnect.Reason.TOO_MANY_PEERS);
    // a slot frees up when a peer leaves
    a.peer(v.self().nodeId()).orElseThrow().disconnect(Disconnect.Reason.REQUESTED);
    NettyP2PNetworkTest.await("slot free", () -> v.peers().size() == 1);
    assertThat(NettyP2PNetworkTest.connect(c, v).isActive()).isTrue();
  }

  @Test
  void aFloodingPeerIsDisconnectedAsRateLimited() throws Exception {
    NettyP2PNetwork v = node(1, P2PConfig.loopback().withRateLimit(5, 5));
    NettyP2PNetwork a = node(2, P2PConfig.loopback());
    NettyP2PNetwork b = node(3, P2PConfig.loopback());
    PeerEvents aEvents = new PeerEvents();
    a.addPeerListener(aEvents);
    BlockingQueue<Envelope> atV = new LinkedBlockingQueue<>();
    v.subscribe(MessageType.FIND_NODE, (from, m) -> atV.add(m));
    Peer toV = NettyP2PNetworkTest.connect(a, v);
    Peer bToV = NettyP2PNetworkTest.connect(b, v);
    for (int i = 0; i < 50; i++) {
      toV.send(new FindNode(NettyP2PNetworkTest.key(100 + i).address()));
    }
    NettyP2PNetworkTest.await(
        "a to be told", () -> !aEvents.disconnectReasons(v.self().nodeId()).isEmpty());
    assertThat(aEvents.disconnectReasons(v.self().nodeId()))
        .containsExactly(Disconnect.Reason.RATE_LIMITED);
    assertThat(atV.size()).as("the burst got through, the rest did not").isBetween(5, 7);
    assertThat(v.stats().rateLimited()).isEqualTo(1);
    assertThat(v.isBanned(a.self().nodeId())).isFalse();
    atV.clear();
    bToV.send(new FindNode(NettyP2PNetworkTest.key(9).address()));
    assertThat(atV.poll(5, TimeUnit.SECONDS)).as("other peers are unaffected").isNotNull();
  }

  @Test
  void aPeerDisconnectedForAProtocolErrorIsBannedAndRefusedOnReconnect() throws Exception {
    FakeClock clock = new FakeClock(System.currentTimeMillis());
    NettyP2PNetwork v =
        node(1, P2PConfig.loopback().withBanDuration(Duration.ofSeconds(30)), clock);
    NettyP2PNetwork a = node(2, P2PConfig.loopback());
    NettyP2PNetworkTest.connect(a, v);
    NettyP2PNetworkTest.await("admitted", () -> v.peer(a.self().nodeId()).isPresent());
    v.peer(a.self().nodeId()).orElseThrow().disconnect(Disconnect.Reason.PROTOCOL_ERROR);
    NettyP2PNetworkTest.await("gone", () -> a.peers().isEmpty());
    assertThat(v.isBanned(a.self().nodeId())).isTrue();

    assertThat(refusal(a.connect("127.0.0.1", v.self().port(), v.self().nodeId())))
        .isEqualTo(Disconnect.Reason.BANNED);
    assertThat(refusal(v.connect("127.0.0.1", a.self().port(), a.self().nodeId())))
        .as("nor does the node dial a banned id")
        .isEqualTo(Disconnect.Reason.BANNED);

    clock.advance(Duration.ofSeconds(31));
    assertThat(v.isBanned(a.self().nodeId())).isFalse();
    assertThat(NettyP2PNetworkTest.connect(a, v).isActive()).as("the ban expired").isTrue();
  }

  @Test
  void aRawPeerBannedForAnInvalidMessageIsRefusedAtItsNextHandshake() throws Exception {
    P2PConfig config = P2PConfig.loopback();
    NettyP2PNetwork v = node(1, config);
    MessageCodec codec = new MessageCodec(config.chainId(), SessionRules.maxPayloadBytes(config));
    NodeKey x = NettyP2PNetworkTest.key(10);
    try (RawPeer r = RawPeer.connect(v.self().port())) {
      r.authenticate(x, codec, Clock.systemUTC());
      r.sendEncrypted(new byte[] {1, 2, 3}); // encrypted, authenticated, and not an envelope
      assertThat(r.awaitClose(codec)).isEqualTo(Disconnect.Reason.PROTOCOL_ERROR);
    }
    assertThat(v.isBanned(x.address())).isTrue();
    try (RawPeer again = RawPeer.connect(v.self().port())) {
      Envelope answer = again.authenticate(x, codec, Clock.systemUTC());
      assertThat(answer.payload()).isEqualTo(new Disconnect(Disconnect.Reason.BANNED));
      assertThat(again.awaitClose(codec)).isNull();
    }
    assertThat(v.peer(x.address())).isEmpty();
  }

  @Test
  void anEndpointThatAnswersADialWithJunkIsBanned() throws Exception {
    NettyP2PNetwork a = node(1, P2PConfig.loopback());
    try (java.net.ServerSocket junk =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      var f = a.connect("127.0.0.1", junk.getLocalPort(), null);
      try (java.net.Socket s = junk.accept()) {
        s.getOutputStream().write(new byte[] {0, 0, 0, 3, 1, 2, 3}); // a 3-byte "key frame"
        s.getOutputStream().flush();
        assertThat(refusal(f)).isEqualTo(Disconnect.Reason.PROTOCOL_ERROR);
      }
      assertThat(refusal(a.connect("127.0.0.1", junk.getLocalPort(), null)))
          .isEqualTo(Disconnect.Reason.BANNED);
    }
  }

  @Test
  void connectionsBeyondThePendingHandshakeLimitAreClosedAtOnce() throws Exception {
    NettyP2PNetwork v =
        node(1, P2PConfig.loopback().withMaxPeers(2)); // limit: max(16, maxPeers) = 16
    List<RawPeer> idle = new ArrayList<>();
    try {
      for (int i = 0; i < 16; i++) {
        idle.add(RawPeer.connect(v.self().port())); // connect and say nothing
      }
      NettyP2PNetworkTest.await("16 accepted", () -> v.pendingHandshakes() == 16);
      try (RawPeer extra = RawPeer.connect(v.self().port())) {
        assertThat(extra.readFrame()).as("closed without a word").isNull();
      }
      assertThat(v.stats().connectionsRefused()).isEqualTo(1);
    } finally {
      idle.forEach(RawPeer::close);
    }
    NettyP2PNetworkTest.await("handshakes abandoned", () -> v.stats().handshakesFailed() == 16);
    NettyP2PNetwork a = node(2, P2PConfig.loopback());
    assertThat(NettyP2PNetworkTest.connect(a, v).isActive()).isTrue();
  }
}
