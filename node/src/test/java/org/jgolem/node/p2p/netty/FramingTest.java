package org.jgolem.node.p2p.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code u32 length ‖ bytes} framing, without sockets. */
class FramingTest {
  private static final int MAX = 1024;

  private static ByteBuf frame(String body) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    return Unpooled.buffer().writeInt(b.length).writeBytes(b);
  }

  private static String text(ByteBuf b) {
    try {
      return b.toString(StandardCharsets.UTF_8);
    } finally {
      b.release();
    }
  }

  @Test
  void aFrameSplitIntoSingleBytesIsReassembled() {
    EmbeddedChannel ch = new EmbeddedChannel(Framing.decoder(MAX));
    ByteBuf whole = frame("hello, world");
    while (whole.isReadable()) {
      assertThat(ch.<Object>readInbound()).isNull();
      ch.writeInbound(whole.readRetainedSlice(1));
    }
    whole.release();
    assertThat(text(ch.readInbound())).isEqualTo("hello, world");
    assertThat(ch.<Object>readInbound()).isNull();
    assertThat(ch.finish()).isFalse();
  }

  @Test
  void framesMergedInOneReadAreSplit() {
    EmbeddedChannel ch = new EmbeddedChannel(Framing.decoder(MAX));
    ByteBuf merged = Unpooled.buffer();
    ByteBuf a = frame("first");
    ByteBuf b = frame("second");
    ByteBuf c = frame("thi");
    merged.writeBytes(a).writeBytes(b).writeBytes(c, 0, c.readableBytes() - 1);
    a.release();
    b.release();
    ch.writeInbound(merged);
    assertThat(text(ch.readInbound())).isEqualTo("first");
    assertThat(text(ch.readInbound())).isEqualTo("second");
    assertThat(ch.<Object>readInbound()).as("third is incomplete").isNull();
    ch.writeInbound(c.slice(c.readableBytes() - 1, 1).retain());
    c.release();
    assertThat(text(ch.readInbound())).isEqualTo("thi");
    assertThat(ch.finish()).isFalse();
  }

  @Test
  void aZeroLengthFrameIsAnEmptyMessage() {
    EmbeddedChannel ch = new EmbeddedChannel(Framing.decoder(MAX));
    ch.writeInbound(Unpooled.buffer().writeInt(0));
    ByteBuf empty = ch.readInbound();
    assertThat(empty.readableBytes()).isZero();
    empty.release();
    assertThat(ch.finish()).isFalse();
  }

  @Test
  void aFrameOfExactlyTheLimitPassesAndOneMoreByteFailsAtOnce() {
    EmbeddedChannel ch = new EmbeddedChannel(Framing.decoder(MAX));
    ch.writeInbound(Unpooled.buffer().writeInt(MAX).writeZero(MAX));
    ByteBuf max = ch.readInbound();
    assertThat(max.readableBytes()).isEqualTo(MAX);
    max.release();
    // failFast: refused from the length field alone, before any body byte arrives
    assertThatThrownBy(() -> ch.writeInbound(Unpooled.buffer().writeInt(MAX + 1)))
        .isInstanceOf(TooLongFrameException.class);
    ch.finishAndReleaseAll();
    EmbeddedChannel fresh = new EmbeddedChannel(Framing.decoder(MAX));
    assertThatThrownBy(() -> fresh.writeInbound(Unpooled.buffer().writeInt(-1)))
        .as("the length is unsigned: 2^32 - 1")
        .isInstanceOf(TooLongFrameException.class);
    fresh.finishAndReleaseAll();
  }

  @Test
  void thePrependerWritesABigEndianLength() {
    EmbeddedChannel ch = new EmbeddedChannel(Framing.prepender());
    ch.writeOutbound(Unpooled.wrappedBuffer(new byte[] {7, 8, 9}));
    ByteBuf out = Unpooled.buffer();
    for (ByteBuf part; (part = ch.readOutbound()) != null; ) {
      out.writeBytes(part);
      part.release();
    }
    assertThat(ByteBufUtil.hexDump(out)).isEqualTo("00000003070809");
    out.release();
    assertThat(ch.finish()).isFalse();
  }
}
