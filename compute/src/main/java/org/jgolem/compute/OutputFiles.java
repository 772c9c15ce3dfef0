package org.jgolem.compute;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jgolem.compute.ExecutionResult.OutputFile;
import org.jgolem.ipfs.FileTrees;

/** Lists and checks what a subtask left in its output folder, and removes scratch folders. */
public final class OutputFiles {
  private OutputFiles() {}

  /**
   * The regular files under {@code output}, sorted by path. Fails with {@link
   * FailureReason#OUTPUT_TOO_LARGE} past {@code maxBytes}, and with {@link FailureReason#TRAPPED}
   * for anything that is neither a regular file nor a folder (a symlink could point anywhere on the
   * host).
   */
  public static List<OutputFile> list(Path output, long maxBytes) throws ComputeException {
    List<OutputFile> files = new ArrayList<>();
    long[] total = {0};
    try {
      Files.walkFileTree(
          output,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes a) throws IOException {
              String rel = relative(output, file);
              if (!a.isRegularFile())
                throw new SandboxIo(
                    rel + " is not a regular file (symlinks and devices are refused)");
              total[0] += a.size();
              if (total[0] > maxBytes)
                throw new TooLarge("output exceeds the limit of " + maxBytes + " bytes");
              files.add(new OutputFile(rel, a.size()));
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (TooLarge e) {
      throw new ComputeException(FailureReason.OUTPUT_TOO_LARGE, e.getMessage());
    } catch (SandboxIo e) {
      throw new ComputeException(FailureReason.TRAPPED, "output: " + e.getMessage());
    } catch (IOException e) {
      throw new ComputeException(
          FailureReason.ENVIRONMENT_ERROR, "output folder cannot be read: " + e.getMessage(), e);
    }
    files.sort(Comparator.comparing(OutputFile::path));
    return files;
  }

  /** Empties a folder (not following symlinks) and leaves the folder itself in place. */
  public static void clear(Path dir) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return;
    try (var s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) FileTrees.delete(p);
    }
  }

  static String relative(Path root, Path file) {
    return root.relativize(file).toString().replace(java.io.File.separatorChar, '/');
  }

  private static final class TooLarge extends IOException {
    TooLarge(String m) {
      super(m);
    }
  }

  private static final class SandboxIo extends IOException {
    SandboxIo(String m) {
      super(m);
    }
  }
}
