package org.jgolem.protocol.hashing;

import org.bouncycastle.crypto.digests.KeccakDigest;

/**
 * keccak256 with one digest per thread, shared by everything in the protocol that hashes: message
 * and note signing ({@code messages.Eip712}) and address derivation ({@code identity}). It is on
 * the path of every signature check, so it allocates nothing but its 32-byte result.
 */
public final class Keccak {
  private static final ThreadLocal<KeccakDigest> DIGEST =
      ThreadLocal.withInitial(() -> new KeccakDigest(256));

  private Keccak() {}

  /** keccak256 of {@code in}. */
  public static byte[] keccak256(byte[] in) {
    KeccakDigest d = DIGEST.get();
    d.update(in, 0, in.length);
    byte[] out = new byte[32];
    d.doFinal(out, 0);
    return out;
  }

  /**
   * This thread's keccak256 digest, for hashing several parts without concatenating them. It is
   * empty when handed out; the caller must finish it with {@code doFinal} (which resets it) before
   * anything else on the thread hashes.
   */
  public static KeccakDigest digest() {
    return DIGEST.get();
  }
}
