package org.jgolem.node.p2p.netty;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM for one direction of a session. The 96-bit nonce is {@code 0x00000000 ‖ u64 frame
 * counter} (big-endian), so a nonce is never reused under a key; when the counter reaches its limit
 * the cipher refuses to go on and the session must end. No associated data: the frame length is
 * covered by the tag, since the ciphertext is the whole frame.
 */
final class FrameCipher {
  static final int TAG_BYTES = 16;
  static final int NONCE_BYTES = 12;

  /**
   * Counters are unsigned and stop below this one, 2^64 - 1 (as a signed long, -1), so a counter
   * never wraps.
   */
  static final long LIMIT = -1L;

  private final SecretKeySpec key;
  private final int mode;
  private final byte[] nonce = new byte[NONCE_BYTES];
  private Cipher cipher;
  private long counter;

  FrameCipher(byte[] key, boolean encrypt) {
    if (key.length != 32) {
      throw new IllegalArgumentException("AES-256 needs a 32-byte key");
    }
    this.key = new SecretKeySpec(key, "AES");
    this.mode = encrypt ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE;
  }

  long counter() {
    return counter;
  }

  /**
   * Encrypts or decrypts the next frame; throws (AEADBadTagException for forgeries) and keeps the
   * counter on failure.
   */
  byte[] apply(byte[] input) throws GeneralSecurityException {
    if (Long.compareUnsigned(counter, LIMIT) >= 0) {
      throw new CounterExhaustedException("frame counter reached " + Long.toUnsignedString(LIMIT));
    }
    if (cipher == null) {
      cipher = Cipher.getInstance("AES/GCM/NoPadding");
    }
    long c = counter;
    for (int i = 0; i < 8; i++) {
      nonce[NONCE_BYTES - 1 - i] = (byte) (c >>> (8 * i));
    }
    cipher.init(mode, key, new GCMParameterSpec(TAG_BYTES * 8, nonce));
    byte[] out = cipher.doFinal(input);
    counter++;
    return out;
  }

  /** The direction used all its nonces. */
  static final class CounterExhaustedException extends GeneralSecurityException {
    CounterExhaustedException(String message) {
      super(message);
    }
  }
}
