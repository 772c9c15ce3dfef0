package org.jgolem.compute;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A folder in memory (an in-memory file system of its own, capped at a size), for a subtask's job
 * folders when its sandbox runs in this process (WASM): its inputs, work and output then never
 * touch the disk, where each file and folder made and removed costs a system call, slow on some
 * file systems: many times what a file in memory costs (see docs/PERFORMANCE.md). {@link #close}
 * frees it. The open folders together may be allowed at most a quarter of the heap; past that,
 * {@link #create} gives none.
 */
public final class MemoryFolder implements AutoCloseable {
  private static final int BLOCK = 4096;

  /**
   * What the open folders may hold together: a quarter of the heap (their caps are reserved whole).
   */
  private static final long BUDGET = Runtime.getRuntime().maxMemory() / 4;

  private static final AtomicLong RESERVED = new AtomicLong();
  private final FileSystem fs;
  private final Path root;
  private final long reserved;
  private final AtomicBoolean closed = new AtomicBoolean();

  private MemoryFolder(FileSystem fs, Path root, long reserved) {
    this.fs = fs;
    this.root = root;
    this.reserved = reserved;
  }

  /**
   * An empty folder holding at most {@code maxBytes} (rounded up to whole blocks), or empty if the
   * folders open now would then be allowed more than the budget (a quarter of the heap): the caller
   * uses the disk instead.
   */
  public static Optional<MemoryFolder> create(long maxBytes) throws IOException {
    return create(maxBytes, BUDGET);
  }

  static Optional<MemoryFolder> create(long maxBytes, long budget) throws IOException {
    if (maxBytes <= 0) throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
    long size = (maxBytes + BLOCK - 1) / BLOCK * BLOCK;
    if (RESERVED.addAndGet(size) > budget) {
      RESERVED.addAndGet(-size);
      return Optional.empty();
    }
    try {
      FileSystem fs =
          Jimfs.newFileSystem(
              Configuration.unix().toBuilder()
                  .setAttributeViews("basic", "posix", "unix")
                  .setBlockSize(BLOCK)
                  .setMaxSize(size)
                  .setMaxCacheSize(0)
                  .build());
      return Optional.of(new MemoryFolder(fs, Files.createDirectory(fs.getPath("/job")), size));
    } catch (IOException | RuntimeException e) {
      RESERVED.addAndGet(-size);
      throw e;
    }
  }

  /** The bytes the open folders may hold together. */
  static long reserved() {
    return RESERVED.get();
  }

  public Path root() {
    return root;
  }

  /** Frees the folder and what it held; again is a no-op. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) return;
    RESERVED.addAndGet(-reserved);
    try {
      fs.close();
    } catch (IOException e) {
      // an in-memory file system has nothing to fail on
    }
  }
}
