package org.jgolem.ipfs.unixfs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.jgolem.ipfs.IpfsException;
import org.jgolem.ipfs.UnsafePathException;
import org.jgolem.ipfs.multiformats.Cid;

/**
 * Builds UnixFS DAGs as {@code ipfs add} does: fixed-size chunks (256 KiB), a balanced layout with
 * at most 174 links a node, and either raw leaves (CIDv1, as {@code --cid-version=1 --raw-leaves})
 * or dag-pb UnixFS leaves (the default of {@code ipfs add}, CIDv0 or v1). A file that fits in one
 * chunk is its leaf; folders are basic UnixFS directories with links sorted by name.
 */
public final class DagBuilder {
  public static final int CHUNK_SIZE = 256 * 1024;
  public static final int MAX_LINKS = 174;

  /**
   * Largest directory block written; Kubo would switch to a HAMT-sharded directory above 256 KiB of
   * links.
   */
  public static final int MAX_DIRECTORY_BLOCK = 1024 * 1024;

  /**
   * What a built (sub-)DAG is: its root, the total size of its blocks (the Tsize of a link to it),
   * its content size.
   */
  public record Entry(Cid cid, long tsize, long contentSize) {}

  private final BlockSink sink;
  private final boolean rawLeaves;
  private final int version;
  private final int chunkSize;
  private final byte[] chunk;

  /** The layout of {@code ipfs add --cid-version=1 --raw-leaves}. */
  public static DagBuilder rawLeaves(BlockSink sink) {
    return new DagBuilder(sink, true, 1, CHUNK_SIZE);
  }

  /** The default layout of {@code ipfs add} (dag-pb leaves), as CIDv0 (version 0) or CIDv1. */
  public static DagBuilder pbLeaves(BlockSink sink, int version) {
    return new DagBuilder(sink, false, version, CHUNK_SIZE);
  }

  DagBuilder(BlockSink sink, boolean rawLeaves, int version, int chunkSize) {
    if (version != 0 && version != 1)
      throw new IllegalArgumentException("CID version must be 0 or 1");
    if (rawLeaves && version == 0) throw new IllegalArgumentException("raw leaves need CIDv1");
    this.sink = sink;
    this.rawLeaves = rawLeaves;
    this.version = version;
    this.chunkSize = chunkSize;
    this.chunk = new byte[chunkSize];
  }

  /**
   * Adds a file or a folder (recursively). Symlinks and special files are refused before any block
   * is made.
   */
  public Entry add(Path path) throws IOException {
    if (attributes(path).isDirectory()) checkTree(path);
    return addChecked(path);
  }

  /**
   * Adds a file or a folder that the caller has just walked with {@link #checkTree} (the walk is
   * not made again: reading a file's attributes is a system call, which can cost more than hashing
   * a small file's blocks; see docs/PERFORMANCE.md). A symlink, special file or bad name that
   * appeared since is still refused when it is read.
   */
  public Entry addChecked(Path path) throws IOException {
    return attributes(path).isDirectory() ? addDirectory(path) : addRegular(path);
  }

