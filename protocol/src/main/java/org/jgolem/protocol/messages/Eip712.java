package org.jgolem.protocol.messages;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jgolem.eth.Address;
import org.web3j.crypto.Hash;

/** EIP-712 encoding of atomic values (each 32 bytes) and helpers for {@code hashStruct}. */
public final class Eip712 {
  private Eip712() {}

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
    return uint(BigInteger.valueOf(v));
  }

  public static byte[] address(Address a) {
    return uint(a.toBigInteger());
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
    return Hash.sha3(s.getBytes(StandardCharsets.UTF_8));
  }

  public static byte[] bytes(byte[] b) {
    return Hash.sha3(b);
  }

  /** An array of 32-byte encoded items: keccak256 of their concatenation. */
  public static byte[] array(List<byte[]> encodedItems) {
    return Hash.sha3(concat(encodedItems.toArray(byte[][]::new)));
  }

  public static byte[] typeHash(String typeString) {
    return Hash.sha3(typeString.getBytes(StandardCharsets.UTF_8));
  }

  /** keccak256(typeHash ‖ encoded fields). */
  public static byte[] hashStruct(byte[] typeHash, byte[]... encodedFields) {
    byte[][] all = new byte[encodedFields.length + 1][];
    all[0] = typeHash;
    System.arraycopy(encodedFields, 0, all, 1, encodedFields.length);
    return Hash.sha3(concat(all));
  }

  /** keccak256(0x1901 ‖ domainSeparator ‖ structHash): what is signed. */
  public static byte[] hash(byte[] domainSeparator, byte[] structHash) {
    return Hash.sha3(concat(new byte[] {0x19, 0x01}, domainSeparator, structHash));
  }

  public static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}
