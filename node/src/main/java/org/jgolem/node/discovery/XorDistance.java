package org.jgolem.node.discovery;

import java.util.Comparator;
import java.util.Random;
import org.jgolem.eth.Address;

/** Kademlia's metric on 160-bit node ids: d(a, b) = a XOR b, read as an unsigned integer. */
public final class XorDistance {
  public static final int ID_BITS = 160;

  private XorDistance() {}

  /** a XOR b as 20 bytes. */
  public static byte[] between(Address a, Address b) {
    byte[] x = a.toBytes();
    byte[] y = b.toBytes();
    for (int i = 0; i < x.length; i++) {
      x[i] ^= y[i];
    }
    return x;
  }

  /** How many leading bits a and b share: 160 if equal, 0 if they differ in the top bit. */
  public static int commonPrefixLength(Address a, Address b) {
    return commonPrefixLength(a.toBytes(), b.toBytes());
  }

  static int commonPrefixLength(byte[] a, byte[] b) {
    for (int i = 0; i < a.length; i++) {
      int x = (a[i] ^ b[i]) & 0xff;
      if (x != 0) {
        return i * 8 + Integer.numberOfLeadingZeros(x) - 24;
      }
    }
    return a.length * 8;
  }

  /** Negative if a is closer to target than b, zero if a equals b. */
  public static int compare(Address target, Address a, Address b) {
    byte[] t = target.toBytes();
    byte[] x = a.toBytes();
    byte[] y = b.toBytes();
    for (int i = 0; i < t.length; i++) {
      int dx = (x[i] ^ t[i]) & 0xff;
      int dy = (y[i] ^ t[i]) & 0xff;
      if (dx != dy) {
        return Integer.compare(dx, dy);
      }
    }
    return 0;
  }

  /** Orders ids nearest-first to {@code target}. */
  public static Comparator<Address> closerTo(Address target) {
    byte[] t = target.toBytes();
    return (a, b) -> {
      byte[] x = a.toBytes();
      byte[] y = b.toBytes();
      for (int i = 0; i < t.length; i++) {
        int dx = (x[i] ^ t[i]) & 0xff;
        int dy = (y[i] ^ t[i]) & 0xff;
        if (dx != dy) {
          return Integer.compare(dx, dy);
        }
      }
      return 0;
    };
  }

  /**
   * A random id whose common prefix with {@code self} is exactly {@code prefixLength} bits (or,
   * with {@code atLeast}, at least that many), for refreshing the bucket that covers it.
   */
  public static Address randomWithPrefix(
      Address self, int prefixLength, boolean atLeast, Random random) {
    if (prefixLength < 0 || prefixLength >= ID_BITS) {
      throw new IllegalArgumentException("prefix length must be in 0..159, got " + prefixLength);
    }
    byte[] s = self.toBytes();
    byte[] out = new byte[s.length];
    random.nextBytes(out);
    for (int bit = 0; bit < prefixLength; bit++) {
      setBit(out, bit, getBit(s, bit));
    }
    if (!atLeast) {
      setBit(out, prefixLength, !getBit(s, prefixLength));
    }
    return Address.of(out);
  }

  private static boolean getBit(byte[] b, int bit) {
    return (b[bit / 8] & (0x80 >>> (bit % 8))) != 0;
  }

  private static void setBit(byte[] b, int bit, boolean on) {
    int mask = 0x80 >>> (bit % 8);
    b[bit / 8] = (byte) (on ? b[bit / 8] | mask : b[bit / 8] & ~mask);
  }
}
