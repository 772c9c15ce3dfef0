package org.jgolem.node.p2p.netty;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.KeyAgreement;

/**
 * The key exchange of a session. Each side sends {@code X25519 public key (32) ‖ nonce (32)} in the
 * clear; both then compute
 *
 * <pre>
 * shared     = X25519(own ephemeral private key, other's ephemeral public key)
 * transcript = SHA-256("jgolem-handshake-v1" ‖ initiator key ‖ initiator nonce ‖ responder key ‖ responder nonce)
 * okm        = HKDF-SHA256(ikm = shared, salt = transcript, info = "jgolem-v1 session keys", 64 bytes)
 * key initiator→responder = okm[0..32), key responder→initiator = okm[32..64)
 * </pre>
 *
 * The transcript is what each side's Hello must sign as its challenge. A shared secret of zeros (a
 * low-order public key) is refused.
 */
final class HandshakeCrypto {
  static final int KEY_BYTES = 32;
  static final int NONCE_BYTES = 32;
  static final int FRAME_BYTES = KEY_BYTES + NONCE_BYTES;

  private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b656e032100");
  private static final byte[] LABEL = "jgolem-handshake-v1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] KEYS_INFO =
      "jgolem-v1 session keys".getBytes(StandardCharsets.US_ASCII);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** One side's ephemeral key and nonce; {@link #frame()} is what it sends. */
  record Ephemeral(PrivateKey privateKey, byte[] frame) {}

  /** What a finished key exchange yields. */
  record SessionKeys(byte[] transcript, byte[] sendKey, byte[] receiveKey) {}

  private HandshakeCrypto() {}

  static Ephemeral newEphemeral() {
    try {
      KeyPair kp = KeyPairGenerator.getInstance("X25519").generateKeyPair();
      byte[] encoded = kp.getPublic().getEncoded();
      if (encoded.length != X509_PREFIX.length + KEY_BYTES
          || !Arrays.equals(encoded, 0, X509_PREFIX.length, X509_PREFIX, 0, X509_PREFIX.length)) {
        throw new IllegalStateException("unexpected X25519 key encoding");
      }
      byte[] frame = new byte[FRAME_BYTES];
      System.arraycopy(encoded, X509_PREFIX.length, frame, 0, KEY_BYTES);
      byte[] nonce = new byte[NONCE_BYTES];
      RANDOM.nextBytes(nonce);
      System.arraycopy(nonce, 0, frame, KEY_BYTES, NONCE_BYTES);
      return new Ephemeral(kp.getPrivate(), frame);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("X25519 is not available", e);
    }
  }

  /** Derives the session keys from this side's ephemeral and the other side's handshake frame. */
  static SessionKeys derive(boolean initiator, Ephemeral mine, byte[] theirs)
      throws GeneralSecurityException {
    if (theirs.length != FRAME_BYTES) {
      throw new InvalidKeyException(
          "a handshake frame has " + FRAME_BYTES + " bytes, got " + theirs.length);
    }
    byte[] spki = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + KEY_BYTES);
    System.arraycopy(theirs, 0, spki, X509_PREFIX.length, KEY_BYTES);
    PublicKey theirKey =
        KeyFactory.getInstance("X25519").generatePublic(new X509EncodedKeySpec(spki));
    KeyAgreement ka = KeyAgreement.getInstance("X25519");
    ka.init(mine.privateKey());
    ka.doPhase(theirKey, true);
    byte[] shared = ka.generateSecret();
    try {
      if (isZero(shared)) {
        throw new InvalidKeyException("X25519 shared secret is zero (low-order public key)");
      }
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(LABEL);
      sha.update(initiator ? mine.frame() : theirs);
      sha.update(initiator ? theirs : mine.frame());
      byte[] transcript = sha.digest();
      byte[] okm = Hkdf.expand(Hkdf.extract(transcript, shared), KEYS_INFO, 2 * KEY_BYTES);
      byte[] i2r = Arrays.copyOfRange(okm, 0, KEY_BYTES);
      byte[] r2i = Arrays.copyOfRange(okm, KEY_BYTES, 2 * KEY_BYTES);
      Arrays.fill(okm, (byte) 0);
      return initiator
          ? new SessionKeys(transcript, i2r, r2i)
          : new SessionKeys(transcript, r2i, i2r);
    } finally {
      Arrays.fill(shared, (byte) 0);
    }
  }

  private static boolean isZero(byte[] b) {
    int acc = 0;
    for (byte x : b) {
      acc |= x;
    }
    return acc == 0;
  }
}
