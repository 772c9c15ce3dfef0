package org.jgolem.concent.storage;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jgolem.ipfs.car.CarWriter;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.ipfs.multiformats.Multihash;
import org.jgolem.ipfs.unixfs.BlockSink;
import org.jgolem.ipfs.unixfs.BlockSource;
import org.jgolem.ipfs.unixfs.DagBuilder;
import org.jgolem.ipfs.unixfs.DagNode;

/**
 * Writes a result DAG as a CAR v1 (with that DAG's root as the only root, each block once), in the
 * form {@link CarVerifier} accepts: what a provider uploads to Concent's storage.
 */
public final class CarExport {
  private CarExport() {}

  /**
   * The CAR of the file or folder at {@code path}, built as {@code ResourceStore.add} builds it
   * ({@code ipfs add --cid-version=1 --raw-leaves}), so its root is the CID the provider reported.
   * Two passes over the files (the first finds the root for the CAR's header); memory holds one
   * chunk and the set of CIDs written.
   *
   * @return the root
   * @throws IOException also if the files changed between the passes
   */
  public static Cid fromPath(Path path, OutputStream out) throws IOException {
    Cid root = DagBuilder.rawLeaves(BlockSink.hashOnly()).add(path).cid();
    CarWriter.writeHeader(out, List.of(root));
    Set<Cid> written = new HashSet<>();
    BlockSink hashing = BlockSink.hashOnly();
    BlockSink sink =
        (version, codec, block, length) -> {
          Cid cid = hashing.put(version, codec, block, length);
          if (written.add(cid)) {
            CarWriter.writeBlock(out, cid, block, 0, length);
          }
          return cid;
        };
    Cid again = DagBuilder.rawLeaves(sink).add(path).cid();
    if (!again.equals(root)) {
      throw new IOException(
          path + " changed while its CAR was being written: " + root + " became " + again);
    }
    return root;
  }

  /**
   * The CAR of the DAG of {@code root} read from {@code blocks} (e.g. an embedded resource store's
   * {@code blockStore()}), depth first.
   */
  public static void fromBlocks(BlockSource blocks, Cid root, OutputStream out) throws IOException {
    CarWriter.writeHeader(out, List.of(root));
    Set<Cid> written = new HashSet<>();
    Deque<Cid> todo = new ArrayDeque<>();
    todo.push(root);
    while (!todo.isEmpty()) {
      Cid c = todo.pop();
      if (!written.add(c) || c.multihash().code() == Multihash.IDENTITY) {
        continue;
      }
      byte[] data = blocks.get(c);
      CarWriter.writeBlock(out, c, data, 0, data.length);
      List<Cid> links = DagNode.links(c, data);
      for (int i = links.size() - 1; i >= 0; i--) {
        todo.push(links.get(i));
      }
    }
  }
}
