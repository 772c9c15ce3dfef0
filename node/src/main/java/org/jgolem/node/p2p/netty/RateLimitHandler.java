package org.jgolem.node.p2p.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.jgolem.node.p2p.TokenBucket;

/**
 * Per-session token bucket on incoming frames, before they cost a decryption and a signature check.
 * Over the limit, frames are dropped and the session handler is told once.
 */
final class RateLimitHandler extends ChannelInboundHandlerAdapter {
  /** Fired (once) through exceptionCaught when the peer exceeds its rate. */
  static final class RateLimitExceededException extends RuntimeException {
    RateLimitExceededException(String message) {
      super(message, null, false, false);
    }
  }

  private final TokenBucket bucket;
  private final int perSecond;
  private boolean exceeded;

  RateLimitHandler(TokenBucket bucket, int perSecond) {
    this.bucket = bucket;
    this.perSecond = perSecond;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!exceeded && bucket.tryTake()) {
      ctx.fireChannelRead(msg);
      return;
    }
    ReferenceCountUtil.release(msg);
    if (!exceeded) {
      exceeded = true;
      ctx.fireExceptionCaught(
          new RateLimitExceededException("more than " + perSecond + " messages/s"));
    }
  }
}
