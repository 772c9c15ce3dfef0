package org.jgolem.node.p2p.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToMessageCodec;
import java.util.List;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.codec.MessageCodec;

/**
 * Decrypted frames to verified envelopes ({@link MessageCodec#decode}: layout, version, payload
 * rules, signature) and back. A refused frame surfaces as an exception caught by the session
 * handler, which decides about disconnecting and banning. An envelope too large for a frame fails
 * its write and nothing else.
 */
final class EnvelopeCodec extends MessageToMessageCodec<ByteBuf, Envelope> {
  private final MessageCodec codec;
  private final int maxEnvelopeBytes;

  EnvelopeCodec(MessageCodec codec, int maxEnvelopeBytes) {
    this.codec = codec;
    this.maxEnvelopeBytes = maxEnvelopeBytes;
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, Envelope msg, List<Object> out) {
    byte[] bytes = codec.encode(msg);
    if (bytes.length > maxEnvelopeBytes) {
      throw new EncoderException(
          msg.type()
              + " of "
              + bytes.length
              + " bytes exceeds the frame limit of "
              + maxEnvelopeBytes);
    }
    out.add(Unpooled.wrappedBuffer(bytes));
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf msg, List<Object> out) {
    out.add(codec.decode(ByteBufUtil.getBytes(msg)));
  }
}