  /**
   * Walks the folder first, so that a symlink, special file or bad name anywhere is refused before
   * anything is stored.
   */
  public static long checkTree(Path dir) throws IOException {
    long total = 0;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        EntryNames.check(p.getFileName().toString(), dir.toString());
        BasicFileAttributes a = attributes(p);
        total += a.isDirectory() ? checkTree(p) : a.size();
      }
    }
    return total;
  }

  private static BasicFileAttributes attributes(Path p) throws IOException {
    BasicFileAttributes a =
        Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (a.isSymbolicLink())
      throw new UnsafePathException(
          "symlink refused: " + p + " (resources may hold only files and folders)");
    if (!a.isDirectory() && !a.isRegularFile())
      throw new UnsafePathException("not a regular file or folder: " + p);
    return a;
  }

  public Entry addFile(Path file) throws IOException {
    attributes(file);
    return addRegular(file);
  }

  /**
   * A file whose attributes were just checked (a symlink put in its place since is not followed:
   * NOFOLLOW_LINKS).
   */
  private Entry addRegular(Path file) throws IOException {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      return addFile(ch::read);
    }
  }

  public Entry addFile(InputStream in) throws IOException {
    return addFile(buffer -> {
      int n = in.read(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
      if (n > 0) buffer.position(buffer.position() + n);
      return n;
    });
  }

  /** A source of bytes: reads into the buffer, returns -1 at the end. */
  @FunctionalInterface
  public interface Reader {
    int read(ByteBuffer buffer) throws IOException;
  }

  public Entry addFile(Reader reader) throws IOException {
    List<List<Entry>> levels = new ArrayList<>();
    List<Integer> produced = new ArrayList<>();
    boolean any = false;
    while (true) {
      int n = fill(reader);
      if (n == 0 && any) break;
      any = true;
      push(levels, produced, 0, leaf(n));
      if (n < chunkSize) break;
    }
    // Collapse what is pending, bottom up, exactly as grouping each level by MAX_LINKS would.
    for (int k = 0; ; k++) {
      boolean top = levels.size() == k + 1 || produced.get(k + 1) == 0;
      if (top && produced.get(k) == 1) return levels.get(k).get(0);
      if (!levels.get(k).isEmpty()) {
        Entry parent = fileNode(levels.get(k));
        levels.get(k).clear();
        push(levels, produced, k + 1, parent);
      }
    }
  }

  private void push(List<List<Entry>> levels, List<Integer> produced, int k, Entry e)
      throws IOException {
    while (levels.size() <= k) {
      levels.add(new ArrayList<>(MAX_LINKS));
      produced.add(0);
    }
    produced.set(k, produced.get(k) + 1);
    List<Entry> level = levels.get(k);
    level.add(e);
    if (level.size() == MAX_LINKS) {
      Entry parent = fileNode(level);
      level.clear();
      // a full group may be the very last one: then the top test above sees produced[k+1] == 1 and
      // stops there
      push(levels, produced, k + 1, parent);
    }
  }

  private int fill(Reader reader) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(chunk);
    while (buf.hasRemaining()) {
      if (reader.read(buf) < 0) break;
    }
    return buf.position();
  }

  private Entry leaf(int n) throws IOException {
    if (rawLeaves) {
      Cid cid = sink.put(1, Cid.RAW, chunk, n);
      return new Entry(cid, n, n);
    }
    byte[] data = Arrays.copyOf(chunk, n);
    byte[] block = new PbNode(List.of(), UnixFsData.file(data, n, List.of()).encode()).encode();
    Cid cid = sink.put(version, Cid.DAG_PB, block, block.length);
    return new Entry(cid, block.length, n);
  }

  private Entry fileNode(List<Entry> children) throws IOException {
    List<PbLink> links = new ArrayList<>(children.size());
    List<Long> sizes = new ArrayList<>(children.size());
    long fileSize = 0, tsize = 0;
    for (Entry c : children) {
      links.add(new PbLink(c.cid(), "", c.tsize()));
      sizes.add(c.contentSize());
      fileSize += c.contentSize();
      tsize += c.tsize();
    }
    byte[] block = new PbNode(links, UnixFsData.file(null, fileSize, sizes).encode()).encode();
    Cid cid = sink.put(version, Cid.DAG_PB, block, block.length);
    return new Entry(cid, tsize + block.length, fileSize);
  }

  private Entry addDirectory(Path dir) throws IOException {
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      entries.forEach(children::add);
    }
    List<Named> named = new ArrayList<>(children.size());
    for (Path child : children) {
      String name = child.getFileName().toString();
      EntryNames.check(name, dir.toString());
      named.add(new Named(name, addChecked(child)));
    }
    return directory(named, dir.toString());
  }

  /** A folder entry: a name and the DAG it links to. */
  public record Named(String name, Entry entry) {}

  /**
   * Makes a UnixFS directory node from named entries (sorted here by UTF-8 bytes, as dag-pb
   * requires).
   */
  public Entry directory(List<Named> entries, String where) throws IOException {
    List<Named> sorted = new ArrayList<>(entries);
    sorted.sort(
        Comparator.comparing(
            n -> n.name().getBytes(StandardCharsets.UTF_8), Arrays::compareUnsigned));
    List<PbLink> links = new ArrayList<>(sorted.size());
    long tsize = 0, content = 0;
    String previous = null;
    for (Named n : sorted) {
      EntryNames.check(n.name(), where);
      if (n.name().equals(previous))
        throw new IpfsException("folder " + where + " has two entries named " + n.name());
      previous = n.name();
      links.add(new PbLink(n.entry().cid(), n.name(), n.entry().tsize()));
      tsize += n.entry().tsize();
      content += n.entry().contentSize();
    }
    byte[] block = new PbNode(links, UnixFsData.directory().encode()).encode();
    if (block.length > MAX_DIRECTORY_BLOCK)
      throw new IpfsException(
          "folder "
              + where
              + " has too many entries ("
              + sorted.size()
              + ") for one UnixFS directory block of at most "
              + MAX_DIRECTORY_BLOCK
              + " bytes; HAMT-sharded directories are not supported");
    Cid cid = sink.put(version, Cid.DAG_PB, block, block.length);
    return new Entry(cid, tsize + block.length, content);
  }
}
