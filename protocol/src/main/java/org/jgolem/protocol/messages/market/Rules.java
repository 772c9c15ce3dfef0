package org.jgolem.protocol.messages.market;

import java.math.BigInteger;
import java.util.List;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.InvalidMessageException;

/**
 * Validation rules shared by the market and Concent payloads; each failure names the field at
 * fault.
 */
public final class Rules {
  public static final int ID_LENGTH = 32;
  public static final int MAX_DETAIL = 256;

  private Rules() {}

  public static void bytes32(String field, byte[] b) {
    if (b == null || b.length != ID_LENGTH) {
      throw InvalidMessageException.invalid(field, "must have 32 bytes");
    }
  }

  /** 32 bytes, not all zero (a real id). */
  public static void id(String field, byte[] b) {
    bytes32(field, b);
    if (isZero(b)) {
      throw InvalidMessageException.invalid(field, "must not be zero");
    }
  }

  public static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  public static void address(String field, Address a) {
    if (a == null) {
      throw InvalidMessageException.invalid(field, "is missing");
    }
    if (a.isZero()) {
      throw InvalidMessageException.invalid(field, "must not be the zero address");
    }
  }

  public static void uint256(String field, BigInteger v) {
    if (v == null || v.signum() < 0 || v.bitLength() > 256) {
      throw InvalidMessageException.invalid(field, "must be a non-negative uint256");
    }
  }

  public static void nonNegative(String field, long v) {
    if (v < 0) {
      throw InvalidMessageException.invalid(field, "must not be negative, got " + v);
    }
  }

  public static void range(String field, long v, long min, long max) {
    if (v < min || v > max) {
      throw InvalidMessageException.invalid(field, "must be in " + min + ".." + max + ", got " + v);
    }
  }

  public static void present(String field, Object o) {
    if (o == null) {
      throw InvalidMessageException.invalid(field, "is missing or unknown");
    }
  }

  public static void string(String field, String s, int min, int max) {
    if (s == null || s.length() < min || s.length() > max) {
      throw InvalidMessageException.invalid(field, "must have " + min + ".." + max + " characters");
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == 0) {
        throw InvalidMessageException.invalid(field, "must not contain NUL");
      }
    }
  }

  public static void strings(
      String field, List<String> list, int maxItems, int minLength, int maxLength) {
    if (list == null || list.size() > maxItems) {
      throw InvalidMessageException.invalid(field, "must list at most " + maxItems);
    }
    for (int i = 0; i < list.size(); i++) {
      string(field + "[" + i + "]", list.get(i), minLength, maxLength);
    }
  }

  public static void environment(String field, String e) {
    if (e == null || !(e.equals("wasm") || e.equals("docker"))) {
      throw InvalidMessageException.invalid(field, "must be \"wasm\" or \"docker\"");
    }
  }

  public static byte[] copy(byte[] b) {
    return b == null ? null : b.clone();
  }
}
