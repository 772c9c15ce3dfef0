package org.jgolem.node.p2p.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jgolem.eth.Address;
import org.jgolem.node.p2p.P2PException;
import org.jgolem.node.p2p.Peer;
import org.jgolem.node.p2p.SessionRules;
import org.jgolem.node.p2p.TokenBucket;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.p2p.Disconnect;
import org.jgolem.protocol.messages.p2p.Hello;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates a new connection, then replaces itself with the session handlers.
 *
 * <ol>
 *   <li>The initiator sends its handshake frame (ephemeral X25519 key ‖ nonce, {@link
 *       HandshakeCrypto}); the responder answers with its own only after a frame of the right size
 *       arrived, so junk costs it no key generation. Both derive the session keys and put an {@link
 *       AeadFrameCodec} in front of this handler.
 *   <li>The initiator sends its Hello (encrypted, signed, challenge = transcript). The responder
 *       checks it and admits the peer (bans, duplicates, max peers), and only then answers with its
 *       own Hello, or with a Disconnect saying why not. The initiator checks the responder's Hello
 *       the same way, plus the expected id, and admits it.
 * </ol>
 *
 * A Hello is accepted if it decodes (signature included), speaks this protocol version, its
 * challenge is this session's transcript, its envelope sender is {@code self.nodeId}, and it is
 * fresh. Failures that prove no identity (wrong frame size, bad tag, bad signature, a Hello from
 * another session) close the connection without a message; if this side dialled, the endpoint is
 * banned. Other refusals send a Disconnect with the reason. All of it within handshakeTimeout.
 */
