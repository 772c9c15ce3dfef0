package org.jgolem.ipfs;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The project's one recursive delete, here in the lowest module that needs it (a fetch removes what
 * it left half-written); the node, the tools and the tests use it too.
 */
public final class FileTrees {
  private FileTrees() {}

  /**
   * Deletes a file or a folder tree, not following symlinks (a link is removed, not what it points
   * to). A missing path is fine.
   */
  public static void delete(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
    Files.walkFileTree(
        p,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
            Files.delete(f);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            if (e != null) throw e;
            Files.delete(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /**
   * As {@link #delete}, for clean-up that may fail without consequence; says whether everything
   * went.
   */
  public static boolean deleteQuietly(Path p) {
    try {
      delete(p);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
