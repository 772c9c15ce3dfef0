package org.jgolem.protocol.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.jgolem.eth.Address;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;

/** libsecp256k1 (JNI) and web3j sign byte for byte alike and recover the same signers. */
class Secp256k1BackendTest {
  static final int ROUNDS = 2000;

  static long seed() {
    long seed = Long.getLong("seed", System.nanoTime());
    System.out.println("Secp256k1BackendTest seed: " + seed + " (rerun with -Dseed=" + seed + ")");
    return seed;
  }

  static void assumeNative() {
    assumeTrue(Secp256k1.nativeAvailable(), "libsecp256k1 did not load on this machine");
  }

  @Test
  void nativeLoadsOnLinuxX8664AndIsTheDefault() {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch");
    assumeTrue(
        os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64")),
        "not Linux x86-64");
    assumeTrue(!"java".equals(System.getProperty("jgolem.secp256k1")), "web3j forced");
    assertThat(Secp256k1.nativeAvailable()).isTrue();
    assertThat(Secp256k1.backend()).isEqualTo(Secp256k1.Backend.NATIVE);
  }

  @Test
  void nativeAndWeb3jAgreeOnRandomKeysAndDigests() {
    assumeNative();
    Random rnd = new Random(seed());
    byte[] digest = new byte[32];
    for (int i = 0; i < ROUNDS; i++) {
      ECKeyPair key = ECKeyPair.create(randomPrivateKey(rnd));
      rnd.nextBytes(digest);
      checkAgreement(key, digest);
    }
  }

  @Test
  void nativeAndWeb3jAgreeOnEdgeCases() {
    assumeNative();
    BigInteger[] keys = {
      BigInteger.ONE,
      BigInteger.TWO,
      Secp256k1.N.subtract(BigInteger.ONE),
      Secp256k1.HALF_N,
      Secp256k1.HALF_N.add(BigInteger.ONE),
      BigInteger.ONE.shiftLeft(255)
    };
    byte[] allFf = new byte[32];
    Arrays.fill(allFf, (byte) 0xff); // a digest above n: reduced mod n by both
    byte[] n = Secp256k1.N.toByteArray();
    byte[][] digests = {
      new byte[32], allFf, Arrays.copyOfRange(n, n.length - 32, n.length), oneAt(31), oneAt(0)
    };
    for (BigInteger k : keys) {
      for (byte[] d : digests) {
        checkAgreement(ECKeyPair.create(k), d);
      }
    }
  }

  @Test
  void bothBackendsRefuseTheSameInvalidSignatures() {
    assumeNative();
    Random rnd = new Random(seed());
    byte[] digest = new byte[32];
    int refused = 0;
    for (int i = 0; i < 200; i++) {
      rnd.nextBytes(digest);
      byte[] r = new byte[32];
      byte[] s = new byte[32];
      rnd.nextBytes(r);
      rnd.nextBytes(s);
      r[0] &= 0x7f; // below n
      s[0] &= 0x3f; // below n/2
      Signature sig = new Signature(r, s, 27 + (i & 1));
      String web3j;
      String nat;
      try {
        web3j = Secp256k1.recoverWeb3j(digest, sig).hex();
      } catch (IllegalArgumentException e) {
        web3j = "refused";
      }
      try {
        nat = Secp256k1.recoverNative(digest, sig).hex();
      } catch (IllegalArgumentException e) {
        nat = "refused";
      }
      assertThat(nat).as("random signature %d", i).isEqualTo(web3j);
      refused += web3j.equals("refused") ? 1 : 0;
    }
    // About half of random r are not the x of a curve point: both must refuse those.
    assertThat(refused).isBetween(50, 150);
  }

