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
 */
public final class Secp256k1 {
  /** The order n of the curve's group. */
  public static final BigInteger N =
      new BigInteger("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16);

  public static final BigInteger HALF_N = N.shiftRight(1);

  private Secp256k1() {}

  /** Signs a 32-byte digest (no further hashing); web3j returns canonical low-s signatures. */
  public static Signature sign(byte[] digest, ECKeyPair key) {
    requireDigest(digest);
    Sign.SignatureData sig = Sign.signMessage(digest, key, false);
    return new Signature(sig.getR(), sig.getS(), sig.getV()[0] & 0xff);
  }

  /** The address that signed {@code digest}; throws {@link IllegalArgumentException} if the signature is invalid. */
  public static Address recover(byte[] digest, Signature sig) {
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
    try {
      BigInteger pub = Sign.signedMessageHashToKey(digest, new Sign.SignatureData((byte) sig.v(), sig.r(), sig.s()));
      return Address.of(Keys.getAddress(pub));
    } catch (java.security.SignatureException | RuntimeException e) {
      throw new IllegalArgumentException("invalid signature: " + e.getMessage(), e);
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
