package org.jgolem.protocol.messages;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.bouncycastle.crypto.digests.KeccakDigest;
import org.jgolem.eth.Address;
import org.jgolem.protocol.hashing.Keccak;

/**
 * EIP-712 encoding of atomic values (each 32 bytes) and helpers for {@code hashStruct}. Written to
 * allocate little: every signed message hashes its payload, on both sides.
 */
public final class Eip712 {
  private Eip712() {}

  /** keccak256, with a digest reused per thread ({@link Keccak#keccak256}). */
  public static byte[] keccak(byte[] in) {
    return Keccak.keccak256(in);
  }

  /** uintN / intN (non-negative here): big-endian, left-padded. */
  public static byte[] uint(BigInteger v) {
    if (v.signum() < 0 || v.bitLength() > 256) {
      throw new IllegalArgumentException("not a uint256: " + v);
    }
    byte[] raw = v.toByteArray();
    byte[] out = new byte[32];
    int n = Math.min(raw.length, 32);
    System.arraycopy(raw, raw.length - n, out, 32 - n, n);
    return out;
  }

  public static byte[] uint(long v) {
    if (v < 0) {
      throw new IllegalArgumentException("not a uint: " + v);
    }
    byte[] out = new byte[32];
    for (int i = 31; i >= 24; i--) {
      out[i] = (byte) v;
      v >>>= 8;
    }
    return out;
  }

  public static byte[] address(Address a) {
    byte[] out = new byte[32];
    a.copyTo(out, 12);
    return out;
  }

  public static byte[] bool(boolean b) {
    return uint(b ? BigInteger.ONE : BigInteger.ZERO);
  }

  /** bytes1..bytes32: right-padded. */
  public static byte[] fixedBytes(byte[] b) {
    if (b.length > 32) {
      throw new IllegalArgumentException("bytesN has at most 32 bytes");
    }
    byte[] out = new byte[32];
    System.arraycopy(b, 0, out, 0, b.length);
    return out;
  }

  /** string and bytes: keccak256 of the content. */
  public static byte[] string(String s) {
    return keccak(s.getBytes(StandardCharsets.UTF_8));
  }

  public static byte[] bytes(byte[] b) {
    return keccak(b);
  }

  /** An array of 32-byte encoded items: keccak256 of their concatenation. */
  public static byte[] array(List<byte[]> encodedItems) {
    KeccakDigest d = Keccak.digest();
    for (byte[] item : encodedItems) {
      d.update(item, 0, item.length);
    }
    byte[] out = new byte[32];
    d.doFinal(out, 0);
    return out;
  }

  public static byte[] typeHash(String typeString) {
    return keccak(typeString.getBytes(StandardCharsets.UTF_8));
  }

  /** keccak256(typeHash ‖ encoded fields), streamed into one digest. */
  public static byte[] hashStruct(byte[] typeHash, byte[]... encodedFields) {
    KeccakDigest d = Keccak.digest();
    d.update(typeHash, 0, typeHash.length);
    for (byte[] f : encodedFields) {
      d.update(f, 0, f.length);
    }
    byte[] out = new byte[32];
    d.doFinal(out, 0);
    return out;
  }

  /** keccak256(0x1901 ‖ domainSeparator ‖ structHash): what is signed. */
  public static byte[] hash(byte[] domainSeparator, byte[] structHash) {
    KeccakDigest d = Keccak.digest();
    d.update((byte) 0x19);
    d.update((byte) 0x01);
    d.update(domainSeparator, 0, 32);
    d.update(structHash, 0, 32);
    byte[] out = new byte[32];
    d.doFinal(out, 0);
    return out;
  }
}
