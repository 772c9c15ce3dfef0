package org.jgolem.ipfs.store;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import org.jgolem.ipfs.BlockNotFoundException;
import org.jgolem.ipfs.GcResult;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.ipfs.multiformats.Multihash;
import org.jgolem.ipfs.unixfs.DagNode;

/** Walks over the DAGs in a block store: reachability for GC, completeness, sizes. */
public final class Dags {
  private Dags() {}

  /**
   * Marks everything reachable from roots (reading only dag-pb blocks; raw leaves are known from
   * their links) and deletes every other block. Blocks of a pinned DAG that are missing are
   * skipped.
   */
  public static GcResult collect(BlockStore store, Set<Cid> roots) throws IOException {
    Set<Cid> live = new HashSet<>();
    for (Cid r : roots) mark(store, r.toV1(), live);
    long[] removed = {0, 0};
    for (Cid c : store.list()) {
      if (!live.contains(c)) {
        long freed = store.delete(c);
        removed[0]++;
        removed[1] += freed;
      }
    }
    store.compact();
    return new GcResult(removed[0], removed[1], store.blockCount());
  }

  private static void mark(BlockStore store, Cid root, Set<Cid> live) throws IOException {
    Deque<Cid> todo = new ArrayDeque<>();
    todo.push(root);
    while (!todo.isEmpty()) {
      Cid c = todo.pop().toV1();
      if (!live.add(c) || !c.isDagPb()) continue;
      byte[] b = store.getOrNull(c);
      if (b == null) continue;
      for (Cid l : DagNode.links(c, b)) todo.push(l);
    }
  }

  /** Total bytes of the DAG's distinct blocks; throws BlockNotFoundException if one is missing. */
  public static long size(BlockStore store, Cid root) throws IOException {
    Set<Cid> seen = new HashSet<>();
    Deque<Cid> todo = new ArrayDeque<>();
    todo.push(root.toV1());
    long total = 0;
    while (!todo.isEmpty()) {
      Cid c = todo.pop().toV1();
      if (!seen.add(c) || c.multihash().code() == Multihash.IDENTITY) continue;
      if (c.isDagPb()) {
        byte[] b = store.get(c);
        total += b.length;
        for (Cid l : DagNode.links(c, b)) todo.push(l);
      } else {
        long size = store.size(c);
        if (size < 0)
          throw new BlockNotFoundException("block " + c + " of " + root + " is not in the store");
        total += size;
      }
    }
    return total;
  }
}
