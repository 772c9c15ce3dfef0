package org.jgolem.ipfs.unixfs;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jgolem.ipfs.multiformats.Cid;

/**
 * A dag-pb node (codec 0x70): {@code message PBNode { repeated PBLink Links = 2; optional bytes
 * Data = 1; }} with {@code message PBLink { optional bytes Hash = 1; optional string Name = 2;
 * optional uint64 Tsize = 3; }}. Encoded canonically as the dag-pb spec requires: links first, then
 * data, fields in order. The decoder is strict: it accepts only the canonical form (unknown fields,
 * repeated fields or data before links are errors).
 */
public record PbNode(List<PbLink> links, byte[] data) {
  public PbNode {
    links = List.copyOf(links);
  }

  public byte[] encode() {
    Protobuf.Writer w = new Protobuf.Writer();
    for (PbLink link : links) {
      Protobuf.Writer lw = new Protobuf.Writer();
      lw.bytes(1, link.hash().bytes());
      if (link.name() != null) lw.string(2, link.name());
      if (link.tsize() != null) lw.uint64(3, link.tsize());
      w.bytes(2, lw.toByteArray());
    }
    if (data != null) w.bytes(1, data);
    return w.toByteArray();
  }

  public static PbNode decode(byte[] block) {
    Protobuf.Reader r = new Protobuf.Reader(block, 0, block.length, "dag-pb node");
    List<PbLink> links = new ArrayList<>();
    byte[] data = null;
    while (r.hasMore()) {
      int[] tag = r.tag();
      if (tag[1] != Protobuf.LEN)
        throw r.error("field " + tag[0] + " has wire type " + tag[1] + ", expected 2");
      int start = r.lengthDelimited();
      int end = r.position();
      if (tag[0] == 2) {
        if (data != null) throw r.error("a link after the data field");
        links.add(decodeLink(block, start, end));
      } else if (tag[0] == 1) {
        if (data != null) throw r.error("a second data field");
        data = Arrays.copyOfRange(block, start, end);
      } else {
        throw r.error("unknown field " + tag[0]);
      }
    }
    return new PbNode(links, data);
  }

  private static PbLink decodeLink(byte[] block, int offset, int limit) {
    Protobuf.Reader r = new Protobuf.Reader(block, offset, limit, "dag-pb link");
    Cid hash = null;
    String name = null;
    Long tsize = null;
    int last = 0;
    while (r.hasMore()) {
      int[] tag = r.tag();
      if (tag[0] <= last) throw r.error("field " + tag[0] + " out of order or repeated");
      last = tag[0];
      switch (tag[0]) {
        case 1 -> {
          if (tag[1] != Protobuf.LEN) throw r.error("Hash has wire type " + tag[1]);
          int s = r.lengthDelimited();
          try {
            hash = Cid.decode(Arrays.copyOfRange(block, s, r.position()));
          } catch (IllegalArgumentException e) {
            throw r.error("bad link hash: " + e.getMessage());
          }
        }
        case 2 -> {
          if (tag[1] != Protobuf.LEN) throw r.error("Name has wire type " + tag[1]);
          int s = r.lengthDelimited();
          try {
            name =
                StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(block, s, r.position() - s))
                    .toString();
          } catch (CharacterCodingException e) {
            throw r.error("link name is not valid UTF-8");
          }
        }
        case 3 -> {
          if (tag[1] != Protobuf.VARINT) throw r.error("Tsize has wire type " + tag[1]);
          long t = r.varint();
          if (t < 0) throw r.error("Tsize too large");
          tsize = t;
        }
        default -> throw r.error("unknown field " + tag[0]);
      }
    }
    if (hash == null) throw r.error("link without a Hash");
    return new PbLink(hash, name, tsize);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PbNode n && links.equals(n.links) && Arrays.equals(data, n.data);
  }

  @Override
  public int hashCode() {
    return links.hashCode() * 31 + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "PbNode[links="
        + links.size()
        + ", data="
        + (data == null ? "none" : data.length + " bytes")
        + "]";
  }
}
