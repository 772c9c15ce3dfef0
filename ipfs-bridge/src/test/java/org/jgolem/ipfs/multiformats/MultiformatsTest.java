package org.jgolem.ipfs.multiformats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Vectors from the multiformats specs (unsigned-varint, multibase, multihash, CID) and well-known
 * IPFS CIDs.
 */
class MultiformatsTest {
  private static final HexFormat HEX = HexFormat.of();

  @ParameterizedTest
  @CsvSource({
    "1,01",
    "127,7f",
    "128,8001",
    "255,ff01",
    "300,ac02",
    "16384,808001",
    "9223372036854775807,ffffffffffffffff7f"
  })
  void varintSpecVectors(long value, String hex) throws IOException {
    assertThat(HEX.formatHex(Varint.encode(value))).isEqualTo(hex);
    byte[] b = HEX.parseHex(hex);
    assertThat(Varint.decode(b, 0, b.length)).isEqualTo(new Varint.Decoded(value, b.length));
    assertThat(Varint.read(new ByteArrayInputStream(b))).isEqualTo(value);
    assertThat(Varint.size(value)).isEqualTo(b.length);
  }

  @Test
  void varintRefusesNonMinimalTruncatedAndOverlong() {
    assertThatThrownBy(() -> Varint.decode(HEX.parseHex("8000"), 0, 2))
        .hasMessageContaining("not minimally encoded");
    assertThatThrownBy(() -> Varint.decode(HEX.parseHex("80"), 0, 1))
        .hasMessageContaining("truncated");
    assertThatThrownBy(() -> Varint.decode(HEX.parseHex("ffffffffffffffffff01"), 0, 10))
        .hasMessageContaining("longer than 9");
    assertThatThrownBy(() -> Varint.encode(-1)).hasMessageContaining("negative");
  }

  @Test
  void varintRandomRoundTrip() {
    long seed = System.nanoTime();
    Random r = new Random(seed);
    for (int i = 0; i < 10_000; i++) {
      long v = r.nextLong() >>> (1 + r.nextInt(63));
      byte[] b = Varint.encode(v);
      assertThat(Varint.decode(b, 0, b.length).value())
          .as("seed %d value %d", seed, v)
          .isEqualTo(v);
    }
  }

  @Test
  void multibaseSpecVectors() {
    byte[] yes = "yes mani !".getBytes(StandardCharsets.UTF_8);
    assertThat(Multibase.encode(Multibase.Base.BASE32, yes)).isEqualTo("bpfsxgidnmfxgsibb");
    assertThat(Multibase.encode(Multibase.Base.BASE58BTC, yes)).isEqualTo("z7paNL19xttacUY");
    assertThat(Multibase.decode("bpfsxgidnmfxgsibb")).isEqualTo(yes);
    assertThat(Multibase.decode("BPFSXGIDNMFXGSIBB")).isEqualTo(yes);
    assertThat(Multibase.decode("z7paNL19xttacUY")).isEqualTo(yes);
    assertThat(Multibase.decode("f796573206d616e692021")).isEqualTo(yes);
    // leading zero bytes (multibase spec "leading zero" vectors)
    byte[] zeroYes = ("\0yes mani !").getBytes(StandardCharsets.UTF_8);
    assertThat(Multibase.encode(Multibase.Base.BASE58BTC, zeroYes)).isEqualTo("z17paNL19xttacUY");
    assertThat(Multibase.encode(Multibase.Base.BASE32, zeroYes)).isEqualTo("bab4wk4zanvqw42jaee");
    assertThat(Multibase.decode("z17paNL19xttacUY")).isEqualTo(zeroYes);
    assertThat(Multibase.decode("z")).isEmpty();
    assertThat(Multibase.decode("z111")).isEqualTo(new byte[3]);
  }

  @Test
  void multibaseRandomRoundTrip() {
    long seed = System.nanoTime();
    Random r = new Random(seed);
    for (int i = 0; i < 2000; i++) {
      byte[] b = new byte[r.nextInt(60)];
      r.nextBytes(b);
      if (r.nextBoolean() && b.length > 2) b[0] = b[1] = 0;
      for (Multibase.Base base : Multibase.Base.values())
        assertThat(Multibase.decode(Multibase.encode(base, b))).as("seed %d", seed).isEqualTo(b);
    }
  }

  @Test
  void multibaseRejectsBadInputWithAClearMessage() {
    assertThatThrownBy(() -> Multibase.decode("")).hasMessageContaining("empty");
    assertThatThrownBy(() -> Multibase.decode("mAAAA"))
        .hasMessageContaining("unsupported multibase prefix 'm'");
    assertThatThrownBy(() -> Multibase.decode("z0OIl"))
        .hasMessageContaining("not a base58btc character at position 0");
    assertThatThrownBy(() -> Multibase.decode("bpfsx1"))
        .hasMessageContaining("not a base32 character");
    assertThatThrownBy(() -> Multibase.decode("bPFSX")).hasMessageContaining("wrong case");
  }

