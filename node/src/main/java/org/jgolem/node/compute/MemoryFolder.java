package org.jgolem.node.compute;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A folder in memory (an in-memory file system of its own, capped at a size), for a subtask's job folders when its
 * sandbox runs in this process (WASM): its inputs, work and output then never touch the disk, where each file and
 * folder made and removed costs a system call that is slow on some machines (about 120 us of CPU per mkdir or file
 * created on this project's test machines, against 5-10 us in memory). {@link #close} frees it.
 */
public final class MemoryFolder implements AutoCloseable {
  private static final int BLOCK = 4096;
  private final FileSystem fs;
  private final Path root;

  private MemoryFolder(FileSystem fs, Path root) {
    this.fs = fs;
    this.root = root;
  }

  /** An empty folder holding at most {@code maxBytes} (rounded up to whole blocks). */
  public static MemoryFolder create(long maxBytes) throws IOException {
    if (maxBytes <= 0) throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
    long blocks = (maxBytes + BLOCK - 1) / BLOCK;
    FileSystem fs = Jimfs.newFileSystem(Configuration.unix().toBuilder()
        .setAttributeViews("basic", "posix", "unix")
        .setBlockSize(BLOCK)
        .setMaxSize(blocks * BLOCK)
        .setMaxCacheSize(0)
        .build());
    return new MemoryFolder(fs, Files.createDirectory(fs.getPath("/job")));
  }

  public Path root() {
    return root;
  }

  @Override
  public void close() {
    try {
      fs.close();
    } catch (IOException e) {
      // an in-memory file system has nothing to fail on
    }
  }
}
