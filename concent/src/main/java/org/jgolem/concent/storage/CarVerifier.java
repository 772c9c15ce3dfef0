package org.jgolem.concent.storage;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jgolem.ipfs.IpfsException;
import org.jgolem.ipfs.car.CarReader;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.ipfs.multiformats.Multihash;
import org.jgolem.ipfs.store.BlockStore;
import org.jgolem.ipfs.unixfs.DagNode;

/**
 * Checks that a CAR v1 is exactly the DAG of one root: a single root, the expected one; every
 * block's bytes hash to its CID; raw or dag-pb blocks only, none twice; every block linked from the
 * root present (identity CIDs carry their data and need no block); and no block that the root does
 * not reach. The CAR is untrusted input (a provider's upload): every fault becomes a {@link
 * CarRejectedException} naming the block and what is wrong with it.
 */
public final class CarVerifier {
  /** What a verified CAR holds. */
  public record Verified(Cid root, int blocks, long blockBytes) {}

  private CarVerifier() {}

  public static Verified verify(InputStream car, Cid expectedRoot)
      throws CarRejectedException, IOException {
    CarReader reader;
    try {
      reader = new CarReader(car, BlockStore.MAX_BLOCK_SIZE);
    } catch (IOException | IllegalArgumentException | IpfsException e) {
      throw new CarRejectedException("not a CAR v1: " + e.getMessage(), e);
    }
    List<Cid> roots = reader.roots();
    if (roots.size() != 1 || !roots.get(0).equals(expectedRoot)) {
      throw new CarRejectedException(
          "the CAR's roots are "
              + roots
              + "; expected exactly one root, "
              + expectedRoot
              + " (the CID of the upload's path)");
    }
    Map<Cid, List<Cid>> links = new HashMap<>();
    long bytes = 0;
    while (true) {
      CarReader.Block b;
      try {
        b = reader.next();
      } catch (IOException | IllegalArgumentException | IpfsException e) {
        throw new CarRejectedException(
            "malformed CAR after " + links.size() + " blocks: " + e.getMessage(), e);
      }
      if (b == null) {
        break;
      }
      Cid cid = b.cid();
      boolean intact;
      try {
        intact = cid.verifies(b.data());
      } catch (IllegalArgumentException e) {
        throw new CarRejectedException("block " + cid + ": " + e.getMessage(), e);
      }
      if (!intact) {
        throw new CarRejectedException(
            "block " + cid + " is corrupted: its " + b.data().length + " bytes do not hash to it");
      }
      if (!cid.isRaw() && !cid.isDagPb()) {
        throw new CarRejectedException(
            "block "
                + cid
                + " has codec 0x"
                + Long.toHexString(cid.codec())
                + "; a result DAG holds only raw and dag-pb blocks");
      }
      List<Cid> out;
      try {
        out = cid.isRaw() ? List.of() : DagNode.links(cid, b.data());
      } catch (IpfsException e) {
        throw new CarRejectedException(e.getMessage(), e);
      }
      if (links.put(cid, out) != null) {
        throw new CarRejectedException("block " + cid + " appears twice in the CAR");
      }
      bytes += b.data().length;
    }
    Set<Cid> reached = new HashSet<>();
    Deque<Cid[]> todo = new ArrayDeque<>(); // {block, the block that links to it}
    todo.push(new Cid[] {expectedRoot, null});
    while (!todo.isEmpty()) {
      Cid[] next = todo.pop();
      Cid c = next[0];
      if (!reached.add(c) || c.multihash().code() == Multihash.IDENTITY) {
        continue;
      }
      List<Cid> out = links.get(c);
      if (out == null) {
        throw new CarRejectedException(
            "the DAG is incomplete: block "
                + c
                + (next[1] == null ? " (the root)" : ", linked from " + next[1] + ",")
                + " is missing");
      }
      for (Cid l : out) {
        todo.push(new Cid[] {l, c});
      }
    }
    for (Cid c : links.keySet()) {
      if (!reached.contains(c)) {
        throw new CarRejectedException(
            "block " + c + " is not part of the DAG of " + expectedRoot + " (nothing links to it)");
      }
    }
    return new Verified(expectedRoot, links.size(), bytes);
  }
}
