package org.jgolem.node.p2p.netty;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.atomic.LongAdder;

/** Counts frames as they leave the frame decoder, for {@link NettyP2PNetwork#stats()}. */
@ChannelHandler.Sharable
final class FrameCounter extends ChannelInboundHandlerAdapter {
  private final LongAdder frames;

  FrameCounter(LongAdder frames) {
    this.frames = frames;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    frames.increment();
    ctx.fireChannelRead(msg);
  }
}
