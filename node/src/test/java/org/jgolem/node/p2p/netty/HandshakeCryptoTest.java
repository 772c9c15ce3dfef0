package org.jgolem.node.p2p.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class HandshakeCryptoTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void bothSidesDeriveTheSameTranscriptAndMirroredKeys() throws Exception {
    HandshakeCrypto.Ephemeral i = HandshakeCrypto.newEphemeral();
    HandshakeCrypto.Ephemeral r = HandshakeCrypto.newEphemeral();
    HandshakeCrypto.SessionKeys ki = HandshakeCrypto.derive(true, i, r.frame());
    HandshakeCrypto.SessionKeys kr = HandshakeCrypto.derive(false, r, i.frame());
    assertThat(ki.transcript()).isEqualTo(kr.transcript());
    assertThat(ki.sendKey()).isEqualTo(kr.receiveKey()).hasSize(32);
    assertThat(ki.receiveKey()).isEqualTo(kr.sendKey());
    assertThat(ki.sendKey()).isNotEqualTo(ki.receiveKey());

    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update("jgolem-handshake-v1".getBytes(StandardCharsets.US_ASCII));
    sha.update(i.frame());
    sha.update(r.frame());
    assertThat(ki.transcript()).isEqualTo(sha.digest());

    HandshakeCrypto.Ephemeral other = HandshakeCrypto.newEphemeral();
    assertThat(HandshakeCrypto.derive(true, i, other.frame()).transcript())
        .isNotEqualTo(ki.transcript());
  }

  @Test
  void aLowOrderPublicKeyIsRefused() {
    HandshakeCrypto.Ephemeral i = HandshakeCrypto.newEphemeral();
    byte[] zeroKey = new byte[HandshakeCrypto.FRAME_BYTES]; // u = 0 has order 1
    assertThatThrownBy(() -> HandshakeCrypto.derive(true, i, zeroKey))
        .isInstanceOf(InvalidKeyException.class);
    byte[] one = new byte[HandshakeCrypto.FRAME_BYTES];
    one[0] = 1; // u = 1 has order 4
    assertThatThrownBy(() -> HandshakeCrypto.derive(true, i, one))
        .isInstanceOf(InvalidKeyException.class);
  }

  @Test
  void aFrameOfTheWrongSizeIsRefused() {
    HandshakeCrypto.Ephemeral i = HandshakeCrypto.newEphemeral();
    assertThatThrownBy(() -> HandshakeCrypto.derive(true, i, new byte[63]))
        .isInstanceOf(InvalidKeyException.class);
  }

  @Test
  void hkdfMatchesRfc5869TestCase1() throws Exception {
    byte[] ikm = HEX.parseHex("0b".repeat(22));
    byte[] salt = HEX.parseHex("000102030405060708090a0b0c");
    byte[] info = HEX.parseHex("f0f1f2f3f4f5f6f7f8f9");
    byte[] prk = Hkdf.extract(salt, ikm);
    assertThat(HEX.formatHex(prk))
        .isEqualTo("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
    assertThat(HEX.formatHex(Hkdf.expand(prk, info, 42)))
        .isEqualTo(
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  }
}
