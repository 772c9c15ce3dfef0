package org.jgolem.ipfs.unixfs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.jgolem.ipfs.FileTrees;
import org.jgolem.ipfs.IpfsException;
import org.jgolem.ipfs.UnsafePathException;
import org.jgolem.ipfs.multiformats.Cid;

/**
 * Reads UnixFS DAGs from verified blocks and writes them out safely: a folder's whole tree of names
 * is checked (no "..", ".", "", '/', '\', NUL, duplicates, symlinks; every resolved path under the
 * target) before anything is written; the result is written beside the target and renamed into
 * place, so a failed export leaves nothing.
 */
public final class DagReader {
  private final BlockSource source;
  private final boolean durable;
  private final LeafCopier copier;

  /**
   * Copies a raw leaf's verified bytes to a channel; returns its length, or -1 if it is not
   * available.
   */
  @FunctionalInterface
  public interface LeafCopier {
    long copy(Cid cid, WritableByteChannel out) throws IOException;
  }

  /** durable: force every written file and folder to disk before the final rename. */
  public DagReader(BlockSource source, boolean durable) {
    this(source, durable, null);
  }

  /** copier: a faster way to write raw leaves (for example a kernel copy from the block store). */
  public DagReader(BlockSource source, boolean durable, LeafCopier copier) {
    this.source = source;
    this.durable = durable;
    this.copier = copier;
  }

  public DagNode node(Cid cid) throws IOException {
    return DagNode.decode(cid, source.get(cid));
  }

  /**
   * One entry of a checked export plan: a path relative to the target ("" is the target itself).
   */
  public record PlannedEntry(String relativePath, boolean directory, Cid cid, long size) {}

  /** Walks the DAG's folder structure and checks every name; no file content is read. */
  public List<PlannedEntry> plan(Cid root) throws IOException {
    List<PlannedEntry> out = new ArrayList<>();
    plan(root, "", node(root), out, new HashSet<>());
    return out;
  }

  private void plan(Cid cid, String rel, DagNode n, List<PlannedEntry> out, Set<Cid> path)
      throws IOException {
    if (n.isDirectory()) {
      if (!path.add(cid)) throw new IpfsException("folder " + cid + " contains itself");
      out.add(new PlannedEntry(rel, true, cid, 0));
      Set<String> names = new HashSet<>();
      String where = rel.isEmpty() ? "folder " + cid : "folder " + rel + " (" + cid + ")";
      for (PbLink l : n.pb().links()) {
        EntryNames.check(l.name(), where);
        if (!names.add(l.name()))
          throw new UnsafePathException(
              "unsafe folder entry "
                  + EntryNames.quote(l.name())
                  + " in "
                  + where
                  + ": two entries have this name");
      }
      for (PbLink l : n.pb().links()) {
        String childRel = rel.isEmpty() ? l.name() : rel + "/" + l.name();
        plan(l.hash(), childRel, node(l.hash()), out, path);
      }
      path.remove(cid);
    } else if (n.isFile()) {
      out.add(new PlannedEntry(rel, false, cid, n.fileSize()));
    } else if (n.unixfs() != null && n.unixfs().type() == UnixFsData.Type.SYMLINK) {
      throw new UnsafePathException(
          "symlink refused: " + (rel.isEmpty() ? cid.toString() : rel) + " (" + cid + ")");
    } else if (n.unixfs() != null && n.unixfs().type() == UnixFsData.Type.HAMT_SHARD) {
      throw new IpfsException(
          "folder " + cid + " is a HAMT-sharded directory, which is not supported");
    } else {
      throw new IpfsException("block " + cid + " is neither a UnixFS file nor a folder");
    }
  }

