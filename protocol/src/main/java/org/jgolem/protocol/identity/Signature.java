package org.jgolem.protocol.identity;

import java.util.Arrays;
import java.util.HexFormat;

/** A secp256k1 signature in Ethereum form: r (32 bytes), s (32 bytes, low), v (27 or 28). */
public record Signature(byte[] r, byte[] s, int v) {
  public static final int LENGTH = 65;

  public Signature {
    if (r.length != 32 || s.length != 32) {
      throw new IllegalArgumentException("r and s must be 32 bytes each");
    }
    r = r.clone();
    s = s.clone();
  }

  @Override
  public byte[] r() {
    return r.clone();
  }

  @Override
  public byte[] s() {
    return s.clone();
  }

  /** r ‖ s ‖ v, 65 bytes. */
  public byte[] toBytes() {
    byte[] out = new byte[LENGTH];
    System.arraycopy(r, 0, out, 0, 32);
    System.arraycopy(s, 0, out, 32, 32);
    out[64] = (byte) v;
    return out;
  }

  public static Signature fromBytes(byte[] b) {
    if (b.length != LENGTH) {
      throw new IllegalArgumentException("a signature has 65 bytes, got " + b.length);
    }
    return new Signature(Arrays.copyOfRange(b, 0, 32), Arrays.copyOfRange(b, 32, 64), b[64] & 0xff);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Signature x && v == x.v && Arrays.equals(r, x.r) && Arrays.equals(s, x.s);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(r) + Arrays.hashCode(s) + v;
  }

  @Override
  public String toString() {
    return "Signature[0x" + HexFormat.of().formatHex(toBytes()) + "]";
  }
}
