package org.jgolem.ipfs;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import org.jgolem.ipfs.multiformats.Cid;

/**
 * Resources (files and folders) named by IPFS CIDs, as node and Concent use them. {@link
 * ResourceStores#open} chooses the backend from the configuration: the embedded store and exchange
 * (the default) or a Kubo daemon.
 *
 * <p>Every resource added or fetched is pinned: for the node, or for a task (then it counts toward
 * that task's size limit until {@link #releaseTask}). Unpinned blocks are removed by {@link #gc}.
 */
public interface ResourceStore extends Closeable {
  /**
   * Adds a file or a folder and pins it for the node; returns its CID (the CID {@code ipfs add
   * --cid-version=1 --raw-leaves} gives). Symlinks, special files and unsafe names are refused
   * before anything is stored.
   */
  Cid add(Path path) throws IOException;

  /** Adds as {@link #add(Path)}, pinned for the task and counted toward its limit. */
  Cid add(Path path, String taskId) throws IOException;

  /**
   * Writes a verified copy of cid to target (which must not exist; its folder must). The blocks
   * come from the local store or from the peers that announced the CID. The copy appears at target
   * only when complete.
   */
  void get(Cid cid, Path target) throws IOException;

  /** Gets as {@link #get(Cid, Path)}, pinned for the task and counted toward its limit. */
  void get(Cid cid, Path target, String taskId) throws IOException;

  /**
   * Gets as {@link #get(Cid, Path)} a copy that need not survive a crash of the machine (scratch
   * input): a store configured to sync what it writes may skip it here. The store's own blocks are
   * kept as always.
   */
  default void getScratch(Cid cid, Path target) throws IOException {
    get(cid, target);
  }

  /** Pins a resource that is complete in the store (recursively) for the node. */
  void pin(Cid cid) throws IOException;

  /** Removes the node's pin of cid; returns whether there was one. */
  boolean unpin(Cid cid) throws IOException;

  /** Removes every pin of the task; its resources become garbage unless pinned otherwise. */
  void releaseTask(String taskId) throws IOException;

  /** Removes every block not reachable from a pin. */
  GcResult gc() throws IOException;

  /** Bytes pinned for the task. */
  long taskUsage(String taskId) throws IOException;
}
