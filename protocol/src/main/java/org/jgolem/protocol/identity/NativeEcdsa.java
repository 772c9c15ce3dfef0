package org.jgolem.protocol.identity;

import java.math.BigInteger;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.util.BigIntegers;
import org.jgolem.eth.Address;
import org.jgolem.protocol.hashing.Keccak;

/**
 * secp256k1 through libsecp256k1 (ACINQ's secp256k1-kmp JNI binding), when its native library loads
 * on this machine; {@link #available()} says whether it did.
 *
 * <p>Signing is BouncyCastle's ECDSA, as web3j does it (RFC 6979 nonce with HMAC-SHA256, {@code s =
 * k⁻¹(e + d·r) mod n}, low s), with only the costly part, {@code R = k·G}, done natively. Knowing R
 * gives the recovery id at once (the parity of R's y, flipped when s is normalised), so the result
 * is byte for byte web3j's, without the trial recoveries web3j makes. The binding has no
 * recoverable signing of its own: its {@code sign} would need a recovery afterwards to find v,
 * which costs more than computing R.
 *
 * <p>Recovery is libsecp256k1's {@code ecdsa_recover}; the range checks (v, r, s, low s) stay in
 * {@link Secp256k1}.
 */
final class NativeEcdsa {
  // Not Secp256k1.N: Secp256k1's static initialiser reads available(), so this class must not need
  // it.
  private static final BigInteger N =
      new BigInteger("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16);
  private static final BigInteger HALF_N = N.shiftRight(1);
  private static final fr.acinq.secp256k1.Secp256k1 LIB = load();

  private NativeEcdsa() {}

  private static fr.acinq.secp256k1.Secp256k1 load() {
    if ("java".equalsIgnoreCase(System.getProperty("jgolem.secp256k1", ""))) {
      return null;
    }
    try {
      fr.acinq.secp256k1.Secp256k1 lib = fr.acinq.secp256k1.Secp256k1.Companion.get();
      // Self-test on a known vector (private key 1: its public key is G) before trusting the
      // library.
      byte[] one = new byte[32];
      one[31] = 1;
      byte[] g = lib.pubkeyCreate(one);
      if (g.length != 65
          || g[0] != 4
          || !new BigInteger(1, g, 1, 32)
              .equals(
                  new BigInteger(
                      "79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798", 16))) {
        return null;
      }
      return lib;
    } catch (Throwable t) { // no such class, no native library for this OS, a failing self-test
      return null;
    }
  }

  static boolean available() {
    return LIB != null;
  }

  /**
   * The signature of {@code digest} by private key {@code d}, or null in the (2^-127) case v would
   * not be 27/28.
   */
  static Signature sign(byte[] digest, BigInteger d) {
    HMacDSAKCalculator nonces = new HMacDSAKCalculator(new SHA256Digest());
    nonces.init(N, d, digest);
    BigInteger e = new BigInteger(1, digest);
    while (true) {
      BigInteger k = nonces.nextK();
      byte[] point = LIB.pubkeyCreate(BigIntegers.asUnsignedByteArray(32, k)); // 04 ‖ x ‖ y
      BigInteger x = new BigInteger(1, point, 1, 32);
      BigInteger r = x.mod(N);
      if (r.signum() == 0) {
        continue;
      }
      BigInteger s = BigIntegers.modOddInverse(N, k).multiply(e.add(d.multiply(r))).mod(N);
      if (s.signum() == 0) {
        continue;
      }
      int recId = (point[64] & 1) | (x.compareTo(N) >= 0 ? 2 : 0);
      if (s.compareTo(HALF_N) > 0) {
        s = N.subtract(s);
        recId ^= 1;
      }
      if (recId > 1) {
        return null;
      }
      return new Signature(
          BigIntegers.asUnsignedByteArray(32, r),
          BigIntegers.asUnsignedByteArray(32, s),
          27 + recId);
    }
  }

  /** The signer's address; the caller has checked v, r and s. Throws IllegalArgumentException. */
  static Address recover(byte[] digest, Signature sig) {
    byte[] compact = new byte[64];
    System.arraycopy(sig.r(), 0, compact, 0, 32);
    System.arraycopy(sig.s(), 0, compact, 32, 32);
    byte[] pub;
    try {
      pub = LIB.ecdsaRecover(compact, digest, sig.v() - 27);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("invalid signature: " + e.getMessage(), e);
    }
    if (pub == null || pub.length != 65 || pub[0] != 4) {
      throw new IllegalArgumentException("invalid signature: no public key recovered");
    }
    byte[] hash = Keccak.keccak256(java.util.Arrays.copyOfRange(pub, 1, 65));
    byte[] address = new byte[20];
    System.arraycopy(hash, 12, address, 0, 20);
    return Address.of(address);
  }
}
