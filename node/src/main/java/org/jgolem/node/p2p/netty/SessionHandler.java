package org.jgolem.node.p2p.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.CodecException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.concurrent.ThreadLocalRandom;
import org.jgolem.node.p2p.SessionRules;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.p2p.Disconnect;
import org.jgolem.protocol.messages.p2p.Ping;
import org.jgolem.protocol.messages.p2p.Pong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last handler of an authenticated session. Each envelope (already decoded and signature-checked by
 * {@link EnvelopeCodec}) must be fresh and new (the node's FreshnessGuard) and sent by the
 * session's peer; then Ping is answered, Pong noted, Disconnect ends the session, and the
 * subscribed listeners get it. Refusals follow {@link SessionRules}. Any other failure (a frame too
 * long, one that does not authenticate) ends this session only, with PROTOCOL_ERROR and no ban:
 * bytes injected on the path are not the peer's doing.
 */
final class SessionHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(SessionHandler.class);

  private final NettyP2PNetwork node;
  private final NettyPeer peer;

  SessionHandler(NettyP2PNetwork node, NettyPeer peer) {
    this.node = node;
    this.peer = peer;
  }

  NettyPeer peer() {
    return peer;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof Envelope e)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (peer.closing()) {
      return;
    }
    try {
      node.guard().check(e);
      if (!e.sender().equals(peer.id())) {
        throw new InvalidMessageException(
            InvalidMessageException.Reason.SENDER_MISMATCH,
            e.type() + " sent by " + e.sender() + " on the session of " + peer.id());
      }
      if (e.type() == MessageType.HELLO) {
        throw new InvalidMessageException(
            InvalidMessageException.Reason.MALFORMED, "Hello after the handshake");
      }
    } catch (InvalidMessageException ex) {
      refuse(ex);
      return;
    }
    switch (e.type()) {
      case PING -> peer.send(new Pong(e.payload(Ping.class).nonce()));
      case PONG -> peer.pongReceived();
      default -> {}
    }
    node.dispatch(peer, e);
    if (e.payload() instanceof Disconnect d) {
      peer.remoteDisconnected(d.reason());
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt == KeepAliveHandler.PING_DUE) {
      if (!peer.closing()) {
        peer.send(new Ping(ThreadLocalRandom.current().nextLong()));
      }
    } else if (evt instanceof IdleStateEvent) {
      LOG.debug("{} silent for {}, closing", peer.id(), node.config().idleTimeout());
      peer.close(Disconnect.Reason.TIMEOUT);
    } else {
      ctx.fireUserEventTriggered(evt);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable c =
        cause instanceof CodecException && cause.getCause() != null ? cause.getCause() : cause;
    if (!(c instanceof InvalidMessageException
        || c instanceof RateLimitHandler.RateLimitExceededException
        || c instanceof IOException
        || NettyP2PNetwork.isBadFrame(cause))) {
      node.counters().unexpectedErrors.increment();
      LOG.warn("unexpected failure on the session with {}", peer.id(), cause);
    }
    if (peer.closing()) {
      LOG.trace("after close, from {}: {}", peer.id(), c.toString());
      return;
    }
    if (c instanceof InvalidMessageException ime) {
      refuse(ime);
    } else if (c instanceof RateLimitHandler.RateLimitExceededException) {
      node.counters().rateLimited.increment();
      LOG.debug("{} rate limited: {}", peer.id(), c.getMessage());
      peer.close(Disconnect.Reason.RATE_LIMITED);
    } else if (c instanceof IOException) {
      LOG.debug("session with {} failed: {}", peer.id(), c.toString());
      ctx.close();
    } else {
      node.counters().messagesRefused.increment();
      LOG.debug("bad frame from {}: {}", peer.id(), c.toString());
      peer.close(Disconnect.Reason.PROTOCOL_ERROR);
    }
  }

  private void refuse(InvalidMessageException ex) {
    if (SessionRules.replayCacheFull(node.guard(), ex)) {
      LOG.warn("replay cache full, dropping a message from {}", peer.id());
      return;
    }
    node.counters().messagesRefused.increment();
    LOG.debug("refusing a message from {}: {}", peer.id(), ex.getMessage());
    if (SessionRules.bans(ex)) {
      node.ban(peer.id());
    }
    peer.close(SessionRules.disconnectReason(ex));
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    node.sessionEnded(peer);
    ctx.fireChannelInactive();
  }
}
