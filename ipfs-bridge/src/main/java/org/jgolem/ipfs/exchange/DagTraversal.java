package org.jgolem.ipfs.exchange;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jgolem.ipfs.BlockNotFoundException;
import org.jgolem.ipfs.IpfsException;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.ipfs.store.BlockStore;
import org.jgolem.ipfs.unixfs.DagNode;
import org.jgolem.ipfs.unixfs.PbLink;
import org.jgolem.ipfs.unixfs.UnixFsData;

/** Produces the blocks of a CAR response, in DFS order without duplicates, from a store. */
final class DagTraversal {
  /**
   * Receives each block in order (data is null for a raw block that was not read); throws to stop.
   */
  @FunctionalInterface
  interface Emitter {
    void emit(Cid cid, byte[] data) throws IOException;
  }

  private final BlockStore store;
  private final Emitter out;
  private final Set<Cid> sent = new HashSet<>();

  DagTraversal(BlockStore store, Emitter out) {
    this.store = store;
    this.out = out;
  }

  private byte[] block(Cid cid) throws IOException {
    byte[] b = store.getOrNull(cid);
    if (b == null)
      throw new BlockNotFoundException("block " + cid + " is not in this node's store");
    return b;
  }

  private void emit(Cid cid, byte[] b) throws IOException {
    if (sent.add(cid)) out.emit(cid, b);
  }

  /**
   * Follows path from root through UnixFS folders, emitting each folder block; returns the target's
   * CID.
   */
  Cid resolve(Cid root, List<String> path) throws IOException {
    Cid cur = root;
    for (String name : path) {
      byte[] b = block(cur);
      emit(cur, b);
      DagNode n = DagNode.decode(cur, b);
      if (!n.isDirectory())
        throw new IpfsException("cannot resolve '" + name + "': " + cur + " is not a folder");
      Cid next = null;
      for (PbLink l : n.pb().links()) if (name.equals(l.name())) next = l.hash();
      if (next == null)
        throw new BlockNotFoundException("folder " + cur + " has no entry '" + name + "'");
      cur = next;
    }
    return cur;
  }

  /**
   * A raw block is passed on without being read here (the emitter sends it, possibly without a
   * copy).
   */
  private void raw(Cid cid) throws IOException {
    if (sent.contains(cid)) return;
    if (!store.has(cid))
      throw new BlockNotFoundException("block " + cid + " is not in this node's store");
    emit(cid, null);
  }

  /** dag-scope=block: only this block. */
  void single(Cid cid) throws IOException {
    if (cid.isRaw()) raw(cid);
    else emit(cid, block(cid));
  }

  void all(Cid cid) throws IOException {
    if (sent.contains(cid)) return;
    if (cid.isRaw()) {
      raw(cid);
      return;
    }
    byte[] b = block(cid);
    emit(cid, b);
    for (Cid l : DagNode.links(cid, b)) all(l);
  }

  /**
   * The blocks of a UnixFS entity: a file's blocks for [from, to] (inclusive; to null = the end) or
   * a folder's node.
   */
  void entity(Cid cid, long from, Long to) throws IOException {
    if (cid.isRaw()) {
      raw(cid);
      return;
    }
    byte[] b = block(cid);
    DagNode n = DagNode.decode(cid, b);
    if (n.isRawLeaf() || !n.isFile()) {
      emit(cid, b);
      return;
    }
    long size = n.fileSize();
    long f = from < 0 ? Math.max(0, size + from) : from;
    long t = to == null ? size - 1 : (to < 0 ? size + to : Math.min(to, size - 1));
    fileRange(cid, b, n, f, t, 0);
  }

  private void fileRange(Cid cid, byte[] b, DagNode n, long from, long to, int depth)
      throws IOException {
    if (depth > 64) throw new IpfsException("file DAG deeper than 64 levels at " + cid);
    emit(cid, b);
    if (n.isRawLeaf()) return;
    UnixFsData fs = n.unixfs();
    List<PbLink> links = n.pb().links();
    long offset = fs.dataLength();
    for (int i = 0; i < links.size() && i < fs.blockSizes().size(); i++) {
      long len = fs.blockSizes().get(i);
      long start = offset, end = offset + len - 1;
      offset += len;
      if (len == 0 || end < from || start > to) continue;
      Cid c = links.get(i).hash();
      if (c.isRaw()) {
        raw(c);
        continue;
      }
      byte[] cb = block(c);
      fileRange(
          c,
          cb,
          DagNode.decode(c, cb),
          Math.max(0, from - start),
          Math.min(len - 1, to - start),
          depth + 1);
    }
  }
}
