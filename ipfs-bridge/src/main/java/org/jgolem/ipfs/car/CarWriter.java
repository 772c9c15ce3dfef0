package org.jgolem.ipfs.car;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.ipfs.multiformats.Varint;

/**
 * CAR v1: {@code varint(len) header} with the header the DAG-CBOR map {roots: [CID...], version:
 * 1}, then blocks as {@code varint(len(cid) + len(data)) cid data}.
 */
public final class CarWriter {
  private CarWriter() {}

  public static byte[] header(List<Cid> roots) {
    if (roots.size() > 255) throw new IllegalArgumentException("too many roots: " + roots.size());
    java.io.ByteArrayOutputStream h = new java.io.ByteArrayOutputStream();
    h.write(0xa2); // map(2), keys in DAG-CBOR order: "roots" (5 bytes) before "version" (7)
    h.write(0x65);
    h.writeBytes("roots".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    if (roots.size() < 24) h.write(0x80 + roots.size());
    else {
      h.write(0x98);
      h.write(roots.size());
    }
    for (Cid c : roots) {
      byte[] b = c.bytes();
      h.write(0xd8);
      h.write(42); // tag 42: CID
      int len = b.length + 1; // a leading 0x00 (the identity multibase)
      if (len < 24) h.write(0x40 + len);
      else {
        h.write(0x58);
        h.write(len);
      }
      h.write(0);
      h.writeBytes(b);
    }
    h.write(0x67);
    h.writeBytes("version".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    h.write(0x01);
    byte[] body = h.toByteArray();
    byte[] out = new byte[Varint.size(body.length) + body.length];
    int o = Varint.write(body.length, out, 0);
    System.arraycopy(body, 0, out, o, body.length);
    return out;
  }

  /** The bytes that precede a block's data in a CAR section. */
  public static byte[] sectionPrefix(Cid cid, int dataLength) {
    int cidLen = cid.length();
    byte[] out = new byte[Varint.size((long) cidLen + dataLength) + cidLen];
    int o = Varint.write((long) cidLen + dataLength, out, 0);
    cid.copyBytes(out, o);
    return out;
  }

  public static void writeHeader(OutputStream out, List<Cid> roots) throws IOException {
    out.write(header(roots));
  }

  public static void writeBlock(OutputStream out, Cid cid, byte[] data, int offset, int length)
      throws IOException {
    out.write(sectionPrefix(cid, length));
    out.write(data, offset, length);
  }
}
