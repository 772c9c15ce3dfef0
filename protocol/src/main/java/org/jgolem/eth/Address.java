package org.jgolem.eth;

import java.math.BigInteger;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An Ethereum address: 20 bytes, kept as lowercase 0x-prefixed hex. Node ids are addresses too.
 * Free of web3j so that domain code can use it.
 */
public record Address(String hex) implements Comparable<Address> {
  private static final Pattern HEX40 = Pattern.compile("0x[0-9a-f]{40}");
  private static final BigInteger MAX = BigInteger.ONE.shiftLeft(160);

  public static final Address ZERO = new Address("0x" + "0".repeat(40));

  public Address {
    if (hex == null || !HEX40.matcher(hex).matches()) {
      throw new IllegalArgumentException("not a canonical address (0x + 40 lowercase hex digits): " + hex);
    }
  }

  /** Parses 40 hex digits with or without 0x, in any case. */
  public static Address of(String text) {
    if (text == null) {
      throw new IllegalArgumentException("address is null");
    }
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (!t.startsWith("0x")) {
      t = "0x" + t;
    }
    return new Address(t);
  }

  public static Address of(BigInteger value) {
    if (value.signum() < 0 || value.compareTo(MAX) >= 0) {
      throw new IllegalArgumentException("not a 160-bit value: " + value);
    }
    return new Address(String.format("0x%040x", value));
  }

  public static Address of(byte[] bytes) {
    if (bytes.length != 20) {
      throw new IllegalArgumentException("an address has 20 bytes, got " + bytes.length);
    }
    return new Address("0x" + HexFormat.of().formatHex(bytes));
  }

  public BigInteger toBigInteger() {
    return new BigInteger(hex.substring(2), 16);
  }

  public byte[] toBytes() {
    return HexFormat.of().parseHex(hex.substring(2));
  }

  public boolean isZero() {
    return equals(ZERO);
  }

  @Override
  public int compareTo(Address o) {
    return hex.compareTo(o.hex);
  }

  @Override
  public String toString() {
    return hex;
  }
}
