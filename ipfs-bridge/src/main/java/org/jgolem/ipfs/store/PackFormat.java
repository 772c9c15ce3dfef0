package org.jgolem.ipfs.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.ipfs.multiformats.Varint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The records of a {@link BlockStore} on disk: in a pack {@code varint(len(cid)) cid
 * varint(len(data)) data}; in a file pack's sidecar index {@code varint(len(cid)) cid
 * varint(offset) varint(length)}. Writing them and reading them back, cutting off a record that a
 * crash left partial.
 */
final class PackFormat {
  private static final Logger log = LoggerFactory.getLogger(PackFormat.class);

  private PackFormat() {}

  /**
   * A record found: the block's CID, where its record starts, and where and how long its data is.
   */
  @FunctionalInterface
  interface RecordVisitor {
    void record(Cid cid, long recordStart, long dataOffset, long length);
  }

  /** The head of a pack record: varint(len(cid)) cid varint(length). */
  static byte[] head(Cid k, int length) {
    byte[] cid = k.bytes();
    byte[] head = new byte[Varint.size(cid.length) + cid.length + Varint.size(length)];
    int o = Varint.write(cid.length, head, 0);
    System.arraycopy(cid, 0, head, o, cid.length);
    Varint.write(length, head, o + cid.length);
    return head;
  }

  /** A sidecar index record: varint(len(cid)) cid varint(offset) varint(length). */
  static byte[] indexRecord(Cid k, long offset, int length) {
    byte[] cb = k.bytes();
    byte[] rec =
        new byte[Varint.size(cb.length) + cb.length + Varint.size(offset) + Varint.size(length)];
    int o = Varint.write(cb.length, rec, 0);
    System.arraycopy(cb, 0, rec, o, cb.length);
    o = Varint.write(offset, rec, o + cb.length);
    Varint.write(length, rec, o);
    return rec;
  }

  /**
   * Visits a pack's records; cuts off a partial record at its end (an append interrupted by a
   * crash). Returns the end.
   */
  static long scan(Pack p, RecordVisitor visitor) throws IOException {
    long size = p.ch.size(), pos = 0;
    ByteBuffer head = ByteBuffer.allocate(Varint.MAX_BYTES * 2 + Cid.MAX_LENGTH);
    while (pos < size) {
      head.clear();
      int n = p.ch.read(head, pos);
      byte[] h = head.array();
      long dataOffset;
      Cid cid;
      long len;
      try {
        Varint.Decoded cl = Varint.decode(h, 0, n);
        Cid.Parsed parsed = Cid.parse(h, cl.length(), cl.length() + (int) cl.value());
        cid = parsed.cid();
        Varint.Decoded dl = Varint.decode(h, cl.length() + parsed.length(), n);
        len = dl.value();
        dataOffset = pos + cl.length() + parsed.length() + dl.length();
        if (len > BlockStore.MAX_BLOCK_SIZE || dataOffset + len > size)
          throw new IllegalArgumentException("record runs past the end");
      } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
        log.warn(
            "pack {} ends in a partial record at byte {} ({}); cutting it off",
            p.path,
            pos,
            e.getMessage());
        p.ch.truncate(pos);
        break;
      }
      visitor.record(cid, pos, dataOffset, len);
      pos = dataOffset + len;
    }
    return pos;
  }

  /**
   * Visits the records of a file pack's sidecar that fit in its packSize bytes (others are
   * skipped); cuts off a record that a crash left partial.
   */
  static void readIndex(FileChannel sc, long packSize, RecordVisitor visitor) throws IOException {
    byte[] idx = new byte[(int) Math.min(Integer.MAX_VALUE - 8, sc.size())];
    ByteBuffer buf = ByteBuffer.wrap(idx);
    while (buf.hasRemaining()) if (sc.read(buf, buf.position()) < 0) break;
    int pos = 0;
    while (pos < idx.length) {
      try {
        Varint.Decoded cl = Varint.decode(idx, pos, idx.length);
        Cid.Parsed parsed = Cid.parse(idx, pos + cl.length(), pos + cl.length() + (int) cl.value());
        Varint.Decoded off = Varint.decode(idx, pos + cl.length() + parsed.length(), idx.length);
        Varint.Decoded len =
            Varint.decode(idx, pos + cl.length() + parsed.length() + off.length(), idx.length);
        int start = pos;
        pos += cl.length() + parsed.length() + off.length() + len.length();
        if (off.value() + len.value() > packSize || len.value() > BlockStore.MAX_BLOCK_SIZE)
          continue;
        visitor.record(parsed.cid(), start, off.value(), len.value());
      } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
        sc.truncate(pos); // an index record cut short by a crash
        break;
      }
    }
  }
}
