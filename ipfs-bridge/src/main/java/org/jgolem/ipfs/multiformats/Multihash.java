package org.jgolem.ipfs.multiformats;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A multihash: {@code varint(function code) varint(digest length) digest}. Hashing and verification
 * support sha2-256 (0x12) and identity (0x00, where the "digest" is the data itself); other codes
 * parse but cannot verify.
 */
public final class Multihash {
  public static final int SHA2_256 = 0x12;
  public static final int IDENTITY = 0x00;

  /** Identity multihashes (data inlined in the CID) longer than this are refused. */
  public static final int MAX_IDENTITY_LENGTH = 128;

  private static final int MAX_DIGEST_LENGTH = 128;

  private final int code;
  private final byte[] digest;
  private final byte[] bytes;

  private Multihash(int code, byte[] digest) {
    this.code = code;
    this.digest = digest;
    byte[] out = new byte[Varint.size(code) + Varint.size(digest.length) + digest.length];
    int o = Varint.write(code, out, 0);
    o = Varint.write(digest.length, out, o);
    System.arraycopy(digest, 0, out, o, digest.length);
    this.bytes = out;
  }

  public static Multihash of(int code, byte[] digest) {
    if (code == SHA2_256 && digest.length != 32)
      throw new IllegalArgumentException("sha2-256 digest must be 32 bytes, got " + digest.length);
    if (code == IDENTITY && digest.length > MAX_IDENTITY_LENGTH)
      throw new IllegalArgumentException(
          "identity multihash of " + digest.length + " bytes; at most " + MAX_IDENTITY_LENGTH);
    if (digest.length > MAX_DIGEST_LENGTH)
      throw new IllegalArgumentException("digest of " + digest.length + " bytes is too long");
    return new Multihash(code, digest.clone());
  }

  public static Multihash sha256(byte[] data) {
    return sha256(data, 0, data.length);
  }

  public static Multihash sha256(byte[] data, int offset, int length) {
    MessageDigest md = sha256Digest();
    md.update(data, offset, length);
    return new Multihash(SHA2_256, md.digest());
  }

  static MessageDigest sha256Digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** Parses a whole byte array as one multihash. */
  public static Multihash decode(byte[] in) {
    Parsed p = parse(in, 0, in.length);
    if (p.length != in.length)
      throw new IllegalArgumentException(
          "multihash has " + (in.length - p.length) + " trailing bytes");
    return p.multihash;
  }

  record Parsed(Multihash multihash, int length) {}

  static Parsed parse(byte[] in, int offset, int limit) {
    Varint.Decoded code = Varint.decode(in, offset, limit);
    if (code.value() > Integer.MAX_VALUE)
      throw new IllegalArgumentException("multihash code too large: " + code.value());
    Varint.Decoded len = Varint.decode(in, offset + code.length(), limit);
    if (len.value() > MAX_DIGEST_LENGTH)
      throw new IllegalArgumentException("multihash digest length " + len.value() + " is too long");
    int start = offset + code.length() + len.length();
    if (start + len.value() > limit)
      throw new IllegalArgumentException(
          "multihash is truncated: digest of "
              + len.value()
              + " bytes, "
              + (limit - start)
              + " present");
    byte[] digest = Arrays.copyOfRange(in, start, start + (int) len.value());
    return new Parsed(of((int) code.value(), digest), start + digest.length - offset);
  }

  public int code() {
    return code;
  }

  public byte[] digest() {
    return digest.clone();
  }

  public int digestLength() {
    return digest.length;
  }

  /** The encoded multihash. */
  public byte[] bytes() {
    return bytes.clone();
  }

  int encodedLength() {
    return bytes.length;
  }

  void copyBytes(byte[] out, int offset) {
    System.arraycopy(bytes, 0, out, offset, bytes.length);
  }

  /**
   * Whether data hashes to this multihash. Throws for a hash function this library cannot compute.
   */
  public boolean matches(byte[] data, int offset, int length) {
    return switch (code) {
      case SHA2_256 -> {
        MessageDigest md = sha256Digest();
        md.update(data, offset, length);
        yield MessageDigest.isEqual(md.digest(), digest);
      }
      case IDENTITY -> Arrays.equals(data, offset, offset + length, digest, 0, digest.length);
      default ->
          throw new IllegalArgumentException(
              "cannot verify multihash function 0x"
                  + Integer.toHexString(code)
                  + " (supported: sha2-256, identity)");
    };
  }

  public boolean matches(byte[] data) {
    return matches(data, 0, data.length);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Multihash m && Arrays.equals(bytes, m.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return HexFormat.of().formatHex(bytes);
  }
}
