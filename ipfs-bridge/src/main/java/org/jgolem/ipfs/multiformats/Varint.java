package org.jgolem.ipfs.multiformats;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * The multiformats unsigned varint: 7 bits a byte, least significant group first, the high bit set
 * on every byte but the last. As the spec requires, at most 9 bytes (63 bits) and minimally
 * encoded: a trailing zero group ("0x80 0x00") is refused.
 */
public final class Varint {
  public static final int MAX_BYTES = 9;

  private Varint() {}

  public static int size(long value) {
    if (value < 0) throw new IllegalArgumentException("varint of a negative number: " + value);
    int n = 1;
    while ((value >>>= 7) != 0) n++;
    return n;
  }

  public static byte[] encode(long value) {
    byte[] out = new byte[size(value)];
    write(value, out, 0);
    return out;
  }

  /** Writes value at out[offset]; returns the offset after it. */
  public static int write(long value, byte[] out, int offset) {
    if (value < 0) throw new IllegalArgumentException("varint of a negative number: " + value);
    while ((value & ~0x7FL) != 0) {
      out[offset++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    out[offset++] = (byte) value;
    return offset;
  }

  public static void write(long value, ByteBuffer out) {
    if (value < 0) throw new IllegalArgumentException("varint of a negative number: " + value);
    while ((value & ~0x7FL) != 0) {
      out.put((byte) ((value & 0x7F) | 0x80));
      value >>>= 7;
    }
    out.put((byte) value);
  }

  /** A decoded value and the number of bytes it took. */
  public record Decoded(long value, int length) {}

  public static Decoded decode(byte[] in, int offset, int limit) {
    long value = 0;
    for (int i = 0; i < MAX_BYTES; i++) {
      if (offset + i >= limit)
        throw new IllegalArgumentException("varint is truncated at byte " + (offset + i));
      int b = in[offset + i] & 0xFF;
      value |= (long) (b & 0x7F) << (7 * i);
      if ((b & 0x80) == 0) {
        if (b == 0 && i > 0)
          throw new IllegalArgumentException("varint is not minimally encoded at byte " + offset);
        return new Decoded(value, i + 1);
      }
    }
    throw new IllegalArgumentException(
        "varint longer than " + MAX_BYTES + " bytes at byte " + offset);
  }

  public static long read(ByteBuffer in) {
    long value = 0;
    for (int i = 0; i < MAX_BYTES; i++) {
      if (!in.hasRemaining()) throw new IllegalArgumentException("varint is truncated");
      int b = in.get() & 0xFF;
      value |= (long) (b & 0x7F) << (7 * i);
      if ((b & 0x80) == 0) {
        if (b == 0 && i > 0) throw new IllegalArgumentException("varint is not minimally encoded");
        return value;
      }
    }
    throw new IllegalArgumentException("varint longer than " + MAX_BYTES + " bytes");
  }

  /** Reads a varint from a stream; returns -1 on a clean end of stream before the first byte. */
  public static long read(InputStream in) throws IOException {
    long value = 0;
    for (int i = 0; i < MAX_BYTES; i++) {
      int b = in.read();
      if (b < 0) {
        if (i == 0) return -1;
        throw new EOFException("stream ended inside a varint");
      }
      value |= (long) (b & 0x7F) << (7 * i);
      if ((b & 0x80) == 0) {
        if (b == 0 && i > 0) throw new IOException("varint is not minimally encoded");
        return value;
      }
    }
    throw new IOException("varint longer than " + MAX_BYTES + " bytes");
  }
}