  /**
   * Writes the file or folder named by root to target, which must not exist (its parent must).
   * Everything is checked first; the copy appears at target only when complete.
   */
  public void export(Cid root, Path target) throws IOException {
    Path abs = target.toAbsolutePath().normalize();
    if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS))
      throw new FileAlreadyExistsException(abs.toString(), null, "target already exists");
    Path parent = abs.getParent();
    if (parent == null || !Files.isDirectory(parent))
      throw new NoSuchFileException(
          String.valueOf(parent), null, "the target's folder does not exist");
    List<PlannedEntry> plan = plan(root);
    Path partial =
        parent.resolve(
            "."
                + abs.getFileName()
                + ".partial-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    for (PlannedEntry e : plan) {
      Path p = e.relativePath().isEmpty() ? partial : partial.resolve(e.relativePath()).normalize();
      if (!p.startsWith(partial))
        throw new UnsafePathException(
            "entry " + e.relativePath() + " would be written outside " + target);
    }
    try {
      for (PlannedEntry e : plan) {
        Path p = e.relativePath().isEmpty() ? partial : partial.resolve(e.relativePath());
        if (e.directory()) {
          Files.createDirectory(p);
        } else {
          try (FileChannel ch =
              FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long n = writeFile(e.cid(), ch);
            if (n != e.size())
              throw new IpfsException(
                  "file " + e.cid() + " has " + n + " bytes but declares " + e.size());
            if (durable) ch.force(true);
          }
        }
      }
      if (durable) {
        for (int i = plan.size() - 1; i >= 0; i--)
          if (plan.get(i).directory()) forceDirectory(partial.resolve(plan.get(i).relativePath()));
      }
      Files.move(partial, abs, StandardCopyOption.ATOMIC_MOVE);
      if (durable) forceDirectory(parent);
    } catch (IOException | RuntimeException e) {
      FileTrees.deleteQuietly(partial);
      throw e;
    }
  }

  public static void forceDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException ignored) {
      // some file systems cannot sync a folder; the files themselves were forced
    }
  }

  /**
   * Writes the content of the UnixFS file (or raw leaf) cid; checks every size against the DAG's
   * declarations.
   */
  public long writeFile(Cid cid, WritableByteChannel out) throws IOException {
    return writeFile(cid, out, -1, 0);
  }

  private long writeFile(Cid cid, WritableByteChannel out, long expected, int depth)
      throws IOException {
    if (depth > 64) throw new IpfsException("file DAG deeper than 64 levels at " + cid);
    if (cid.isRaw() && copier != null && expected >= 0) {
      long n = copier.copy(cid, out);
      if (n >= 0) {
        check(cid, expected, n);
        return n;
      }
    }
    byte[] block = source.get(cid);
    if (cid.isRaw()) {
      check(cid, expected, block.length);
      writeAll(out, block, 0, block.length);
      return block.length;
    }
    DagNode n = DagNode.decode(cid, block);
    if (!n.isFile())
      throw new IpfsException("block " + cid + " is inside a file but is not a UnixFS file node");
    UnixFsData fs = n.unixfs();
    List<PbLink> links = n.pb().links();
    if (!fs.blockSizes().isEmpty() && fs.blockSizes().size() != links.size())
      throw new IpfsException(
          "file node "
              + cid
              + " has "
              + links.size()
              + " links but "
              + fs.blockSizes().size()
              + " blocksizes");
    if (links.size() > 0 && fs.blockSizes().isEmpty())
      throw new IpfsException("file node " + cid + " has links but no blocksizes");
    long written = 0;
    if (fs.data() != null) {
      writeAll(out, fs.data(), 0, fs.data().length);
      written += fs.data().length;
    }
    for (int i = 0; i < links.size(); i++)
      written += writeFile(links.get(i).hash(), out, fs.blockSizes().get(i), depth + 1);
    check(cid, expected, written);
    if (fs.fileSize() != null && fs.fileSize() != written)
      throw new IpfsException(
          "file node "
              + cid
              + " declares filesize "
              + fs.fileSize()
              + " but holds "
              + written
              + " bytes");
    return written;
  }

  /** A chunk of a file and its place in it. */
  @FunctionalInterface
  public interface LeafVisitor {
    void leaf(Cid cid, long offset, long length) throws IOException;
  }

  /**
   * Visits the raw chunks of the file root in order with their offsets, checking every size against
   * the DAG's declarations as {@link #writeFile} does; rawSize gives a raw chunk's length without
   * reading it (-1: missing). Returns the file's size. Chunks carried inside dag-pb nodes are not
   * supported here (the caller copies instead).
   */
  public long forEachLeaf(
      Cid root, java.util.function.ToLongFunction<Cid> rawSize, LeafVisitor visitor)
      throws IOException {
    return forEachLeaf(root, rawSize, visitor, 0, -1, 0);
  }

  private long forEachLeaf(
      Cid cid,
      java.util.function.ToLongFunction<Cid> rawSize,
      LeafVisitor v,
      long offset,
      long expected,
      int depth)
      throws IOException {
    if (depth > 64) throw new IpfsException("file DAG deeper than 64 levels at " + cid);
    if (cid.isRaw()) {
      long n = rawSize.applyAsLong(cid);
      if (n < 0)
        throw new org.jgolem.ipfs.BlockNotFoundException("block " + cid + " is not in the store");
      check(cid, expected, n);
      v.leaf(cid, offset, n);
      return n;
    }
    DagNode n = DagNode.decode(cid, source.get(cid));
    if (!n.isFile())
      throw new IpfsException("block " + cid + " is inside a file but is not a UnixFS file node");
    UnixFsData fs = n.unixfs();
    if (fs.dataLength() > 0)
      throw new IpfsException("file node " + cid + " carries data itself; not a raw-leaves DAG");
    List<PbLink> links = n.pb().links();
    if (fs.blockSizes().size() != links.size())
      throw new IpfsException(
          "file node "
              + cid
              + " has "
              + links.size()
              + " links but "
              + fs.blockSizes().size()
              + " blocksizes");
    long done = 0;
    for (int i = 0; i < links.size(); i++)
      done +=
          forEachLeaf(
              links.get(i).hash(), rawSize, v, offset + done, fs.blockSizes().get(i), depth + 1);
    check(cid, expected, done);
    if (fs.fileSize() != null && fs.fileSize() != done)
      throw new IpfsException(
          "file node "
              + cid
              + " declares filesize "
              + fs.fileSize()
              + " but holds "
              + done
              + " bytes");
    return done;
  }

  private static void check(Cid cid, long expected, long actual) {
    if (expected >= 0 && expected != actual)
      throw new IpfsException(
          "block "
              + cid
              + " holds "
              + actual
              + " bytes of file content but its parent declares "
              + expected);
  }

  private static void writeAll(WritableByteChannel out, byte[] b, int off, int len)
      throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(b, off, len);
    while (buf.hasRemaining()) out.write(buf);
  }
}
