package org.jgolem.compute.wasm;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.jgolem.compute.ComputeException;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.compute.FailureReason;
import org.jgolem.compute.OutputFiles;

/**
 * The three folders a WASM subtask sees, none of which is a writable host folder:
 *
 * <ul>
 *   <li>{@code /golem/resources}: a {@link ReadOnlyFileSystem} view of the spec's resources folder;
 *   <li>{@code /golem/output}: an in-memory file system (jimfs) capped at the output limit, copied
 *       to the spec's output folder only after a successful run;
 *   <li>{@code /golem/work}: another in-memory file system, capped at the work limit, dropped at
 *       the end.
 * </ul>
 *
 * Each is a file system of its own, so a symlink the program makes can only point inside the folder
 * it is in, and nothing the program writes reaches the host disk before the node checks it. Every
 * file reports the subtask's virtual start time, for determinism.
 */
final class SandboxFiles implements AutoCloseable {
  static final int BLOCK = 4096;

  private final ReadOnlyFileSystem resources;
  private final FileSystem output;
  private final FileSystem work;
  private final long maxOutputBytes;
  private volatile long refusedWrite = -1;

  private SandboxFiles(
      ReadOnlyFileSystem resources, FileSystem output, FileSystem work, long maxOutputBytes) {
    this.resources = resources;
    this.output = output;
    this.work = work;
    this.maxOutputBytes = maxOutputBytes;
  }

  static SandboxFiles open(ExecutionSpec spec, Instant time) throws ComputeException {
    FileTime t = FileTime.from(time);
    try {
      var resources = new ReadOnlyFileSystem(spec.resources(), ExecutionSpec.RESOURCES, t);
      FileSystem output = memoryFs(spec.limits().maxOutputBytes(), t);
      FileSystem work = memoryFs(spec.limits().workBytes(), t);
      return new SandboxFiles(resources, output, work, spec.limits().maxOutputBytes());
    } catch (IOException e) {
      throw new ComputeException(
          FailureReason.ENVIRONMENT_ERROR, "cannot prepare the sandbox's folders: " + e, e);
    }
  }

  /**
   * An in-memory file system that holds at most {@code cap} bytes (rounded up to whole blocks) plus
   * one spare block, so that a program trying to write past the cap is seen doing so.
   */
  private static FileSystem memoryFs(long cap, FileTime time) throws IOException {
    long blocks = (cap + BLOCK - 1) / BLOCK + 1;
    FileSystem fs =
        Jimfs.newFileSystem(
            Configuration.unix().toBuilder()
                .setAttributeViews("basic", "owner", "posix", "unix")
                .setBlockSize(BLOCK)
                .setMaxSize(blocks * BLOCK)
                .setMaxCacheSize(0)
                .setFileTimeSource(() -> time)
                .build());
    Files.createDirectory(fs.getPath("/sandbox"));
    return fs;
  }

  Path resourcesRoot() {
    return resources.root();
  }

  Path outputRoot() {
    return output.getPath("/sandbox");
  }

  Path workRoot() {
    return work.getPath("/sandbox");
  }

  /** The first attempt to change the resources, if the program made one. */
  String resourcesViolation() {
    return resources.violation();
  }

  /**
   * Called when a guest write failed: if the output store has no room for it, the program ran into
   * the output limit.
   */
  void writeFailed(long requestedBytes) {
    try {
      if (Files.getFileStore(outputRoot()).getUnallocatedSpace() < requestedBytes)
        refusedWrite = requestedBytes;
    } catch (IOException e) {
      refusedWrite = requestedBytes;
    }
  }

  /**
   * Why the output is over its limit, or null if it is not: more bytes than the limit, or a write
   * refused because the output store was full.
   */
  String outputOverLimit() throws ComputeException {
    try {
      long total = 0;
      try (var s = Files.walk(outputRoot())) {
        for (Path p : (Iterable<Path>) s::iterator) {
          if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) total += Files.size(p);
        }
      }
      if (total > maxOutputBytes) {
        return "the output holds "
            + total
            + " bytes, over the limit of "
            + maxOutputBytes
            + " bytes";
      }
      if (refusedWrite >= 0) {
        return "a write of "
            + refusedWrite
            + " bytes was refused: the output is limited to "
            + maxOutputBytes
            + " bytes and held "
            + total;
      }
      return null;
    } catch (IOException e) {
      throw new ComputeException(
          FailureReason.ENVIRONMENT_ERROR, "cannot measure the output: " + e, e);
    }
  }

  /**
   * Copies the output to the host folder {@code target}: regular files and folders only (a symlink
   * fails the subtask). The caller has checked the size with {@link #outputOverLimit()}.
   */
  void copyOutput(Path target) throws ComputeException {
    Path from = outputRoot();
    Path to = target.toAbsolutePath().normalize();
    try {
      Files.walkFileTree(
          from,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a)
                throws IOException {
              if (!dir.equals(from)) Files.createDirectory(hostPath(to, from, dir));
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes a) throws IOException {
              if (!a.isRegularFile()) {
                throw new NotRegular(
                    ExecutionSpec.OUTPUT
                        + "/"
                        + from.relativize(file)
                        + " is not a regular file (symlinks and devices are refused)");
              }
              Files.copy(file, hostPath(to, from, file));
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (NotRegular e) {
      clearQuietly(target);
      throw new ComputeException(FailureReason.TRAPPED, "output: " + e.getMessage());
    } catch (IOException e) {
      clearQuietly(target);
      throw new ComputeException(
          FailureReason.ENVIRONMENT_ERROR, "cannot copy the output to " + target + ": " + e, e);
    }
  }

  private static Path hostPath(Path hostRoot, Path from, Path inside) throws IOException {
    Path p = hostRoot;
    for (Path name : from.relativize(inside)) p = p.resolve(name.toString());
    p = p.normalize();
    if (!p.startsWith(hostRoot) || p.equals(hostRoot))
      throw new IOException("output path escapes: " + inside);
    return p;
  }

  private static void clearQuietly(Path dir) {
    try {
      OutputFiles.clear(dir);
    } catch (IOException ignored) {
      // the caller reports the first error; the node clears the folder again before reuse
    }
  }

  @Override
  public void close() {
    resources.close();
    try {
      output.close();
    } catch (IOException ignored) {
      // jimfs does not fail to close
    }
    try {
      work.close();
    } catch (IOException ignored) {
      // idem
    }
  }

  private static final class NotRegular extends IOException {
    NotRegular(String m) {
      super(m);
    }
  }
}
