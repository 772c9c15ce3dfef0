package org.jgolem.ipfs.multiformats;

import java.util.Arrays;

/**
 * Multibase: a one-character prefix naming the base. Encodes base32 (lower case, no padding, prefix
 * {@code b}) and base58btc (prefix {@code z}); also decodes base32 upper case ({@code B}) and
 * base16 ({@code f}/{@code F}).
 */
public final class Multibase {
  private static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
  private static final String BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  private static final byte[] BASE58_INDEX = new byte[128];

  static {
    Arrays.fill(BASE58_INDEX, (byte) -1);
    for (int i = 0; i < BASE58.length(); i++) BASE58_INDEX[BASE58.charAt(i)] = (byte) i;
  }

  public enum Base {
    BASE32('b'),
    BASE58BTC('z');

    final char prefix;

    Base(char prefix) {
      this.prefix = prefix;
    }

    public char prefix() {
      return prefix;
    }
  }

  private Multibase() {}

  public static String encode(Base base, byte[] data) {
    return switch (base) {
      case BASE32 -> 'b' + base32(data);
      case BASE58BTC -> 'z' + base58(data);
    };
  }

  public static byte[] decode(String text) {
    if (text == null || text.isEmpty())
      throw new IllegalArgumentException("empty multibase string");
    String body = text.substring(1);
    return switch (text.charAt(0)) {
      case 'b' -> decodeBase32(body, false);
      case 'B' -> decodeBase32(body, true);
      case 'z' -> decodeBase58(body);
      case 'f', 'F' -> decodeBase16(body);
      default ->
          throw new IllegalArgumentException(
              "unsupported multibase prefix '" + text.charAt(0) + "' (supported: b, B, z, f, F)");
    };
  }

  public static String base32(byte[] data) {
    StringBuilder sb = new StringBuilder((data.length * 8 + 4) / 5);
    int buffer = 0, bits = 0;
    for (byte b : data) {
      buffer = (buffer << 8) | (b & 0xFF);
      bits += 8;
      while (bits >= 5) {
        sb.append(BASE32.charAt((buffer >>> (bits - 5)) & 31));
        bits -= 5;
      }
    }
    if (bits > 0) sb.append(BASE32.charAt((buffer << (5 - bits)) & 31));
    return sb.toString();
  }

  public static byte[] decodeBase32(String text, boolean upper) {
    byte[] out = new byte[text.length() * 5 / 8];
    int buffer = 0, bits = 0, n = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (upper ? (c >= 'a' && c <= 'z') : (c >= 'A' && c <= 'Z'))
        throw new IllegalArgumentException(
            "base32 character of the wrong case at position " + i + ": '" + c + "'");
      int v = BASE32.indexOf(Character.toLowerCase(c));
      if (v < 0)
        throw new IllegalArgumentException(
            "not a base32 character at position " + i + ": '" + c + "'");
      buffer = (buffer << 5) | v;
      bits += 5;
      if (bits >= 8) {
        out[n++] = (byte) (buffer >>> (bits - 8));
        bits -= 8;
      }
    }
    if (bits >= 5 || (buffer & ((1 << bits) - 1)) != 0)
      throw new IllegalArgumentException("base32 string has trailing bits: " + text);
    return out;
  }

  public static String base58(byte[] data) {
    int zeros = 0;
    while (zeros < data.length && data[zeros] == 0) zeros++;
    byte[] input = Arrays.copyOf(data, data.length);
    char[] out = new char[data.length * 2];
    int outStart = out.length;
    int start = zeros;
    while (start < input.length) {
      int remainder = 0;
      for (int i = start; i < input.length; i++) {
        int digit = (input[i] & 0xFF) + remainder * 256;
        input[i] = (byte) (digit / 58);
        remainder = digit % 58;
      }
      out[--outStart] = BASE58.charAt(remainder);
      while (start < input.length && input[start] == 0) start++;
    }
    for (int i = 0; i < zeros; i++) out[--outStart] = '1';
    return new String(out, outStart, out.length - outStart);
  }

  public static byte[] decodeBase58(String text) {
    if (text.isEmpty()) return new byte[0];
    byte[] digits = new byte[text.length()];
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      int v = c < 128 ? BASE58_INDEX[c] : -1;
      if (v < 0)
        throw new IllegalArgumentException(
            "not a base58btc character at position " + i + ": '" + c + "'");
      digits[i] = (byte) v;
    }
    int zeros = 0;
    while (zeros < digits.length && digits[zeros] == 0) zeros++;
    byte[] out = new byte[text.length()];
    int outStart = out.length;
    int start = zeros;
    while (start < digits.length) {
      int remainder = 0;
      for (int i = start; i < digits.length; i++) {
        int digit = (digits[i] & 0xFF) + remainder * 58;
        digits[i] = (byte) (digit / 256);
        remainder = digit % 256;
      }
      out[--outStart] = (byte) remainder;
      while (start < digits.length && digits[start] == 0) start++;
    }
    while (outStart < out.length && out[outStart] == 0) outStart++;
    byte[] result = new byte[zeros + out.length - outStart];
    System.arraycopy(out, outStart, result, zeros, out.length - outStart);
    return result;
  }

  static byte[] decodeBase16(String text) {
    if (text.length() % 2 != 0)
      throw new IllegalArgumentException("base16 string of odd length " + text.length());
    byte[] out = new byte[text.length() / 2];
    for (int i = 0; i < out.length; i++) {
      int hi = Character.digit(text.charAt(2 * i), 16),
          lo = Character.digit(text.charAt(2 * i + 1), 16);
      if (hi < 0 || lo < 0)
        throw new IllegalArgumentException("not a base16 character near position " + 2 * i);
      out[i] = (byte) (hi << 4 | lo);
    }
    return out;
  }
}
