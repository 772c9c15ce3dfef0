package org.jgolem.ipfs.unixfs;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.jgolem.ipfs.multiformats.Varint;

/** The few protobuf wire-format pieces the dag-pb and UnixFS messages need. */
final class Protobuf {
  static final int VARINT = 0;
  static final int I64 = 1;
  static final int LEN = 2;
  static final int I32 = 5;

  private Protobuf() {}

  /** A growing output buffer. */
  static final class Writer {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    private final byte[] scratch = new byte[Varint.MAX_BYTES + 1];

    void varint(long v) {
      int n = Varint.write(v, scratch, 0);
      out.write(scratch, 0, n);
    }

    void tag(int field, int wireType) {
      varint(((long) field << 3) | wireType);
    }

    void uint64(int field, long v) {
      tag(field, VARINT);
      varint(v);
    }

    void bytes(int field, byte[] b) {
      tag(field, LEN);
      varint(b.length);
      out.write(b, 0, b.length);
    }

    void string(int field, String s) {
      bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    byte[] toByteArray() {
      return out.toByteArray();
    }
  }

  /** Reads fields from a byte range; every error names the message and offset. */
  static final class Reader {
    private final byte[] in;
    private final String what;
    private int pos;
    private final int limit;

    Reader(byte[] in, int offset, int limit, String what) {
      this.in = in;
      this.pos = offset;
      this.limit = limit;
      this.what = what;
    }

    boolean hasMore() {
      return pos < limit;
    }

    int position() {
      return pos;
    }

    long varint() {
      try {
        Varint.Decoded d = Varint.decode(in, pos, limit);
        pos += d.length();
        return d.value();
      } catch (IllegalArgumentException e) {
        throw error(e.getMessage());
      }
    }

    /** Reads a tag; returns {field, wireType}. */
    int[] tag() {
      long t = varint();
      int field = (int) (t >>> 3);
      if (field == 0 || t >>> 3 > Integer.MAX_VALUE)
        throw error("invalid field number " + (t >>> 3));
      return new int[] {field, (int) (t & 7)};
    }

    /** Reads a length-delimited field's bounds: returns the start; position moves past it. */
    int lengthDelimited() {
      long len = varint();
      if (len > limit - pos)
        throw error("length " + len + " runs past the end (" + (limit - pos) + " bytes left)");
      int start = pos;
      pos += (int) len;
      return start;
    }

    void skip(int wireType) {
      switch (wireType) {
        case VARINT -> varint();
        case I64 -> advance(8);
        case I32 -> advance(4);
        case LEN -> lengthDelimited();
        default -> throw error("unsupported wire type " + wireType);
      }
    }

    private void advance(int n) {
      if (n > limit - pos) throw error("truncated fixed-size field");
      pos += n;
    }

    IllegalArgumentException error(String message) {
      return new IllegalArgumentException("invalid " + what + " at byte " + pos + ": " + message);
    }
  }
}