  @Test
  void rangeChecksApplyToBothBackends() {
    assumeNative();
    byte[] digest = oneAt(5);
    Signature good = Secp256k1.signWeb3j(digest, ECKeyPair.create(BigInteger.TEN));
    byte[] highS = CodecBytes.toBytes32(Secp256k1.N.subtract(new BigInteger(1, good.s())));
    Signature twin = new Signature(good.r(), highS, good.v() == 27 ? 28 : 27);
    assertThatThrownBy(() -> Secp256k1.recoverNative(digest, twin)).hasMessageContaining("high-s");
    assertThatThrownBy(() -> Secp256k1.recoverWeb3j(digest, twin)).hasMessageContaining("high-s");
    Signature v29 = new Signature(good.r(), good.s(), 29);
    assertThatThrownBy(() -> Secp256k1.recoverNative(digest, v29)).hasMessageContaining("27 or 28");
    Signature zeroR = new Signature(new byte[32], good.s(), good.v());
    assertThatThrownBy(() -> Secp256k1.recoverNative(digest, zeroR))
        .hasMessageContaining("out of range");
  }

  @Test
  void publicApiUsesTheDefaultBackendAndRoundTrips() {
    NodeKey key = NodeKey.fromPrivateKey(BigInteger.valueOf(0xABCDEF));
    byte[] digest = oneAt(7);
    Signature sig = key.sign(digest);
    assertThat(Secp256k1.recover(digest, sig)).isEqualTo(key.address());
    assertThat(sig).isEqualTo(Secp256k1.signWeb3j(digest, key.keyPair()));
  }

  /**
   * Recoveries are remembered: the same answer again, and a changed digest or v is not mistaken for
   * a known one.
   */
  @Test
  void rememberedRecoveriesAnswerExactlyAsRecoveries() {
    NodeKey key = NodeKey.fromPrivateKey(BigInteger.valueOf(0x5EED));
    byte[] digest = oneAt(11);
    Signature sig = key.sign(digest);
    assertThat(Secp256k1.recover(digest, sig)).isEqualTo(key.address());
    assertThat(Secp256k1.recover(digest, sig)).isEqualTo(key.address());
    Signature otherV = new Signature(sig.r(), sig.s(), sig.v() == 27 ? 28 : 27);
    Address flipped = Secp256k1.recoverNative(digest, otherV);
    assertThat(flipped).isNotEqualTo(key.address());
    assertThat(Secp256k1.recover(digest, otherV)).isEqualTo(flipped);
    byte[] other = oneAt(12);
    assertThat(Secp256k1.recover(other, sig))
        .isEqualTo(Secp256k1.recoverWeb3j(other, sig))
        .isNotEqualTo(key.address());
    for (int i = 0; i < 5000; i++) { // past the bound: the cache is cleared, answers stay right
      byte[] d = oneAt(31);
      d[0] = (byte) (i >> 8);
      d[1] = (byte) i;
      Secp256k1.recover(d, sig);
    }
    assertThat(Secp256k1.recover(digest, sig)).isEqualTo(key.address());
  }

  private static void checkAgreement(ECKeyPair key, byte[] digest) {
    Address address = Secp256k1.address(key);
    Signature web3j = Secp256k1.signWeb3j(digest, key);
    Signature nat = Secp256k1.signNative(digest, key);
    assertThat(nat)
        .as("key %s digest %s", key.getPrivateKey().toString(16), hex(digest))
        .isEqualTo(web3j);
    assertThat(new BigInteger(1, nat.s())).isLessThanOrEqualTo(Secp256k1.HALF_N);
    assertThat(nat.v()).isIn(27, 28);
    assertThat(Secp256k1.recoverNative(digest, nat)).isEqualTo(address);
    assertThat(Secp256k1.recoverWeb3j(digest, nat)).isEqualTo(address);
  }

  static BigInteger randomPrivateKey(Random rnd) {
    while (true) {
      BigInteger k = new BigInteger(256, rnd);
      if (k.signum() > 0 && k.compareTo(Secp256k1.N) < 0) {
        return k;
      }
    }
  }

  private static byte[] oneAt(int i) {
    byte[] b = new byte[32];
    b[i] = 1;
    return b;
  }

  private static String hex(byte[] b) {
    return java.util.HexFormat.of().formatHex(b);
  }

  /** Small byte helpers. */
  static final class CodecBytes {
    static byte[] toBytes32(BigInteger v) {
      byte[] raw = v.toByteArray();
      byte[] out = new byte[32];
      int n = Math.min(raw.length, 32);
      System.arraycopy(raw, raw.length - n, out, 32 - n, n);
      return out;
    }
  }
}