final class HandshakeHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(HandshakeHandler.class);

  private enum State {
    AWAIT_KEY,
    AWAIT_HELLO,
    DONE,
    FAILED
  }

  private final NettyP2PNetwork node;
  private final boolean initiator;
  private final Address expectedId;
  private final String dialHost;
  private final int dialPort;
  private final CompletableFuture<Peer> promise;
  private State state = State.AWAIT_KEY;
  private HandshakeCrypto.Ephemeral ephemeral;
  private HandshakeCrypto.SessionKeys keys;
  private ScheduledFuture<?> timeout;
  private boolean started;

  /** For a connection this node accepted. */
  static HandshakeHandler responder(NettyP2PNetwork node) {
    return new HandshakeHandler(node, false, null, null, 0, null);
  }

  /** For a connection this node dialled; {@code promise} gets the peer or the refusal. */
  static HandshakeHandler initiator(
      NettyP2PNetwork node,
      String host,
      int port,
      Address expectedId,
      CompletableFuture<Peer> promise) {
    return new HandshakeHandler(node, true, expectedId, host, port, promise);
  }

  private HandshakeHandler(
      NettyP2PNetwork node,
      boolean initiator,
      Address expectedId,
      String dialHost,
      int dialPort,
      CompletableFuture<Peer> promise) {
    this.node = node;
    this.initiator = initiator;
    this.expectedId = expectedId;
    this.dialHost = dialHost;
    this.dialPort = dialPort;
    this.promise = promise;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      start(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    start(ctx);
    ctx.fireChannelActive();
  }

  private void start(ChannelHandlerContext ctx) {
    if (started) {
      return;
    }
    started = true;
    long millis = node.config().handshakeTimeout().toMillis();
    timeout =
        ctx.executor()
            .schedule(
                () ->
                    fail(
                        ctx,
                        Disconnect.Reason.TIMEOUT,
                        "handshake took longer than " + millis + " ms",
                        false),
                millis,
                TimeUnit.MILLISECONDS);
    if (initiator) {
      ephemeral = HandshakeCrypto.newEphemeral();
      ctx.writeAndFlush(Unpooled.wrappedBuffer(ephemeral.frame()));
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (!(msg instanceof ByteBuf frame)) {
        fail(
            ctx,
            Disconnect.Reason.PROTOCOL_ERROR,
            "unexpected " + msg.getClass().getSimpleName(),
            true);
        return;
      }
      switch (state) {
        case AWAIT_KEY -> onKey(ctx, frame);
        case AWAIT_HELLO -> onHello(ctx, frame);
        default -> {} // after a failure: frames that were already buffered
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onKey(ChannelHandlerContext ctx, ByteBuf frame) {
    if (frame.readableBytes() != HandshakeCrypto.FRAME_BYTES) {
      fail(
          ctx,
          Disconnect.Reason.PROTOCOL_ERROR,
          "handshake frame of " + frame.readableBytes() + " bytes",
          true);
      return;
    }
    byte[] theirs = ByteBufUtil.getBytes(frame);
    try {
      if (!initiator) {
        ephemeral = HandshakeCrypto.newEphemeral();
        ctx.writeAndFlush(Unpooled.wrappedBuffer(ephemeral.frame()));
      }
      keys = HandshakeCrypto.derive(initiator, ephemeral, theirs);
    } catch (GeneralSecurityException e) {
      fail(ctx, Disconnect.Reason.PROTOCOL_ERROR, "key exchange failed: " + e.getMessage(), true);
      return;
    }
    ctx.pipeline()
        .addBefore(
            ctx.name(),
            NettyP2PNetwork.AEAD,
            new AeadFrameCodec(keys.sendKey(), keys.receiveKey()));
    state = State.AWAIT_HELLO;
    if (initiator) {
      sendEnvelope(ctx, hello());
    }
  }

  private void onHello(ChannelHandlerContext ctx, ByteBuf frame) {
    Envelope env;
    try {
      env = node.codec().decode(ByteBufUtil.getBytes(frame));
    } catch (InvalidMessageException e) {
      boolean version = e.reason() == InvalidMessageException.Reason.UNSUPPORTED_VERSION;
      fail(ctx, SessionRules.disconnectReason(e), "Hello refused: " + e.getMessage(), !version);
      return;
    }
    if (env.payload() instanceof Disconnect d) {
      onRefused(ctx, env, d.reason());
      return;
    }
    if (!(env.payload() instanceof Hello hello)) {
      fail(ctx, Disconnect.Reason.PROTOCOL_ERROR, "expected Hello, got " + env.type(), true);
      return;
    }
    if (hello.protocolVersion() != MessageCodec.PROTOCOL_VERSION) {
      fail(
          ctx,
          Disconnect.Reason.INCOMPATIBLE_VERSION,
          "peer speaks version "
              + hello.protocolVersion()
              + ", this node "
              + MessageCodec.PROTOCOL_VERSION,
          false);
      return;
    }
    if (!MessageDigest.isEqual(hello.challenge(), keys.transcript())) {
      fail(
          ctx,
          Disconnect.Reason.PROTOCOL_ERROR,
          "Hello of " + env.sender() + " is not bound to this session",
          true);
      return;
    }
    if (!env.sender().equals(hello.self().nodeId())) {
      fail(
          ctx,
          Disconnect.Reason.PROTOCOL_ERROR,
          "Hello signed by " + env.sender() + " claims to be " + hello.self().nodeId(),
          true);
      return;
    }
    try {
      node.guard().check(env);
    } catch (InvalidMessageException e) {
      fail(ctx, Disconnect.Reason.PROTOCOL_ERROR, "Hello refused: " + e.getMessage(), false);
      return;
    }
    Address id = env.sender();
    if (id.equals(node.self().nodeId())) {
      fail(ctx, Disconnect.Reason.UNEXPECTED_IDENTITY, "connected to itself", false);
      return;
    }
    if (initiator && expectedId != null && !expectedId.equals(id)) {
      fail(
          ctx,
          Disconnect.Reason.UNEXPECTED_IDENTITY,
          "expected " + expectedId + ", reached " + id,
          false);
      return;
    }
    NettyPeer peer =
        new NettyPeer(
            node, ctx.channel(), hello.self(), initiator, keys.transcript(), hello.capabilities());
    SessionTable.Admission admission = node.admit(peer);
    if (admission.refusal() != null) {
      if (initiator && admission.existing() != null) {
        promise.complete(admission.existing());
      }
      fail(ctx, admission.refusal(), "refused " + id, false);
      return;
    }
    state = State.DONE;
    timeout.cancel(false);
    node.handshakeEnded(ctx.channel(), true);
    if (!initiator) {
      sendEnvelope(ctx, hello());
    }
    ChannelPipeline p = ctx.pipeline();
    p.addBefore(
        NettyP2PNetwork.AEAD,
        "rate",
        new RateLimitHandler(
            new TokenBucket(
                node.config().messagesPerSecond(), node.config().burst(), System::nanoTime),
            node.config().messagesPerSecond()));
    p.addAfter(
        ctx.name(),
        "envelopes",
        new EnvelopeCodec(node.codec(), SessionRules.maxEnvelopeBytes(node.config())));
    p.addAfter(
        "envelopes",
        "idle",
        new IdleStateHandler(node.config().idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
    p.addAfter("idle", "keepalive", new KeepAliveHandler(node.config().pingInterval()));
    p.addAfter("keepalive", "session", new SessionHandler(node, peer));
    p.remove(this);
    node.sessionStarted(peer, admission.replaced());
    if (initiator) {
      promise.complete(peer);
    }
  }

  /** The other side sent Disconnect instead of its Hello. */
  private void onRefused(ChannelHandlerContext ctx, Envelope env, Disconnect.Reason reason) {
    if (initiator && reason == Disconnect.Reason.DUPLICATE_CONNECTION) {
      // The responder keeps another session with us; if it is ours, that is the one to use.
      NettyPeer existing = node.activeSession(env.sender());
      if (existing != null && (expectedId == null || expectedId.equals(existing.id()))) {
        promise.complete(existing);
      }
    }
    fail(ctx, reason, "refused by " + env.sender(), false, false);
  }

  private Hello hello() {
    return new Hello(
        MessageCodec.PROTOCOL_VERSION,
        node.config().clientVersion(),
        node.self(),
        keys.transcript(),
        node.capabilities());
  }

  private void sendEnvelope(ChannelHandlerContext ctx, Hello hello) {
    ctx.writeAndFlush(Unpooled.wrappedBuffer(node.codec().encode(node.seal(hello))));
  }

  private void fail(
      ChannelHandlerContext ctx, Disconnect.Reason reason, String detail, boolean junk) {
    fail(ctx, reason, detail, junk, !junk);
  }

  /**
   * Ends the handshake: {@code junk} means the other side proved nothing (no Disconnect is sent; a
   * dialled endpoint is banned); else a Disconnect(reason) is sent if {@code tell} and keys exist.
   */
  private void fail(
      ChannelHandlerContext ctx,
      Disconnect.Reason reason,
      String detail,
      boolean junk,
      boolean tell) {
    if (state == State.DONE || state == State.FAILED) {
      return;
    }
    state = State.FAILED;
    if (timeout != null) {
      timeout.cancel(false);
    }
    node.handshakeEnded(ctx.channel(), false);
    LOG.debug("handshake with {} failed: {} {}", ctx.channel().remoteAddress(), reason, detail);
    if (junk && initiator) {
      node.banEndpoint(dialHost, dialPort);
    }
    if (promise != null && !promise.isDone()) {
      promise.completeExceptionally(new P2PException(reason, detail));
    }
    if (tell && keys != null && ctx.channel().isActive()) {
      // no envelope codec yet: the encoded frame goes through AEAD and the prepender only
      Goodbye.send(
          ctx.channel(),
          Unpooled.wrappedBuffer(node.codec().encode(node.seal(new Disconnect(reason)))));
    } else {
      ctx.close();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!(cause instanceof IOException || NettyP2PNetwork.isBadFrame(cause))) {
      node.counters().unexpectedErrors.increment();
      LOG.warn("unexpected failure in the handshake with {}", ctx.channel().remoteAddress(), cause);
    }
    fail(ctx, Disconnect.Reason.PROTOCOL_ERROR, cause.toString(), !(cause instanceof IOException));
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (state == State.AWAIT_KEY || state == State.AWAIT_HELLO) {
      state = State.FAILED;
      if (timeout != null) {
        timeout.cancel(false);
      }
      node.handshakeEnded(ctx.channel(), false);
      if (promise != null && !promise.isDone()) {
        promise.completeExceptionally(new IOException("connection closed during the handshake"));
      }
    }
    ctx.fireChannelInactive();
  }
}
