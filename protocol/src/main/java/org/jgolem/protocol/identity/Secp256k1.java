package org.jgolem.protocol.identity;

import java.math.BigInteger;
import org.jgolem.eth.Address;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * secp256k1 signing and recovery with Ethereum's rules: low s, v in {27, 28}, 0 < r < n, 0 < s.
 * {@link #recover} refuses exactly what the EVM's ecrecover refuses, and high s on top.
 *
 * <p>Two backends give byte-identical results (signing is deterministic, RFC 6979): libsecp256k1
 * through JNI ({@link NativeEcdsa}), used when its native library loads (Linux x86-64 and aarch64;
 * several times faster at both, as {@code SignatureBenchmark} in the tests measures; see
 * docs/PERFORMANCE.md), and web3j's pure Java otherwise. {@code -Djgolem.secp256k1=java} forces
 * web3j. {@link #backend()} says which is in use.
 */
public final class Secp256k1 {
  /** The order n of the curve's group. */
  public static final BigInteger N =
      new BigInteger("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16);

  public static final BigInteger HALF_N = N.shiftRight(1);

  private Secp256k1() {}

  /** Which implementation signs and recovers. */
  public enum Backend {
    NATIVE,
    WEB3J
  }

  private static final Backend BACKEND = NativeEcdsa.available() ? Backend.NATIVE : Backend.WEB3J;

  public static Backend backend() {
    return BACKEND;
  }

  /** True if libsecp256k1 loaded on this machine. */
  public static boolean nativeAvailable() {
    return NativeEcdsa.available();
  }

  /** Signs a 32-byte digest (no further hashing): deterministic (RFC 6979), low s, v 27 or 28. */
  public static Signature sign(byte[] digest, ECKeyPair key) {
    requireDigest(digest);
    if (BACKEND == Backend.NATIVE) {
      Signature sig = NativeEcdsa.sign(digest, key.getPrivateKey());
      if (sig != null) {
        return sig;
      }
    }
    return signWeb3j(digest, key);
  }

  /** web3j's signing: canonical low-s signatures, v from trial recoveries. */
  static Signature signWeb3j(byte[] digest, ECKeyPair key) {
    requireDigest(digest);
    Sign.SignatureData sig = Sign.signMessage(digest, key, false);
    return new Signature(sig.getR(), sig.getS(), sig.getV()[0] & 0xff);
  }

  static Signature signNative(byte[] digest, ECKeyPair key) {
    requireDigest(digest);
    return NativeEcdsa.sign(digest, key.getPrivateKey());
  }

  /**
   * The address that signed {@code digest}; throws {@link IllegalArgumentException} if the
   * signature is invalid. Recoveries are remembered (the last {@value #RECOVERED_MAX} or so, keyed
   * by the digest and the whole signature): a message chain verifies the same signatures again and
   * again (a TaskToCompute, its two notes, then the same inside the report and the acceptance that
   * quote it), and a recovery is the costliest step of checking a message (see
   * docs/PERFORMANCE.md). A pure function of its key, so nothing can be put in it that a recovery
   * would not give.
   */
  public static Address recover(byte[] digest, Signature sig) {
    checkRanges(digest, sig);
    byte[] k = new byte[32 + 65];
    System.arraycopy(digest, 0, k, 0, 32);
    System.arraycopy(sig.r(), 0, k, 32, 32);
    System.arraycopy(sig.s(), 0, k, 64, 32);
    k[96] = (byte) sig.v();
    java.nio.ByteBuffer key = java.nio.ByteBuffer.wrap(k);
    Address known = RECOVERED.get(key);
    if (known != null) return known;
    Address a =
        BACKEND == Backend.NATIVE ? NativeEcdsa.recover(digest, sig) : recoverWeb3j(digest, sig);
    if (RECOVERED.size() >= RECOVERED_MAX)
      RECOVERED.clear(); // crude bound: a cleared cache only costs recoveries
    RECOVERED.put(key, a);
    return a;
  }

  private static final int RECOVERED_MAX = 4096;
  private static final java.util.concurrent.ConcurrentHashMap<java.nio.ByteBuffer, Address>
      RECOVERED = new java.util.concurrent.ConcurrentHashMap<>();

  static Address recoverNative(byte[] digest, Signature sig) {
    checkRanges(digest, sig);
    return NativeEcdsa.recover(digest, sig);
  }

  static Address recoverWeb3j(byte[] digest, Signature sig) {
    checkRanges(digest, sig);
    try {
      BigInteger pub =
          Sign.signedMessageHashToKey(
              digest, new Sign.SignatureData((byte) sig.v(), sig.r(), sig.s()));
      return Address.of(Keys.getAddress(pub));
    } catch (java.security.SignatureException | RuntimeException e) {
      throw new IllegalArgumentException("invalid signature: " + e.getMessage(), e);
    }
  }

  private static void checkRanges(byte[] digest, Signature sig) {
    requireDigest(digest);
    if (sig.v() != 27 && sig.v() != 28) {
      throw new IllegalArgumentException("signature v must be 27 or 28, got " + sig.v());
    }
    BigInteger r = new BigInteger(1, sig.r());
    BigInteger s = new BigInteger(1, sig.s());
    if (r.signum() == 0 || r.compareTo(N) >= 0 || s.signum() == 0) {
      throw new IllegalArgumentException("signature r or s out of range");
    }
    if (s.compareTo(HALF_N) > 0) {
      throw new IllegalArgumentException("high-s signature refused");
    }
  }

  public static Address address(ECKeyPair key) {
    return Address.of(Keys.getAddress(key.getPublicKey()));
  }

  static byte[] privateKeyBytes(ECKeyPair key) {
    return Numeric.toBytesPadded(key.getPrivateKey(), 32);
  }

  private static void requireDigest(byte[] digest) {
    if (digest == null || digest.length != 32) {
      throw new IllegalArgumentException("a digest has 32 bytes");
    }
  }
}