  @Test
  void multihashSpecVectors() {
    // multihash spec: sha2-256 of "multihash"
    Multihash mh = Multihash.sha256("multihash".getBytes(StandardCharsets.UTF_8));
    assertThat(mh.toString())
        .isEqualTo("12209cbc07c3f991725836a3aa2a581ca2029198aa420b9d99bc0e131d9f3e2cbe47");
    assertThat(Multihash.decode(mh.bytes())).isEqualTo(mh);
    assertThat(mh.matches("multihash".getBytes(StandardCharsets.UTF_8))).isTrue();
    assertThat(mh.matches("multihasH".getBytes(StandardCharsets.UTF_8))).isFalse();
    Multihash id = Multihash.of(Multihash.IDENTITY, "abc".getBytes(StandardCharsets.UTF_8));
    assertThat(id.toString()).isEqualTo("0003616263");
    assertThat(id.matches("abc".getBytes(StandardCharsets.UTF_8))).isTrue();
    assertThatThrownBy(() -> Multihash.decode(HEX.parseHex("1220aabb")))
        .hasMessageContaining("truncated");
    assertThatThrownBy(() -> Multihash.of(Multihash.SHA2_256, new byte[31]))
        .hasMessageContaining("32 bytes");
    assertThatThrownBy(() -> Multihash.of(0x13, new byte[64]).matches(new byte[1]))
        .hasMessageContaining("cannot verify multihash function 0x13");
  }

  @Test
  void cidSpecExampleV0AndV1() {
    // the same dag-pb block ("hello world" as a UnixFS file) as CIDv0 and CIDv1, as Debian's
    // ipfs_cid prints them
    Cid v0 = Cid.parse("Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD");
    Cid v1 = Cid.parse("bafybeihykld7uyxzogax6vgyvag42y7464eywpf55gxi5qpoisibh3c5wa");
    assertThat(v0.version()).isZero();
    assertThat(v1.version()).isEqualTo(1);
    assertThat(v1.codec()).isEqualTo(Cid.DAG_PB);
    assertThat(v0.toV1()).isEqualTo(v1);
    assertThat(v0.toString()).isEqualTo("Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD");
    assertThat(v1.toString())
        .isEqualTo("bafybeihykld7uyxzogax6vgyvag42y7464eywpf55gxi5qpoisibh3c5wa");
    assertThat(Cid.parse("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH").toV1().toString())
        .isEqualTo("bafybeif7ztnhq65lumvvtr4ekcwd2ifwgm3awq4zfr3srh462rwyinlb4y");
    assertThat(v0.multihash()).isEqualTo(v1.multihash());
    // the same CID in base58btc, as js-ipfs prints it
    String z = v1.toString(Multibase.Base.BASE58BTC);
    assertThat(z).startsWith("zdj7");
    assertThat(Cid.parse(z)).isEqualTo(v1);
  }

  @Test
  void wellKnownRawCids() {
    // empty block and "hello world" as raw CIDv1 sha2-256 (ipfs add --cid-version=1 --raw-leaves)
    assertThat(Cid.raw(new byte[0]).toString())
        .isEqualTo("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
    assertThat(Cid.raw("hello world".getBytes(StandardCharsets.UTF_8)).toString())
        .isEqualTo("bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e");
    Cid raw = Cid.parse("bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e");
    assertThat(raw.isRaw()).isTrue();
    assertThat(raw.verifies("hello world".getBytes(StandardCharsets.UTF_8))).isTrue();
    assertThat(Cid.parse(raw.toString(Multibase.Base.BASE58BTC)).toString(Multibase.Base.BASE58BTC))
        .startsWith("zb2");
  }

  @Test
  void cidBinaryAndStreamRoundTrip() throws IOException {
    long seed = System.nanoTime();
    Random r = new Random(seed);
    for (int i = 0; i < 500; i++) {
      byte[] d = new byte[r.nextInt(100)];
      r.nextBytes(d);
      Cid c =
          switch (i % 3) {
            case 0 -> Cid.raw(d);
            case 1 -> Cid.dagPb(d);
            default -> Cid.v0(Multihash.sha256(d));
          };
      assertThat(Cid.decode(c.bytes())).as("seed %d", seed).isEqualTo(c);
      assertThat(Cid.parse(c.toString())).isEqualTo(c);
      byte[] twice = new byte[c.length() * 2];
      c.copyBytes(twice, 0);
      c.copyBytes(twice, c.length());
      ByteArrayInputStream in = new ByteArrayInputStream(twice);
      assertThat(Cid.read(in)).isEqualTo(c);
      assertThat(Cid.read(in)).isEqualTo(c);
    }
  }

  @Test
  void invalidCidsAreRefusedNamingTheProblem() {
    assertThatThrownBy(() -> Cid.parse("")).hasMessageContaining("invalid CID ''");
    assertThatThrownBy(() -> Cid.parse("bafkrei")).hasMessageContaining("invalid CID 'bafkrei'");
    assertThatThrownBy(() -> Cid.parse("QmYjtig7VJQ6XsnUjqqJvj7QaMcCAwtrgNdahSiFofrE70"))
        .hasMessageContaining("not a base58btc character");
    assertThatThrownBy(() -> Cid.decode(HEX.parseHex("02551220" + "00".repeat(32))))
        .hasMessageContaining("unsupported CID version 2");
    byte[] withTrailing = HEX.parseHex("01551220" + "00".repeat(33));
    assertThatThrownBy(() -> Cid.decode(withTrailing)).hasMessageContaining("1 trailing bytes");
  }
}
