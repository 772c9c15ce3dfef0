package org.jgolem.ipfs.multiformats;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * A content identifier: CIDv0 (a bare sha2-256 multihash of a dag-pb block, written in base58btc,
 * "Qm...") or CIDv1 ({@code varint(1) varint(codec) multihash}, written in multibase; base32 by
 * default, "bafy..."/"bafk..."). Immutable; equal when the binary form is equal (so a CIDv0 and its
 * CIDv1 form differ: use {@link #toV1()}).
 */
public final class Cid implements Comparable<Cid> {
  public static final int RAW = 0x55;
  public static final int DAG_PB = 0x70;
  public static final int DAG_CBOR = 0x71;

  /**
   * Longest CID accepted when parsing: a version, a codec and a multihash with a 128-byte digest.
   */
  public static final int MAX_LENGTH = 160;

  private final int version;
  private final long codec;
  private final Multihash multihash;
  private final byte[] bytes;
  private final int hash;

  /**
   * The text form, made on first use (CIDs are printed, compared as text and used as keys again and
   * again).
   */
  private String text;

  private Cid(int version, long codec, Multihash multihash) {
    this.version = version;
    this.codec = codec;
    this.multihash = multihash;
    if (version == 0) {
      this.bytes = multihash.bytes();
    } else {
      byte[] out = new byte[1 + Varint.size(codec) + multihash.encodedLength()];
      int o = Varint.write(1, out, 0);
      o = Varint.write(codec, out, o);
      multihash.copyBytes(out, o);
      this.bytes = out;
    }
    this.hash = Arrays.hashCode(bytes);
  }

  public static Cid v1(long codec, Multihash multihash) {
    if (codec < 0) throw new IllegalArgumentException("negative codec");
    return new Cid(1, codec, multihash);
  }

  public static Cid v0(Multihash multihash) {
    if (multihash.code() != Multihash.SHA2_256)
      throw new IllegalArgumentException(
          "a CIDv0 must be a sha2-256 multihash, got code 0x"
              + Integer.toHexString(multihash.code()));
    return new Cid(0, DAG_PB, multihash);
  }

  /** CIDv1 of a raw block with sha2-256. */
  public static Cid raw(byte[] data) {
    return v1(RAW, Multihash.sha256(data));
  }

  public static Cid dagPb(byte[] block) {
    return v1(DAG_PB, Multihash.sha256(block));
  }

  /** Parses "Qm..." (CIDv0) or a multibase-encoded CIDv1 (base32, base58btc, base16). */
  public static Cid parse(String text) {
    if (text == null) throw new IllegalArgumentException("CID is null");
    String t = text.strip();
    try {
      if (t.length() == 46 && t.startsWith("Qm")) return decode(Multibase.decodeBase58(t));
      if (t.isEmpty()) throw new IllegalArgumentException("empty string");
      Cid cid = decode(Multibase.decode(t));
      if (cid.version == 0)
        throw new IllegalArgumentException("a CIDv0 must be written in bare base58btc (Qm...)");
      return cid;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "invalid CID '" + abbreviate(t) + "': " + e.getMessage(), e);
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 100 ? s : s.substring(0, 100) + "...";
  }

  /** Decodes the binary form of a CID (the whole array). */
  public static Cid decode(byte[] in) {
    Parsed p = parse(in, 0, in.length);
    if (p.length() != in.length)
      throw new IllegalArgumentException("CID has " + (in.length - p.length()) + " trailing bytes");
    return p.cid();
  }

  public record Parsed(Cid cid, int length) {}

  /** Parses a CID at in[offset..limit) and says how many bytes it took. */
  public static Parsed parse(byte[] in, int offset, int limit) {
    if (limit - offset >= 2 && in[offset] == 0x12 && in[offset + 1] == 0x20) {
      Multihash.Parsed mh = Multihash.parse(in, offset, limit);
      return new Parsed(v0(mh.multihash()), mh.length());
    }
    Varint.Decoded version = Varint.decode(in, offset, limit);
    if (version.value() != 1)
      throw new IllegalArgumentException("unsupported CID version " + version.value());
    Varint.Decoded codec = Varint.decode(in, offset + version.length(), limit);
    int mhStart = offset + version.length() + codec.length();
    Multihash.Parsed mh = Multihash.parse(in, mhStart, limit);
    return new Parsed(v1(codec.value(), mh.multihash()), mhStart + mh.length() - offset);
  }

  /** Reads one binary CID from a stream (as in a CAR section). */
  public static Cid read(InputStream in) throws IOException {
    byte[] buf = new byte[MAX_LENGTH];
    int n = 0;
    int first = in.read();
    if (first < 0) throw new EOFException("stream ended before a CID");
    buf[n++] = (byte) first;
    int second = in.read();
    if (second < 0) throw new EOFException("stream ended inside a CID");
    buf[n++] = (byte) second;
    if (first == 0x12 && second == 0x20) {
      n += readFully(in, buf, n, 32);
      return decode(Arrays.copyOf(buf, n));
    }
    // version and codec varints: read byte by byte until the multihash length is known
    int varintsWanted = 4; // version, codec, hash code, digest length
    int varintsDone = 0;
    for (int i = 0; i < n; i++) if ((buf[i] & 0x80) == 0) varintsDone++;
    while (varintsDone < varintsWanted) {
      if (n >= 40) throw new IOException("CID header is too long");
      int b = in.read();
      if (b < 0) throw new EOFException("stream ended inside a CID");
      buf[n++] = (byte) b;
      if ((b & 0x80) == 0) varintsDone++;
    }
    // the last varint is the digest length
    int start = n - 1;
    while (start > 0 && (buf[start - 1] & 0x80) != 0) start--;
    long digestLength = Varint.decode(buf, start, n).value();
    if (digestLength > MAX_LENGTH - n)
      throw new IOException("CID digest length " + digestLength + " is too long");
    n += readFully(in, buf, n, (int) digestLength);
    try {
      return decode(Arrays.copyOf(buf, n));
    } catch (IllegalArgumentException e) {
      throw new IOException("invalid CID in stream: " + e.getMessage(), e);
    }
  }

  private static int readFully(InputStream in, byte[] buf, int off, int len) throws IOException {
    int r = in.readNBytes(buf, off, len);
    if (r != len) throw new EOFException("stream ended inside a CID");
    return len;
  }

  public int version() {
    return version;
  }

  public long codec() {
    return codec;
  }

  public Multihash multihash() {
    return multihash;
  }

  public boolean isRaw() {
    return codec == RAW;
  }

  public boolean isDagPb() {
    return codec == DAG_PB;
  }

  public byte[] bytes() {
    return bytes.clone();
  }

  public int length() {
    return bytes.length;
  }

  public void copyBytes(byte[] out, int offset) {
    System.arraycopy(bytes, 0, out, offset, bytes.length);
  }

  public Cid toV1() {
    return version == 1 ? this : v1(codec, multihash);
  }

  /** Whether block hashes to this CID. */
  public boolean verifies(byte[] block, int offset, int length) {
    return multihash.matches(block, offset, length);
  }

  public boolean verifies(byte[] block) {
    return multihash.matches(block, 0, block.length);
  }

  public String toString(Multibase.Base base) {
    if (version == 0)
      throw new IllegalStateException("a CIDv0 has no multibase form; use toString()");
    return Multibase.encode(base, bytes);
  }

  /** CIDv0: base58btc ("Qm..."); CIDv1: base32 ("b..."), as Kubo prints them. */
  @Override
  public String toString() {
    String t = text;
    if (t == null) {
      t = version == 0 ? Multibase.base58(bytes) : Multibase.encode(Multibase.Base.BASE32, bytes);
      text = t; // a race only computes the same immutable string twice
    }
    return t;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cid c && hash == c.hash && Arrays.equals(bytes, c.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public int compareTo(Cid o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }
}
