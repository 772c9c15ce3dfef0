package org.jgolem.ipfs.unixfs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The UnixFS {@code Data} protobuf carried in a dag-pb node's data field: {@code Type = 1; Data =
 * 2; filesize = 3; repeated blocksizes = 4; hashType = 5; fanout = 6; mode = 7; mtime = 8}. Written
 * as Kubo writes it (blocksizes unpacked, absent optional fields omitted); mode and mtime are read
 * and skipped (this library neither writes nor applies them).
 */
public record UnixFsData(
    Type type, byte[] data, Long fileSize, List<Long> blockSizes, Long hashType, Long fanout) {
  public enum Type {
    RAW,
    DIRECTORY,
    FILE,
    METADATA,
    SYMLINK,
    HAMT_SHARD;

    static Type of(long n) {
      if (n < 0 || n >= values().length)
        throw new IllegalArgumentException("unknown UnixFS type " + n);
      return values()[(int) n];
    }
  }

  public UnixFsData {
    if (type == null) throw new IllegalArgumentException("UnixFS data without a Type");
    blockSizes = List.copyOf(blockSizes);
  }

  public static UnixFsData file(byte[] data, long fileSize, List<Long> blockSizes) {
    return new UnixFsData(Type.FILE, data, fileSize, blockSizes, null, null);
  }

  public static UnixFsData directory() {
    return new UnixFsData(Type.DIRECTORY, null, null, List.of(), null, null);
  }

  public byte[] encode() {
    Protobuf.Writer w = new Protobuf.Writer();
    w.uint64(1, type.ordinal());
    if (data != null && data.length > 0) w.bytes(2, data);
    if (fileSize != null) w.uint64(3, fileSize);
    for (long b : blockSizes) w.uint64(4, b);
    if (hashType != null) w.uint64(5, hashType);
    if (fanout != null) w.uint64(6, fanout);
    return w.toByteArray();
  }

  public static UnixFsData decode(byte[] in) {
    if (in == null)
      throw new IllegalArgumentException("dag-pb node has no data field, so it is not UnixFS");
    Protobuf.Reader r = new Protobuf.Reader(in, 0, in.length, "UnixFS data");
    Type type = null;
    byte[] data = null;
    Long fileSize = null, hashType = null, fanout = null;
    List<Long> blockSizes = new ArrayList<>();
    while (r.hasMore()) {
      int[] tag = r.tag();
      int field = tag[0], wire = tag[1];
      switch (field) {
        case 1 -> type = Type.of(expectVarint(r, wire, "Type"));
        case 2 -> {
          if (wire != Protobuf.LEN) throw r.error("Data has wire type " + wire);
          int s = r.lengthDelimited();
          data = Arrays.copyOfRange(in, s, r.position());
        }
        case 3 -> fileSize = expectVarint(r, wire, "filesize");
        case 4 -> {
          if (wire == Protobuf.LEN) { // packed
            int s = r.lengthDelimited();
            Protobuf.Reader p = new Protobuf.Reader(in, s, r.position(), "UnixFS blocksizes");
            while (p.hasMore()) blockSizes.add(p.varint());
          } else {
            blockSizes.add(expectVarint(r, wire, "blocksizes"));
          }
        }
        case 5 -> hashType = expectVarint(r, wire, "hashType");
        case 6 -> fanout = expectVarint(r, wire, "fanout");
        default -> r.skip(wire); // mode, mtime and future fields
      }
    }
    if (type == null) throw r.error("no Type field");
    for (long b : blockSizes) if (b < 0) throw r.error("blocksize too large");
    if (fileSize != null && fileSize < 0) throw r.error("filesize too large");
    return new UnixFsData(type, data, fileSize, blockSizes, hashType, fanout);
  }

  private static long expectVarint(Protobuf.Reader r, int wire, String name) {
    if (wire != Protobuf.VARINT) throw r.error(name + " has wire type " + wire);
    return r.varint();
  }

  public int dataLength() {
    return data == null ? 0 : data.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UnixFsData u
        && type == u.type
        && Arrays.equals(data, u.data)
        && java.util.Objects.equals(fileSize, u.fileSize)
        && blockSizes.equals(u.blockSizes)
        && java.util.Objects.equals(hashType, u.hashType)
        && java.util.Objects.equals(fanout, u.fanout);
  }

  @Override
  public int hashCode() {
    return type.hashCode() * 31 + blockSizes.hashCode();
  }
}
