package org.jgolem.compute.docker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.jgolem.compute.ComputeException;
import org.jgolem.compute.FailureReason;

/**
 * Extracts the tar stream of a subtask's output folder onto the host, trusting nothing in it: only
 * regular files and folders, relative paths without {@code ..}, no links or devices, and at most
 * {@code maxBytes} of file content in at most {@code maxEntries} entries. Any entry's header is
 * checked before its content is read, so a huge (sparse) file is refused without being streamed.
 */
final class OutputTar {
  static final int MAX_PATH_CHARS = 1024;

  private final long maxBytes;
  private final int maxEntries;
  private long bytes;
  private int entries;

  OutputTar(long maxBytes, int maxEntries) {
    this.maxBytes = maxBytes;
    this.maxEntries = maxEntries;
  }

  long bytes() {
    return bytes;
  }

  int entries() {
    return entries;
  }

  /**
   * Reads the archive to its end. With {@code dest} null nothing is written (the entries are only
   * checked and counted); otherwise {@code dest} must be an empty folder that nothing else writes
   * to.
   */
  void extract(InputStream in, Path dest) throws ComputeException, IOException {
    Path root = dest == null ? null : dest.toAbsolutePath().normalize();
    TarArchiveInputStream tar = new TarArchiveInputStream(in);
    TarArchiveEntry e;
    while ((e = tar.getNextEntry()) != null) {
      String rel = relativePath(e.getName());
      if (rel.isEmpty()) {
        if (!e.isDirectory())
          throw trapped("the output archive has a non-folder entry for the folder itself");
        continue; // "./": the output folder itself
      }
      if (++entries > maxEntries) {
        throw new ComputeException(
            FailureReason.OUTPUT_TOO_LARGE,
            "the output has more than " + maxEntries + " files and folders");
      }
      byte flag = e.getLinkFlag();
      if (e.isDirectory()) {
        if (root != null) mkdirs(root, rel);
      } else if (flag == TarConstants.LF_NORMAL || flag == TarConstants.LF_OLDNORM) {
        long size = e.getSize();
        if (size < 0 || size > maxBytes - bytes) {
          throw new ComputeException(
              FailureReason.OUTPUT_TOO_LARGE,
              "the output exceeds the limit of "
                  + maxBytes
                  + " bytes ("
                  + rel
                  + " alone is "
                  + size
                  + " bytes, "
                  + bytes
                  + " bytes before it)");
        }
        bytes += size;
        if (root != null) {
          Path target = target(root, rel);
          mkdirs(root, parentOf(rel));
          try (OutputStream out =
              Files.newOutputStream(
                  target,
                  StandardOpenOption.CREATE_NEW,
                  StandardOpenOption.WRITE,
                  LinkOption.NOFOLLOW_LINKS)) {
            long copied = tar.transferTo(out);
            if (copied != size) throw trapped(rel + " is truncated in the output archive");
          } catch (FileAlreadyExistsException x) {
            throw trapped(rel + " appears twice in the output archive");
          }
        }
      } else {
        throw trapped(
            rel
                + " is "
                + kind(e)
                + "; only regular files and folders are collected from the output");
      }
    }
  }

  /**
   * The entry's path relative to the output folder ('/' separated, no "./", no trailing '/'),
   * checked.
   */
  static String relativePath(String name) throws ComputeException {
    if (name.length() > MAX_PATH_CHARS)
      throw trapped("an output path is longer than " + MAX_PATH_CHARS + " characters");
    if (name.startsWith("/")) throw trapped("the output archive has an absolute path: " + name);
    if (name.indexOf('\0') >= 0) throw trapped("an output path contains a NUL character");
    StringBuilder out = new StringBuilder();
    for (String seg : name.split("/", -1)) {
      if (seg.isEmpty() || seg.equals(".")) continue;
      if (seg.equals("..")) throw trapped("the output archive has a path with '..': " + name);
      if (!out.isEmpty()) out.append('/');
      out.append(seg);
    }
    return out.toString();
  }

  private static String parentOf(String rel) {
    int i = rel.lastIndexOf('/');
    return i < 0 ? "" : rel.substring(0, i);
  }

  private static Path target(Path root, String rel) throws ComputeException {
    Path t = root.resolve(rel).normalize();
    if (!t.startsWith(root) || t.equals(root))
      throw trapped("the output path " + rel + " leaves the output folder");
    return t;
  }

  /**
   * Creates the folders of {@code rel} one by one, refusing anything on the way that is not a real
   * folder.
   */
  private static void mkdirs(Path root, String rel) throws ComputeException, IOException {
    Path p = root;
    if (rel.isEmpty()) return;
    for (String seg : rel.split("/")) {
      p = p.resolve(seg);
      if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) continue;
      if (Files.exists(p, LinkOption.NOFOLLOW_LINKS))
        throw trapped(root.relativize(p) + " is both a file and a folder in the output archive");
      Files.createDirectory(p);
    }
  }

  private static String kind(TarArchiveEntry e) {
    if (e.isSymbolicLink()) return "a symbolic link";
    if (e.isLink()) return "a hard link";
    if (e.isCharacterDevice() || e.isBlockDevice()) return "a device";
    if (e.isFIFO()) return "a named pipe";
    if (e.isSparse()) return "a sparse file";
    return "an entry of type '" + (char) e.getLinkFlag() + "'";
  }

  private static ComputeException trapped(String message) {
    return new ComputeException(FailureReason.TRAPPED, message);
  }
}
