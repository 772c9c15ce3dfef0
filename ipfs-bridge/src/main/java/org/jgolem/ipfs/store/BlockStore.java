package org.jgolem.ipfs.store;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jgolem.ipfs.BlockNotFoundException;
import org.jgolem.ipfs.CorruptBlockException;
import org.jgolem.ipfs.LimitExceededException;
import org.jgolem.ipfs.Sizes;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.ipfs.multiformats.Multihash;
import org.jgolem.ipfs.unixfs.BlockSink;
import org.jgolem.ipfs.unixfs.BlockSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A content-addressed block store on disk: {@code blocks/XY/<cid>} with XY the next-to-last two characters of the
 * base32 CIDv1 (as Kubo's flatfs shards), one file a block.
 *
 * <p>Consistency: a block is written to {@code tmp/} and renamed into place only after its hash was checked, so a
 * block file is complete or absent; blocks are not fsynced one by one (that would cost a sync a block). After a
 * crash a renamed file could still be short; therefore every block is verified against its hash the first time this
 * process reads it, and a damaged file is deleted and reported as missing (it is fetched again). A block verified
 * or written by this process is remembered with its file's size and modification time, and is re-hashed only if
 * those change.
 *
 * <p>Limit: the total size of the blocks may not exceed maxBytes (checked before each write).
 */
public final class BlockStore implements BlockSink, BlockSource, Closeable {
  private static final Logger log = LoggerFactory.getLogger(BlockStore.class);
  private static final int STRIPES = 256;
  private static final int MAX_VERIFIED = 1 << 20;
  /** The largest block accepted (Bitswap's limit is 2 MiB). */
  public static final int MAX_BLOCK_SIZE = 2 * 1024 * 1024;

  private final Path root;
  private final Path blocks;
  private final Path tmp;
  private final long maxBytes;
  private final AtomicLong used = new AtomicLong();
  private final AtomicLong count = new AtomicLong();
  private final AtomicLong tmpCounter = new AtomicLong();
  private final Object[] stripes = new Object[STRIPES];
  private final Set<String> shards = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<Cid, Long> verified = new ConcurrentHashMap<>();

  private BlockStore(Path root, long maxBytes) {
    this.root = root;
    this.blocks = root.resolve("blocks");
    this.tmp = root.resolve("tmp");
    this.maxBytes = maxBytes;
    for (int i = 0; i < STRIPES; i++) stripes[i] = new Object();
  }

  /** Opens (creating it if needed) the store in dir; maxBytes limits the total size of its blocks. */
  public static BlockStore open(Path dir, long maxBytes) throws IOException {
    if (maxBytes <= 0) throw new IllegalArgumentException("the store's size limit must be positive, got " + maxBytes);
    BlockStore s = new BlockStore(dir.toAbsolutePath(), maxBytes);
    Files.createDirectories(s.blocks);
    Files.createDirectories(s.tmp);
    try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(s.tmp)) {
      for (Path p : leftovers) Files.deleteIfExists(p); // writes interrupted by a crash
    }
    s.forEachFile((cid, size) -> {
      s.used.addAndGet(size);
      s.count.incrementAndGet();
    });
    return s;
  }

  public Path root() {
    return root;
  }

  public long maxBytes() {
    return maxBytes;
  }

  /** Bytes of all blocks. */
  public long usedBytes() {
    return used.get();
  }

  public long blockCount() {
    return count.get();
  }

  private static String name(Cid cid) {
    return cid.toV1().toString();
  }

  Path path(Cid cid) {
    String n = name(cid);
    return blocks.resolve(n.substring(n.length() - 3, n.length() - 1)).resolve(n);
  }

  private Object stripe(Cid cid) {
    return stripes[cid.hashCode() & (STRIPES - 1)];
  }

  public boolean has(Cid cid) {
    if (cid.multihash().code() == Multihash.IDENTITY) return true;
    return Files.exists(path(cid));
  }

  /** The verified block, or null if the store does not have it (a damaged file is deleted and counts as absent). */
  public byte[] getOrNull(Cid cid) throws IOException {
    if (cid.multihash().code() == Multihash.IDENTITY) return cid.multihash().digest();
    Path p = path(cid);
    byte[] data;
    long stamp;
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size > MAX_BLOCK_SIZE) {
        discard(cid, p, "its file has " + size + " bytes");
        return null;
      }
      data = new byte[(int) size];
      ByteBuffer buf = ByteBuffer.wrap(data);
      while (buf.hasRemaining()) if (ch.read(buf) < 0) break;
      if (buf.hasRemaining()) {
        discard(cid, p, "its file shrank while being read");
        return null;
      }
      stamp = stamp(p, size);
    } catch (NoSuchFileException e) {
      return null;
    }
    Long known = verified.get(cid);
    if (known == null || known != stamp) {
      if (!cid.verifies(data)) {
        discard(cid, p, "its content does not match its hash");
        return null;
      }
      remember(cid, stamp);
    }
    return data;
  }

  /** The verified block; throws BlockNotFoundException if the store does not have it. */
  @Override
  public byte[] get(Cid cid) throws IOException {
    byte[] b = getOrNull(cid);
    if (b == null) throw new BlockNotFoundException("block " + cid + " is not in the store " + root);
    return b;
  }

  /**
   * Copies the verified block to out: by the kernel (transferTo) when this process already verified the unchanged
   * file, else by reading and verifying it. Returns the number of bytes, or -1 if the store does not have it.
   */
  public long copyTo(Cid cid, WritableByteChannel out) throws IOException {
    Path p = path(cid);
    Long known = verified.get(cid);
    if (known != null && cid.multihash().code() != Multihash.IDENTITY) {
      try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
        long size = ch.size();
        if (stamp(p, size) == known) {
          long pos = 0;
          while (pos < size) pos += ch.transferTo(pos, size - pos, out);
          return size;
        }
      } catch (NoSuchFileException e) {
        verified.remove(cid);
        return -1;
      }
    }
    byte[] b = getOrNull(cid);
    if (b == null) return -1;
    ByteBuffer buf = ByteBuffer.wrap(b);
    while (buf.hasRemaining()) out.write(buf);
    return b.length;
  }

  private static long stamp(Path p, long size) throws IOException {
    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
    long t = a.lastModifiedTime().toInstant().getEpochSecond() * 1_000_000_000L + a.lastModifiedTime().toInstant().getNano();
    return t * 31 + size;
  }

  private void remember(Cid cid, long stamp) {
    if (verified.size() >= MAX_VERIFIED) verified.clear();
    verified.put(cid, stamp);
  }

  private void discard(Cid cid, Path p, String why) throws IOException {
    log.warn("block {} in {} is damaged ({}); deleting it so that it is fetched again", cid, root, why);
    synchronized (stripe(cid)) {
      long size = Files.exists(p) ? Files.size(p) : -1;
      if (Files.deleteIfExists(p)) {
        used.addAndGet(-size);
        count.decrementAndGet();
      }
      verified.remove(cid);
    }
  }

  /**
   * Stores block[offset..offset+length) under cid after checking its hash; returns false if the store already had
   * it. Throws CorruptBlockException if the bytes do not hash to cid, LimitExceededException if the store is full.
   */
  public boolean put(Cid cid, byte[] block, int offset, int length) throws IOException {
    if (!cid.verifies(block, offset, length))
      throw new CorruptBlockException(cid, "block " + cid + " does not match its hash (" + length + " bytes)");
    return putVerified(cid, block, offset, length);
  }

  /** BlockSink: hashes the block and stores it. */
  @Override
  public Cid put(int version, long codec, byte[] block, int length) throws IOException {
    Multihash mh = Multihash.sha256(block, 0, length);
    Cid cid = version == 0 ? Cid.v0(mh) : Cid.v1(codec, mh);
    putVerified(cid, block, 0, length);
    return cid;
  }

  private boolean putVerified(Cid cid, byte[] block, int offset, int length) throws IOException {
    if (cid.multihash().code() == Multihash.IDENTITY) return false;
    if (length > MAX_BLOCK_SIZE) throw new IllegalArgumentException("block " + cid + " of " + length + " bytes is larger than " + MAX_BLOCK_SIZE);
    Path p = path(cid);
    synchronized (stripe(cid)) {
      if (Files.exists(p)) return false;
      long now = used.addAndGet(length);
      if (now > maxBytes) {
        used.addAndGet(-length);
        throw new LimitExceededException("the block store " + root + " is full: storing " + Sizes.format(length) + " more would use "
            + Sizes.format(now) + " of its limit of " + Sizes.format(maxBytes) + " (run gc or raise the node's limit)");
      }
      boolean done = false;
      Path t = tmp.resolve(p.getFileName() + "." + tmpCounter.incrementAndGet());
      try {
        String shard = p.getParent().getFileName().toString();
        if (!shards.contains(shard)) {
          Files.createDirectories(p.getParent());
          shards.add(shard);
        }
        try (FileChannel ch = FileChannel.open(t, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          ByteBuffer buf = ByteBuffer.wrap(block, offset, length);
          while (buf.hasRemaining()) ch.write(buf);
        }
        try {
          Files.move(t, p, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          throw new IOException("the store " + root + " needs a file system with atomic renames", e);
        }
        remember(cid, stamp(p, length));
        count.incrementAndGet();
        done = true;
        return true;
      } finally {
        if (!done) {
          used.addAndGet(-length);
          Files.deleteIfExists(t);
        }
      }
    }
  }

  /** Deletes a block; returns the bytes freed (0 if absent). */
  public long delete(Cid cid) throws IOException {
    Path p = path(cid);
    synchronized (stripe(cid)) {
      long size;
      try {
        size = Files.size(p);
      } catch (NoSuchFileException e) {
        return 0;
      }
      Files.delete(p);
      used.addAndGet(-size);
      count.decrementAndGet();
      verified.remove(cid);
      return size;
    }
  }

  /** Every block's CID and size (files that are not named by a CID are skipped). */
  public void forEachFile(FileVisitor visitor) throws IOException {
    if (!Files.isDirectory(blocks)) return;
    try (DirectoryStream<Path> shardDirs = Files.newDirectoryStream(blocks)) {
      for (Path shard : shardDirs) {
        if (!Files.isDirectory(shard)) continue;
        shards.add(shard.getFileName().toString());
        try (DirectoryStream<Path> files = Files.newDirectoryStream(shard)) {
          for (Path f : files) {
            Cid cid;
            try {
              cid = Cid.parse(f.getFileName().toString());
            } catch (IllegalArgumentException e) {
              continue;
            }
            visitor.visit(cid, Files.size(f));
          }
        }
      }
    }
  }

  @FunctionalInterface
  public interface FileVisitor {
    void visit(Cid cid, long size) throws IOException;
  }

  public List<Cid> list() throws IOException {
    List<Cid> out = new ArrayList<>();
    forEachFile((cid, size) -> out.add(cid));
    return out;
  }

  void forEachCid(Consumer<Cid> c) throws IOException {
    forEachFile((cid, size) -> c.accept(cid));
  }

  @Override
  public void close() {
    verified.clear();
  }
}
