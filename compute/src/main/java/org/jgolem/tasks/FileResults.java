package org.jgolem.tasks;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * File-based staging, checking and merging shared by the templates whose results are plain files.
 */
public final class FileResults {
  private FileResults() {}

  /**
   * Places {@code source} (a file or a folder's contents) into {@code target}: hard links where the
   * file system allows (no copy of large inputs), copies otherwise. Symlinks in inputs are refused.
   */
  /**
   * The checks {@link #stage} makes, without staging anything: what a planner can refuse up front,
   * cheaply.
   */
  public static void checkStageable(Path source) throws IOException {
    if (Files.isSymbolicLink(source))
      throw new IOException("input is a symbolic link, refused: " + source);
    if (!Files.isDirectory(source)) {
      if (!Files.isRegularFile(source))
        throw new IOException("input is not a regular file, refused: " + source);
      return;
    }
    Files.walkFileTree(
        source,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
            if (!a.isRegularFile())
              throw new IOException("input is not a regular file, refused: " + f);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  public static void stage(Path source, Path target) throws IOException {
    if (Files.isSymbolicLink(source))
      throw new IOException("input is a symbolic link, refused: " + source);
    if (!Files.isDirectory(source)) {
      Files.createDirectories(target.getParent());
      link(source, target);
      return;
    }
    Files.walkFileTree(
        source,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a)
              throws IOException {
            Files.createDirectories(target.resolve(source.relativize(d).toString()));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
            if (!a.isRegularFile())
              throw new IOException("input is not a regular file, refused: " + f);
            link(f, target.resolve(source.relativize(f).toString()));
            return FileVisitResult.CONTINUE;
          }
        });
  }

  private static void link(Path from, Path to) throws IOException {
    if (Files.exists(to, LinkOption.NOFOLLOW_LINKS))
      throw new IOException("two inputs would land on " + to);
    if (!from.getFileSystem()
        .equals(to.getFileSystem())) { // a result kept in memory: no link can reach it
      Files.copy(from, to);
      return;
    }
    try {
      Files.createLink(to, from);
    } catch (IOException | UnsupportedOperationException e) {
      Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
    }
  }

  /**
   * Regular files under {@code dir}, relative '/'-separated paths, sorted. Symlinks and others are
   * listed as such.
   */
  public static List<String> list(Path dir) throws IOException {
    List<String> out = new ArrayList<>();
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
            out.add(
                dir.relativize(f).toString().replace('\\', '/')
                    + (a.isRegularFile() ? "" : " (not a regular file)"));
            return FileVisitResult.CONTINUE;
          }
        });
    out.sort(null);
    return out;
  }

  /** Accepts a result folder holding exactly the expected regular files. */
  public static Verdict expectExactly(Path result, List<String> expected) throws IOException {
    Set<String> want = new HashSet<>(expected);
    List<String> have = list(result);
    for (String h : have) {
      if (!want.contains(h)) return Verdict.reject("unexpected output file " + h);
    }
    for (String w : expected) {
      if (!have.contains(w)) return Verdict.reject("missing output file " + w);
    }
    return Verdict.OK;
  }

  /**
   * A digest of a result folder's files (relative paths and contents, in path order): two
   * providers' results are equal exactly when their digests are.
   */
  public static byte[] digest(Path dir) throws IOException {
    MessageDigest md = sha256();
    for (String rel : list(dir)) {
      Path f = dir.resolve(rel);
      if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS))
        throw new IOException("not a regular file: " + rel);
      byte[] name = rel.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      md.update(longBytes(name.length));
      md.update(name);
      md.update(longBytes(Files.size(f)));
      try (var in = Files.newInputStream(f)) {
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
      }
    }
    return md.digest();
  }

  /**
   * Puts each accepted result folder's files into {@code output/<subtask name>/}: hard links to the
   * requestor's copy where the file system allows (a result is never written again once accepted),
   * copies otherwise (a copy kept in memory, a file system without links). Files an earlier merge
   * left there are replaced.
   */
  public static Path mergeIntoFolders(Map<String, Path> accepted, Path output) throws IOException {
    Files.createDirectories(output);
    for (var e : accepted.entrySet()) {
      Path target = output.resolve(e.getKey());
      Files.createDirectories(target);
      for (String rel : list(e.getValue())) {
        Path to = target.resolve(rel);
        if (!to.getParent().equals(target)) Files.createDirectories(to.getParent());
        Files.deleteIfExists(to);
        link(e.getValue().resolve(rel), to);
      }
    }
    return output;
  }

  public static byte[] sha256(Path file) throws IOException {
    MessageDigest md = sha256();
    try (var in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
    }
    return md.digest();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] longBytes(long v) {
    return java.nio.ByteBuffer.allocate(8).putLong(v).array();
  }
}
