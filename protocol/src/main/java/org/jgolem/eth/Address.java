package org.jgolem.eth;

import java.math.BigInteger;
import java.util.HexFormat;
import java.util.Locale;

/**
 * An Ethereum address: 20 bytes, shown as lowercase 0x-prefixed hex. Node ids are addresses too.
 * Immutable; keeps both forms so that hashing and encoding need no parsing. Free of web3j so that
 * domain code can use it.
 */
public final class Address implements Comparable<Address> {
  private static final BigInteger MAX = BigInteger.ONE.shiftLeft(160);
  private static final HexFormat HEX = HexFormat.of();

  public static final Address ZERO = new Address(new byte[20]);

  private final String hex;
  private final byte[] bytes;

  private Address(byte[] bytes) {
    this.bytes = bytes;
    this.hex = "0x" + HEX.formatHex(bytes);
  }

  /** Parses 40 hex digits with or without 0x, in any case. */
  public static Address of(String text) {
    if (text == null) {
      throw new IllegalArgumentException("address is null");
    }
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.startsWith("0x")) {
      t = t.substring(2);
    }
    if (t.length() != 40) {
      throw new IllegalArgumentException("not a canonical address (0x + 40 hex digits): " + text);
    }
    try {
      return new Address(HEX.parseHex(t));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "not a canonical address (0x + 40 hex digits): " + text, e);
    }
  }

  public static Address of(BigInteger value) {
    if (value.signum() < 0 || value.compareTo(MAX) >= 0) {
      throw new IllegalArgumentException("not a 160-bit value: " + value);
    }
    byte[] raw = value.toByteArray();
    byte[] out = new byte[20];
    int n = Math.min(raw.length, 20);
    System.arraycopy(raw, raw.length - n, out, 20 - n, n);
    return new Address(out);
  }

  public static Address of(byte[] bytes) {
    if (bytes.length != 20) {
      throw new IllegalArgumentException("an address has 20 bytes, got " + bytes.length);
    }
    return new Address(bytes.clone());
  }

  /** 0x + 40 lowercase hex digits. */
  public String hex() {
    return hex;
  }

  public BigInteger toBigInteger() {
    return new BigInteger(1, bytes);
  }

  public byte[] toBytes() {
    return bytes.clone();
  }

  /** Copies the 20 bytes into {@code dst} at {@code offset} (no allocation). */
  public void copyTo(byte[] dst, int offset) {
    System.arraycopy(bytes, 0, dst, offset, 20);
  }

  public boolean isZero() {
    for (byte b : bytes) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int compareTo(Address o) {
    return hex.compareTo(o.hex);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Address a && hex.equals(a.hex);
  }

  @Override
  public int hashCode() {
    return hex.hashCode();
  }

  @Override
  public String toString() {
    return hex;
  }
}
