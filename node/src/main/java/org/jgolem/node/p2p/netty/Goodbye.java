package org.jgolem.node.p2p.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * Closing a connection after a last message (a Disconnect) so that the message arrives. Closing a
 * TCP socket whose receive buffer still holds data sends a reset, and a reset makes the other side
 * drop what it has not read yet, our Disconnect included: exactly what happens to a peer cut off
 * for flooding. So: write the message, shut down output (FIN), keep reading and discarding until
 * the peer closes, and close anyway after a grace period.
 */
final class Goodbye {
  static final long GRACE_MILLIS = 2_000;
  private static final String DISCARD = "discard";

  @ChannelHandler.Sharable
  private static final class Discard extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  private static final Discard DISCARD_HANDLER = new Discard();

  private Goodbye() {}

  /** Writes {@code last} (an Envelope, or a ready frame during the handshake) and closes gently. */
  static void send(Channel ch, Object last) {
    if (ch.pipeline().get(DISCARD) == null) {
      ch.pipeline().addFirst(DISCARD, DISCARD_HANDLER);
    }
    ch.writeAndFlush(last)
        .addListener(f -> {
          if (f.isSuccess() && ch instanceof SocketChannel socket && socket.isActive()) {
            socket.shutdownOutput();
          } else {
            ch.close();
          }
        });
    ch.eventLoop()
        .schedule(
            () -> {
              ch.close();
            },
            GRACE_MILLIS,
            TimeUnit.MILLISECONDS);
  }
}
