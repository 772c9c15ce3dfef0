package org.jgolem.node.p2p.netty;

import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;

/**
 * Every frame on the wire is {@code u32 length ‖ bytes}, at most {@code maxFrameBytes} bytes after
 * the length. A longer length field fails at once (TooLongFrameException), and the handler after
 * the decoder closes the connection.
 */
final class Framing {
  static final int LENGTH_FIELD_BYTES = 4;

  private Framing() {}

  static LengthFieldBasedFrameDecoder decoder(int maxFrameBytes) {
    // maxFrameLength counts the length field too; failFast refuses before buffering the body.
    return new LengthFieldBasedFrameDecoder(
        maxFrameBytes + LENGTH_FIELD_BYTES, 0, LENGTH_FIELD_BYTES, 0, LENGTH_FIELD_BYTES, true);
  }

  static LengthFieldPrepender prepender() {
    return new LengthFieldPrepender(LENGTH_FIELD_BYTES);
  }
}
