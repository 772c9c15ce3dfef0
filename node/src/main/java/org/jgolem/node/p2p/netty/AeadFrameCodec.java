package org.jgolem.node.p2p.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToMessageCodec;
import java.security.GeneralSecurityException;
import java.util.List;

/**
 * Encrypts outgoing frames and decrypts incoming ones with the session keys ({@link FrameCipher}).
 * A frame that does not authenticate closes the connection: the stream can no longer be trusted. A
 * direction whose counter is exhausted closes it too.
 */
final class AeadFrameCodec extends MessageToMessageCodec<ByteBuf, ByteBuf> {
  private final FrameCipher sealer;
  private final FrameCipher opener;
  private boolean failed;

  AeadFrameCodec(byte[] sendKey, byte[] receiveKey) {
    this(new FrameCipher(sendKey, true), new FrameCipher(receiveKey, false));
  }

  AeadFrameCodec(FrameCipher sealer, FrameCipher opener) {
    this.sealer = sealer;
    this.opener = opener;
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, ByteBuf msg, List<Object> out) {
    byte[] sealed;
    try {
      sealed = sealer.apply(ByteBufUtil.getBytes(msg));
    } catch (GeneralSecurityException e) {
      ctx.close();
      throw new EncoderException("cannot encrypt a frame: " + e.getMessage(), e);
    }
    out.add(Unpooled.wrappedBuffer(sealed));
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf msg, List<Object> out) {
    if (failed) {
      return; // frames that were already buffered behind a bad one
    }
    if (msg.readableBytes() < FrameCipher.TAG_BYTES) {
      failed = true;
      ctx.close();
      throw new CorruptedFrameException(
          "encrypted frame of " + msg.readableBytes() + " bytes is shorter than its tag");
    }
    byte[] plain;
    try {
      plain = opener.apply(ByteBufUtil.getBytes(msg));
    } catch (GeneralSecurityException e) {
      failed = true;
      ctx.close();
      throw new CorruptedFrameException(
          "frame " + opener.counter() + " does not authenticate: " + e.getMessage(), e);
    }
    out.add(Unpooled.wrappedBuffer(plain));
  }
}
