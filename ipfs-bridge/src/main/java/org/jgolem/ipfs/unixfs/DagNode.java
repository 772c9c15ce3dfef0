package org.jgolem.ipfs.unixfs;

import java.util.ArrayList;
import java.util.List;
import org.jgolem.ipfs.IpfsException;
import org.jgolem.ipfs.multiformats.Cid;

/**
 * A decoded block of a UnixFS DAG: a raw leaf, or a dag-pb node with its UnixFS data (null if it
 * has none).
 */
public record DagNode(Cid cid, byte[] block, PbNode pb, UnixFsData unixfs) {

  public static DagNode decode(Cid cid, byte[] block) {
    if (cid.isRaw()) return new DagNode(cid, block, null, null);
    if (!cid.isDagPb())
      throw new IpfsException(
          "block "
              + cid
              + " has codec 0x"
              + Long.toHexString(cid.codec())
              + "; only raw and dag-pb are supported");
    PbNode pb;
    try {
      pb = PbNode.decode(block);
    } catch (IllegalArgumentException e) {
      throw new IpfsException("block " + cid + " is not valid dag-pb: " + e.getMessage(), e);
    }
    UnixFsData fs = null;
    if (pb.data() != null) {
      try {
        fs = UnixFsData.decode(pb.data());
      } catch (IllegalArgumentException e) {
        fs = null; // plain dag-pb, not UnixFS: its links still count for pins, GC and CARs
      }
    }
    return new DagNode(cid, block, pb, fs);
  }

  /** The CIDs this block links to, in order (none for a raw block). */
  public List<Cid> links() {
    if (pb == null) return List.of();
    List<Cid> out = new ArrayList<>(pb.links().size());
    for (PbLink l : pb.links()) out.add(l.hash());
    return out;
  }

  /** Links of any block, without keeping the decoded node. */
  public static List<Cid> links(Cid cid, byte[] block) {
    return decode(cid, block).links();
  }

  public boolean isRawLeaf() {
    return pb == null;
  }

  public boolean isDirectory() {
    return unixfs != null && unixfs.type() == UnixFsData.Type.DIRECTORY;
  }

  public boolean isFile() {
    return pb == null
        || (unixfs != null
            && (unixfs.type() == UnixFsData.Type.FILE || unixfs.type() == UnixFsData.Type.RAW));
  }

  /** Size of the file content under this node. */
  public long fileSize() {
    if (pb == null) return block.length;
    if (unixfs == null) throw new IpfsException("block " + cid + " is not UnixFS");
    if (unixfs.fileSize() != null) return unixfs.fileSize();
    long s = unixfs.dataLength();
    for (long b : unixfs.blockSizes()) s += b;
    return s;
  }
}
