package org.jgolem.protocol.messages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.List;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.p2p.Hello;
import org.jgolem.protocol.messages.p2p.NodeRecord;
import org.junit.jupiter.api.Test;

class CodecSmokeTest {
  private final MessageCodec codec = new MessageCodec(31337, 1 << 20);
  private final NodeKey key = NodeKey.fromPrivateKey(BigInteger.valueOf(0x1234567));

  @Test
  void sealedEnvelopesRoundTripAndTamperingIsRefused() {
    Hello hello =
        new Hello(
            1,
            "jgolem/test",
            new NodeRecord(key.address(), "127.0.0.1", 40102),
            new byte[32],
            List.of("wasm"));
    Envelope e = codec.seal(hello, key, 1_700_000_000_000L, new byte[16]);
    byte[] wire = codec.encode(e);
    Envelope back = codec.decode(wire);
    assertThat(back).isEqualTo(e);
    assertThat(back.payload()).isEqualTo(hello);
    assertThat(codec.encode(back)).isEqualTo(wire);

    byte[] tampered = wire.clone();
    tampered[Envelope.HEADER_LENGTH + 3] ^= 1; // inside the payload
    assertThatThrownBy(() -> codec.decode(tampered)).isInstanceOf(InvalidMessageException.class);
  }

  @Test
  void taskHeaderCarriesTheRequestorsOwnSignature() {
    TaskHeader h =
        TaskHeader.signed(
            new byte[32],
            key,
            new NodeRecord(key.address(), "127.0.0.1", 1),
            "wasm",
            "bafkqaaa",
            BigInteger.TEN,
            4,
            600,
            1_800_000_000_000L,
            512,
            1,
            false,
            codec.hasher());
    assertThat(h.hasValidAuthorSignature(codec.hasher())).isTrue();
    NodeKey forwarder = NodeKey.fromPrivateKey(BigInteger.valueOf(99));
    Envelope hop =
        codec.decode(codec.encode(codec.seal(h, forwarder, 1_700_000_000_000L, new byte[16])));
    assertThat(hop.sender()).isEqualTo(forwarder.address());
    assertThat(hop.payload(TaskHeader.class).hasValidAuthorSignature(codec.hasher())).isTrue();
    assertThat(h.hasValidAuthorSignature(new MessageHasher(1)))
        .as("another chain's domain")
        .isFalse();
  }
}
