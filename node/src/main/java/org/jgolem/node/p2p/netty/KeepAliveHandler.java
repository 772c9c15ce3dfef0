package org.jgolem.node.p2p.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Tells the session handler to send a Ping after {@code pingInterval} without hearing from the
 * peer, and again every interval while the silence lasts. (A plain IdleStateHandler with the idle
 * timeout sits next to it and closes the session.)
 */
final class KeepAliveHandler extends IdleStateHandler {
  /** The user event this handler fires. */
  static final Object PING_DUE =
      new Object() {
        @Override
        public String toString() {
          return "PING_DUE";
        }
      };

  KeepAliveHandler(Duration pingInterval) {
    super(pingInterval.toMillis(), 0, 0, TimeUnit.MILLISECONDS);
  }

  @Override
  protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
    ctx.fireUserEventTriggered(PING_DUE);
  }
}
