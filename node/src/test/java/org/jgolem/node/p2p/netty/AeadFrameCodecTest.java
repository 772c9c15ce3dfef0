package org.jgolem.node.p2p.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.EncoderException;
import java.lang.invoke.MethodHandles;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** The encrypted frame codec, on embedded channels. */
class AeadFrameCodecTest {
  private static final byte[] K1 = key(1);
  private static final byte[] K2 = key(2);

  private static byte[] key(int seed) {
    byte[] k = new byte[32];
    Arrays.fill(k, (byte) seed);
    return k;
  }

  /** Two ends of one session: a's send key is b's receive key and vice versa. */
  private static EmbeddedChannel end(byte[] send, byte[] receive) {
    return new EmbeddedChannel(new AeadFrameCodec(send, receive));
  }

  private static byte[] sealed(EmbeddedChannel from, String text) {
    from.writeOutbound(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    ByteBuf out = from.readOutbound();
    try {
      return ByteBufUtil.getBytes(out);
    } finally {
      out.release();
    }
  }

  private static String opened(EmbeddedChannel to, byte[] frame) {
    to.writeInbound(Unpooled.wrappedBuffer(frame));
    ByteBuf in = to.readInbound();
    try {
      return in.toString(StandardCharsets.UTF_8);
    } finally {
      in.release();
    }
  }

  /**
   * A cipher moved on to frame {@code counter}, as if it had sealed or opened that many frames: a
   * session cannot send 2^64 frames in a test, so the test sets the private counter itself instead
   * of the product offering a way to.
   */
  private static FrameCipher startingAt(FrameCipher cipher, long counter) {
    try {
      MethodHandles.privateLookupIn(FrameCipher.class, MethodHandles.lookup())
          .findVarHandle(FrameCipher.class, "counter", long.class)
          .set(cipher, counter);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("FrameCipher has no long field 'counter' any more", e);
    }
    return cipher;
  }

  @Test
  void framesRoundTripBothWays() {
    EmbeddedChannel a = end(K1, K2);
    EmbeddedChannel b = end(K2, K1);
    byte[] f = sealed(a, "to b");
    assertThat(f).hasSize(4 + FrameCipher.TAG_BYTES);
    assertThat(new String(f, 0, 4, StandardCharsets.UTF_8)).isNotEqualTo("to b");
    assertThat(opened(b, f)).isEqualTo("to b");
    assertThat(opened(a, sealed(b, "to a"))).isEqualTo("to a");
    assertThat(opened(b, sealed(a, ""))).isEmpty();
    assertThat(a.finish()).isFalse();
    assertThat(b.finish()).isFalse();
  }

  @Test
  void nonceIsTheFrameCounter() throws Exception {
    EmbeddedChannel a = end(K1, K2);
    byte[] first = sealed(a, "same");
    byte[] second = sealed(a, "same");
    assertThat(second).isNotEqualTo(first);
    // decrypt independently with the JDK: nonce = 0x00000000 ‖ u64 counter
    for (int counter = 0; counter < 2; counter++) {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      byte[] nonce = HexFormat.of().parseHex("00000000000000000000000" + counter);
      c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(K1, "AES"), new GCMParameterSpec(128, nonce));
      assertThat(new String(c.doFinal(counter == 0 ? first : second), StandardCharsets.UTF_8))
          .isEqualTo("same");
    }
    a.finish();
  }

  @Test
  void framesOutOfOrderOrReplayedDoNotAuthenticate() {
    EmbeddedChannel a = end(K1, K2);
    byte[] f0 = sealed(a, "zero");
    sealed(a, "one");
    EmbeddedChannel b = end(K2, K1);
    assertThat(opened(b, f0)).isEqualTo("zero");
    assertThatThrownBy(() -> b.writeInbound(Unpooled.wrappedBuffer(f0)))
        .as("replayed frame: counter 1 expected")
        .isInstanceOf(CorruptedFrameException.class);
    assertThat(b.isOpen()).isFalse();
  }

  @Test
  void aFlippedCiphertextBitClosesTheChannel() {
    EmbeddedChannel a = end(K1, K2);
    EmbeddedChannel b = end(K2, K1);
    byte[] f = sealed(a, "payload");
    byte[] next = sealed(a, "later");
    f[2] ^= 0x10;
    // the second frame arrives in the same read, behind the bad one: dropped, not decrypted
    assertThatThrownBy(
            () -> b.writeInbound(Unpooled.wrappedBuffer(f), Unpooled.wrappedBuffer(next)))
        .isInstanceOf(CorruptedFrameException.class)
        .hasCauseInstanceOf(AEADBadTagException.class);
    assertThat(b.isOpen()).isFalse();
    assertThat(b.<Object>readInbound()).isNull();
    a.finish();
    b.finishAndReleaseAll();
  }

  @Test
  void aFrameShorterThanTheTagClosesTheChannel() {
    EmbeddedChannel b = end(K2, K1);
    assertThatThrownBy(
            () -> b.writeInbound(Unpooled.wrappedBuffer(new byte[FrameCipher.TAG_BYTES - 1])))
        .isInstanceOf(CorruptedFrameException.class);
    assertThat(b.isOpen()).isFalse();
  }

  @Test
  void anExhaustedCounterClosesTheChannelInsteadOfReusingANonce() {
    long last = FrameCipher.LIMIT - 1; // 2^64 - 2: the last counter below the limit 2^64 - 1
    EmbeddedChannel a =
        new EmbeddedChannel(
            new AeadFrameCodec(
                startingAt(new FrameCipher(K1, true), last), new FrameCipher(K2, false)));
    EmbeddedChannel b =
        new EmbeddedChannel(
            new AeadFrameCodec(
                new FrameCipher(K2, true), startingAt(new FrameCipher(K1, false), last)));
    assertThat(opened(b, sealed(a, "last one"))).isEqualTo("last one");
    assertThatThrownBy(
            () -> a.writeOutbound(Unpooled.copiedBuffer("one too many", StandardCharsets.UTF_8)))
        .isInstanceOf(EncoderException.class)
        .hasMessageContaining("counter");
    assertThat(a.isOpen()).isFalse();
    assertThat(a.<Object>readOutbound()).isNull();
  }
}
