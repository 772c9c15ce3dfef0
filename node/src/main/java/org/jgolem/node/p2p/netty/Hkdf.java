package org.jgolem.node.p2p.netty;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HKDF with HMAC-SHA256 (RFC 5869). */
final class Hkdf {
  private static final int HASH_BYTES = 32;

  private Hkdf() {}

  static byte[] extract(byte[] salt, byte[] ikm) throws GeneralSecurityException {
    return hmac(salt.length == 0 ? new byte[HASH_BYTES] : salt, ikm);
  }

  static byte[] expand(byte[] prk, byte[] info, int length) throws GeneralSecurityException {
    if (length < 1 || length > 255 * HASH_BYTES) {
      throw new IllegalArgumentException("HKDF output of " + length + " bytes");
    }
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(prk, "HmacSHA256"));
    byte[] out = new byte[length];
    byte[] t = new byte[0];
    for (int i = 1, off = 0; off < length; i++) {
      mac.update(t);
      mac.update(info);
      mac.update((byte) i);
      t = mac.doFinal();
      int n = Math.min(t.length, length - off);
      System.arraycopy(t, 0, out, off, n);
      off += n;
    }
    return out;
  }

  private static byte[] hmac(byte[] key, byte[] data) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(data);
  }
}
