package org.jgolem.ipfs.store;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One pack file of a {@link BlockStore}: appended to until sealed, or a file pack with its sidecar
 * index.
 */
final class Pack {
  /** Where a block's data is. */
  record Loc(Pack pack, long offset, int length) {}

  final int id;
  final Path path;
  final FileChannel ch;
  final AtomicLong end = new AtomicLong();
  final AtomicLong dead = new AtomicLong();
  volatile boolean sealed;

  /** A file pack that a transfer is still writing: never compacted. */
  volatile boolean active;

  /**
   * A file pack: the bytes of one file at their offsets, its index in a sidecar (see {@link
   * BlockStore.FilePack}).
   */
  final FileChannel sidecar;

  Pack(int id, Path path, FileChannel ch) {
    this(id, path, ch, null);
  }

  Pack(int id, Path path, FileChannel ch, FileChannel sidecar) {
    this.id = id;
    this.path = path;
    this.ch = ch;
    this.sidecar = sidecar;
  }

  boolean isFilePack() {
    return sidecar != null;
  }

  /** The sidecar index of file pack id, next to it. */
  static Path sidecarOf(Path pack, int id) {
    return pack.resolveSibling(String.format("%08d.fidx", id));
  }
}
