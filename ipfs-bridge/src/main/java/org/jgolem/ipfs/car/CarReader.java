package org.jgolem.ipfs.car;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.ipfs.multiformats.Varint;

/**
 * Reads a CAR v1 stream block by block. It does not verify blocks: callers check each against its
 * CID (a CAR is untrusted input). Sizes are bounded: a header of at most 64 KiB, blocks of at most
 * maxBlock bytes.
 */
public final class CarReader {
  private static final int MAX_HEADER = 64 * 1024;

  /** One section: a CID and the bytes claimed to be its block. */
  public record Block(Cid cid, byte[] data) {}

  private final InputStream in;
  private final int maxBlock;
  private final List<Cid> roots;

  public CarReader(InputStream in, int maxBlock) throws IOException {
    this.in = in;
    this.maxBlock = maxBlock;
    long len = Varint.read(in);
    if (len < 0) throw new EOFException("empty CAR stream (no header)");
    if (len == 0 || len > MAX_HEADER)
      throw new IOException("CAR header length " + len + " is out of range");
    byte[] h = in.readNBytes((int) len);
    if (h.length != len) throw new EOFException("CAR stream ended inside its header");
    this.roots = parseHeader(h);
  }

  public List<Cid> roots() {
    return roots;
  }

  /** The next block, or null at the end of the stream. */
  public Block next() throws IOException {
    long len = Varint.read(in);
    if (len < 0) return null;
    if (len > maxBlock + (long) Cid.MAX_LENGTH)
      throw new IOException(
          "CAR section of " + len + " bytes is larger than allowed (" + maxBlock + ")");
    CountingIn counted = new CountingIn(in);
    Cid cid = Cid.read(counted);
    long dataLen = len - counted.count;
    if (dataLen < 0)
      throw new IOException("CAR section length " + len + " is shorter than its CID");
    // one array, filled in place (readNBytes(int) would read in 16 KiB pieces and copy them once
    // more)
    byte[] data = new byte[(int) dataLen];
    if (in.readNBytes(data, 0, data.length) != dataLen)
      throw new EOFException("CAR stream ended inside block " + cid);
    return new Block(cid, data);
  }

  private static final class CountingIn extends InputStream {
    final InputStream in;
    int count;

    CountingIn(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) count++;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) count += n;
      return n;
    }
  }

  // ---- a minimal DAG-CBOR reader for the header ----

  private static List<Cid> parseHeader(byte[] h) throws IOException {
    int[] pos = {0};
    try {
      Object o = item(h, pos, 0);
      if (pos[0] != h.length) throw new IOException("CAR header has trailing bytes");
      if (!(o instanceof java.util.Map<?, ?> m)) throw new IOException("CAR header is not a map");
      Object version = m.get("version");
      if (!(version instanceof Long v) || v != 1)
        throw new IOException("unsupported CAR version " + version + " (only 1)");
      Object r = m.get("roots");
      if (!(r instanceof List<?> list)) throw new IOException("CAR header has no roots array");
      List<Cid> roots = new ArrayList<>();
      for (Object x : list) {
        if (!(x instanceof Cid c)) throw new IOException("CAR header root is not a CID");
        roots.add(c);
      }
      return roots;
    } catch (ArrayIndexOutOfBoundsException | IllegalArgumentException e) {
      throw new IOException("malformed CAR header: " + e.getMessage(), e);
    }
  }

  private static Object item(byte[] h, int[] pos, int depth) throws IOException {
    if (depth > 16) throw new IOException("CAR header nested too deeply");
    int ib = h[pos[0]++] & 0xff;
    int major = ib >>> 5;
    long arg = argument(h, pos, ib & 31);
    switch (major) {
      case 0:
        return arg;
      case 1:
        return -1 - arg;
      case 2:
      case 3:
        {
          if (arg > h.length - pos[0]) throw new IOException("CBOR string runs past the header");
          byte[] b = Arrays.copyOfRange(h, pos[0], pos[0] + (int) arg);
          pos[0] += (int) arg;
          return major == 2 ? b : new String(b, StandardCharsets.UTF_8);
        }
      case 4:
        {
          if (arg > h.length) throw new IOException("CBOR array too long");
          List<Object> l = new ArrayList<>();
          for (long i = 0; i < arg; i++) l.add(item(h, pos, depth + 1));
          return l;
        }
      case 5:
        {
          if (arg > h.length) throw new IOException("CBOR map too long");
          java.util.Map<Object, Object> m = new java.util.HashMap<>();
          for (long i = 0; i < arg; i++) m.put(item(h, pos, depth + 1), item(h, pos, depth + 1));
          return m;
        }
      case 6:
        {
          Object inner = item(h, pos, depth + 1);
          if (arg == 42) {
            if (!(inner instanceof byte[] b) || b.length < 2 || b[0] != 0)
              throw new IOException("bad CID in CAR header");
            return Cid.decode(Arrays.copyOfRange(b, 1, b.length));
          }
          return inner;
        }
      default:
        return null; // simple values and floats: not used in a CAR header
    }
  }

  private static long argument(byte[] h, int[] pos, int ai) throws IOException {
    if (ai < 24) return ai;
    int n =
        switch (ai) {
          case 24 -> 1;
          case 25 -> 2;
          case 26 -> 4;
          case 27 -> 8;
          default -> throw new IOException("indefinite-length CBOR is not allowed in DAG-CBOR");
        };
    long v = 0;
    for (int i = 0; i < n; i++) v = (v << 8) | (h[pos[0]++] & 0xff);
    if (v < 0) throw new IOException("CBOR argument too large");
    return v;
  }
}
