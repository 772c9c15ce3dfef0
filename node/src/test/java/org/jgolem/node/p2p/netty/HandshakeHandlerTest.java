package org.jgolem.node.p2p.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.jgolem.node.p2p.P2PConfig;
import org.jgolem.node.p2p.P2PException;
import org.jgolem.node.p2p.Peer;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.p2p.Disconnect;
import org.jgolem.protocol.messages.p2p.FindNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The handshake between two embedded channels wired back to back: no sockets. */
class HandshakeHandlerTest {
  private static final EventLoops LOOPS = EventLoops.create(1, "test-handshake");
  private static final P2PConfig CONFIG = P2PConfig.loopback();
  private NettyP2PNetwork a;
  private NettyP2PNetwork b;

  @BeforeEach
  void nodes() {
    a = new NettyP2PNetwork(NettyP2PNetworkTest.key(1), CONFIG, Clock.systemUTC(), LOOPS);
    b = new NettyP2PNetwork(NettyP2PNetworkTest.key(2), CONFIG, Clock.systemUTC(), LOOPS);
    a.start();
    b.start();
  }

  @AfterEach
  void close() {
    a.close();
    b.close();
  }

  @AfterAll
  static void closeLoops() {
    LOOPS.close();
  }

  private EmbeddedChannel dialler(
      CompletableFuture<Peer> promise, org.jgolem.eth.Address expected) {
    EmbeddedChannel ch = new EmbeddedChannel();
    a.initPipeline(
        ch, HandshakeHandler.initiator(a, "127.0.0.1", b.self().port(), expected, promise));
    return ch;
  }

  private EmbeddedChannel listener() {
    EmbeddedChannel ch = new EmbeddedChannel();
    b.initPipeline(ch, HandshakeHandler.responder(b));
    return ch;
  }

  /** Moves outbound bytes of each channel into the other until both are quiet. */
  private static void pump(EmbeddedChannel x, EmbeddedChannel y) {
    while (move(x, y) | move(y, x)) {
      // again
    }
  }

  private static boolean move(EmbeddedChannel from, EmbeddedChannel to) {
    boolean any = false;
    for (Object m; (m = from.readOutbound()) != null; ) {
      any = true;
      if (to.isOpen()) {
        to.writeInbound(m);
      } else {
        ReferenceCountUtil.release(m);
      }
    }
    return any;
  }

  @Test
  void handshakeAuthenticatesBothSidesAndTheHandlerReplacesItself() throws Exception {
    CompletableFuture<Peer> promise = new CompletableFuture<>();
    EmbeddedChannel x = dialler(promise, b.self().nodeId());
    EmbeddedChannel y = listener();
    assertThat(x.pipeline().names()).contains("frames", "prepender", "handshake");
    pump(x, y);

    Peer toB = promise.get(0, TimeUnit.SECONDS);
    assertThat(toB.id()).isEqualTo(b.self().nodeId());
    assertThat(b.peer(a.self().nodeId())).isPresent();
    for (EmbeddedChannel ch : List.of(x, y)) {
      assertThat(ch.pipeline().names())
          .doesNotContain("handshake")
          .containsSubsequence(
              "frames", "prepender", "rate", "aead", "envelopes", "idle", "keepalive", "session");
    }

    List<Envelope> atB = new CopyOnWriteArrayList<>();
    b.subscribe(MessageType.FIND_NODE, (from, m) -> atB.add(m));
    toB.send(new FindNode(NettyP2PNetworkTest.key(9).address()));
    pump(x, y);
    assertThat(atB).singleElement().extracting(Envelope::sender).isEqualTo(a.self().nodeId());
    x.finishAndReleaseAll();
    y.finishAndReleaseAll();
  }

  @Test
  void aHandshakeFrameOfTheWrongSizeClosesTheConnection() {
    EmbeddedChannel y = listener();
    y.writeInbound(Unpooled.buffer().writeInt(63).writeZero(63));
    assertThat(y.isOpen()).isFalse();
    assertThat(y.<Object>readOutbound()).as("no key generated for junk").isNull();
    assertThat(b.stats().handshakesFailed()).isEqualTo(1);
  }

  @Test
  void aZeroLengthFrameClosesTheConnection() {
    EmbeddedChannel y = listener();
    y.writeInbound(Unpooled.buffer().writeInt(0));
    assertThat(y.isOpen()).isFalse();
  }

  @Test
  void anOversizedFrameClosesTheConnectionBeforeItsBodyArrives() {
    EmbeddedChannel y = listener();
    y.writeInbound(Unpooled.buffer().writeInt(CONFIG.maxFrameBytes() + 1));
    assertThat(y.isOpen()).isFalse();
  }

  @Test
  void aHandshakeThatTakesTooLongIsAbandoned() {
    CompletableFuture<Peer> promise = new CompletableFuture<>();
    EmbeddedChannel x = dialler(promise, null);
    EmbeddedChannel y = listener();
    Object keyFrame = x.readOutbound();
    assertThat(keyFrame).as("the dialler's key frame, never delivered").isNotNull();
    io.netty.util.ReferenceCountUtil.release(
        keyFrame); // the reader owns it (Netty's leak detector checks)
    Duration t = CONFIG.handshakeTimeout().plusMillis(1);
    for (EmbeddedChannel ch : List.of(x, y)) {
      ch.advanceTimeBy(t.toMillis(), TimeUnit.MILLISECONDS);
      ch.runScheduledPendingTasks();
      assertThat(ch.isOpen()).isFalse();
    }
    assertThat(promise).isCompletedExceptionally();
    try {
      promise.get();
    } catch (ExecutionException | InterruptedException e) {
      assertThat(e.getCause()).isInstanceOf(P2PException.class);
      assertThat(((P2PException) e.getCause()).reason()).isEqualTo(Disconnect.Reason.TIMEOUT);
    }
    x.finishAndReleaseAll();
  }

  @Test
  void reachingAnotherNodeThanExpectedIsRefusedOnBothSides() throws Exception {
    CompletableFuture<Peer> promise = new CompletableFuture<>();
    EmbeddedChannel x = dialler(promise, NettyP2PNetworkTest.key(3).address());
    EmbeddedChannel y = listener();
    pump(x, y);
    assertThat(promise).isCompletedExceptionally();
    assertThat(x.isOpen()).isFalse();
    assertThat(y.isOpen()).as("the responder got Disconnect(UNEXPECTED_IDENTITY)").isFalse();
    assertThat(a.peers()).isEmpty();
    y.runPendingTasks();
    assertThat(b.peers()).isEmpty();
  }
}
