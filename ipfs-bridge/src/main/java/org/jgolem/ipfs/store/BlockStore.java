package org.jgolem.ipfs.store;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jgolem.ipfs.BlockNotFoundException;
import org.jgolem.ipfs.CorruptBlockException;
import org.jgolem.ipfs.LimitExceededException;
import org.jgolem.ipfs.Sizes;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.ipfs.multiformats.Multihash;
import org.jgolem.ipfs.store.Pack.Loc;
import org.jgolem.ipfs.unixfs.BlockSink;
import org.jgolem.ipfs.unixfs.BlockSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A content-addressed block store on disk, in append-only pack files ({@code packs/NNNNNNNN.pack})
 * of records {@code varint(len(cid)) cid varint(len(data)) data}, with the index (CID to pack and
 * offset) in memory, rebuilt by scanning the packs when the store opens. One file a block would
 * cost a create, a rename and a close per 256 KiB chunk, system calls that made writing many times
 * slower than appending to a pack (see docs/PERFORMANCE.md).
 *
 * <p>Consistency: a record is appended only after its hash was checked. Records are not synced one
 * by one; after a crash, a pack may end in a partial record, which the scan at open cuts off, and a
 * record whose bytes did not reach the disk is caught by the rule that every block is verified
 * against its hash the first time this process reads it (a damaged record is dropped from the index
 * and counts as missing, so it is fetched again). So a block is in the store complete and verified,
 * or not at all. Blocks appended or verified by this process are not hashed again.
 *
 * <p>Deletion (GC) drops records from the index and notes them in {@code packs/dead} (replaced
 * atomically), so that they stay deleted after a restart; {@link #compact} rewrites packs that are
 * mostly dead.
 *
 * <p>Limit: the total size of the live blocks may not exceed maxBytes (checked before each append).
 *
 * <p>The record format ({@link PackFormat}), the pack files ({@link Pack}) and the deletions
 * ({@link Tombstones}) are apart. What is left is over 400 lines because it is one thing: the
 * in-memory index, the space used and the packs it points into change together under the same
 * stripe locks, in put, file-pack writes, reads that drop damaged records, deletes and compaction.
 */
public final class BlockStore implements BlockSink, BlockSource, Closeable {
  private static final Logger log = LoggerFactory.getLogger(BlockStore.class);

  /** The largest block accepted (Bitswap's limit is 2 MiB). */
  public static final int MAX_BLOCK_SIZE = 2 * 1024 * 1024;

  private static final long PACK_SIZE = 256L << 20;
  private static final int MAX_VERIFIED = 1 << 22;

  /**
   * A file pack: the content of one file, laid out as the file itself (each chunk at its offset, no
   * record headers), with a sidecar index ({@code NNNNNNNN.fidx}: {@code varint(len(cid)) cid
   * varint(offset) varint(length)} a record). A transfer writes the chunks it fetches straight into
   * it, so that the finished file can be given to the caller by a hard link instead of a second
   * copy. Because the caller may then change that file, blocks in a file pack are hashed on every
   * read and never sent without a check.
   */
  public static final class FilePack {
    private final Pack pack;
    private final long size;
    private final Map<Long, Cid> written = new ConcurrentHashMap<>();

    private FilePack(Pack pack, long size) {
      this.pack = pack;
      this.size = size;
    }

    public Path path() {
      return pack.path;
    }

    public long size() {
      return size;
    }

    /** Whether the chunk cid was written at offset by this transfer. */
    public boolean hasAt(long offset, Cid cid) {
      return cid.toV1().equals(written.get(offset));
    }
  }

  private final Path root;
  private final Path packDir;
  private final long maxBytes;
  private final Map<Cid, Loc> index = new ConcurrentHashMap<>();
  private final Map<Integer, Pack> packs = new ConcurrentHashMap<>();
  private final ConcurrentLinkedDeque<Pack> writable = new ConcurrentLinkedDeque<>();
  private final AtomicInteger nextPack = new AtomicInteger();
  private final AtomicLong used = new AtomicLong();
  private final Set<Cid> verified = ConcurrentHashMap.newKeySet();
  private final Tombstones tombstones;
  private final Object[] stripes = new Object[256];

  private BlockStore(Path root, long maxBytes) throws IOException {
    this.root = root;
    this.packDir = root.resolve("packs");
    this.maxBytes = maxBytes;
    Files.createDirectories(packDir);
    this.tombstones = Tombstones.load(packDir);
    for (int i = 0; i < stripes.length; i++) stripes[i] = new Object();
  }

  /**
   * Opens (creating it if needed) the store in dir; maxBytes limits the total size of its blocks.
   */
  public static BlockStore open(Path dir, long maxBytes) throws IOException {
    if (maxBytes <= 0)
      throw new IllegalArgumentException(
          "the store's size limit must be positive, got " + maxBytes);
    BlockStore s = new BlockStore(dir.toAbsolutePath(), maxBytes);
    s.load();
    return s;
  }

  private void load() throws IOException {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(packDir, "*.pack")) {
      ds.forEach(files::add);
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(packDir, "*.fpack")) {
      ds.forEach(files::add);
    }
    files.sort(Comparator.comparing(Path::toString));
    for (Path f : files) {
      if (f.getFileName().toString().endsWith(".fpack")) {
        loadFilePack(f);
        continue;
      }
      int id;
      try {
        id = Integer.parseInt(f.getFileName().toString().replace(".pack", ""));
      } catch (NumberFormatException e) {
        continue;
      }
      Pack p =
          new Pack(id, f, FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE));
      packs.put(id, p);
      nextPack.set(Math.max(nextPack.get(), id + 1));
      scan(p);
      p.sealed = true; // new blocks go to new packs; old ones only shrink by compaction
    }
  }

  private void loadFilePack(Path f) throws IOException {
    int id;
    try {
      id = Integer.parseInt(f.getFileName().toString().replace(".fpack", ""));
    } catch (NumberFormatException e) {
      return;
    }
    Path side = Pack.sidecarOf(f, id);
    FileChannel sc =
        FileChannel.open(
            side, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    Pack p =
        new Pack(id, f, FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE), sc);
    p.sealed = true;
    packs.put(id, p);
    nextPack.set(Math.max(nextPack.get(), id + 1));
    long size = p.ch.size();
    p.end.set(size);
    long[] live = {0};
    PackFormat.readIndex(
        sc,
        size,
        (cid, start, offset, length) -> {
          if (tombstones.contains(cid, id, offset) || index.containsKey(cid)) return;
          index.put(cid, new Loc(p, offset, (int) length));
          used.addAndGet(length);
          live[0] += length;
        });
    p.dead.set(size - live[0]);
  }

  /** A new file pack for a file of size bytes (see {@link FilePack}). */
  public FilePack createFilePack(long size) throws IOException {
    int id = nextPack.getAndIncrement();
    Path f = packDir.resolve(String.format("%08d.fpack", id));
    Path side = Pack.sidecarOf(f, id);
    Pack p =
        new Pack(
            id,
            f,
            FileChannel.open(
                f,
                StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE),
            FileChannel.open(
                side,
                StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE));
    p.sealed = true;
    p.active = true;
    p.end.set(size);
    p.dead.set(size); // nothing live yet
    packs.put(id, p);
    return new FilePack(p, size);
  }

  /**
   * Checks a chunk against cid and writes it into the file pack at offset (its place in the file);
   * it becomes the stored copy of cid unless the store already had one. Returns whether cid is new
   * to the store.
   */
  public boolean putAt(FilePack fp, Cid cid, long offset, byte[] data) throws IOException {
    if (!cid.verifies(data))
      throw new CorruptBlockException(
          cid, "block " + cid + " does not match its hash (" + data.length + " bytes)");
    if (offset < 0 || offset + data.length > fp.size)
      throw new IllegalArgumentException("chunk at " + offset + " does not fit the file pack");
    Cid k = key(cid);
    synchronized (stripe(k)) {
      boolean isNew = !index.containsKey(k);
      if (isNew) {
        long now = used.addAndGet(data.length);
        if (now > maxBytes) {
          used.addAndGet(-data.length);
          throw new LimitExceededException(
              "the block store "
                  + root
                  + " is full: storing "
                  + Sizes.format(data.length)
                  + " more would use "
                  + Sizes.format(now)
                  + " of its limit of "
                  + Sizes.format(maxBytes)
                  + " (run gc or raise the node's limit)");
        }
      }
      boolean done = false;
      try {
        ByteBuffer b = ByteBuffer.wrap(data);
        while (b.hasRemaining()) fp.pack.ch.write(b, offset + b.position());
        fp.written.put(offset, k);
        if (isNew) {
          byte[] rec = PackFormat.indexRecord(k, offset, data.length);
          synchronized (fp.pack.sidecar) {
            ByteBuffer r = ByteBuffer.wrap(rec);
            while (r.hasRemaining()) fp.pack.sidecar.write(r, fp.pack.sidecar.size());
          }
          index.put(k, new Loc(fp.pack, offset, data.length));
          fp.pack.dead.addAndGet(-data.length);
        }
        done = true;
        return isNew;
      } finally {
        if (!done && isNew) used.addAndGet(-data.length);
      }
    }
  }

  /**
   * Writes the stored, verified block cid into the file pack at offset (a chunk this transfer did
   * not fetch).
   */
  public void fillAt(FilePack fp, Cid cid, long offset) throws IOException {
    byte[] data = get(cid);
    if (offset < 0 || offset + data.length > fp.size)
      throw new IllegalArgumentException("chunk at " + offset + " does not fit the file pack");
    ByteBuffer b = ByteBuffer.wrap(data);
    while (b.hasRemaining()) fp.pack.ch.write(b, offset + b.position());
    fp.written.put(offset, key(cid));
  }

  /**
   * The transfer is done with the file pack: from now on it is compacted like any pack once mostly
   * dead.
   */
  public void release(FilePack fp) {
    fp.pack.active = false;
  }

  /** Forces the file pack and its index to disk. */
  public void force(FilePack fp) throws IOException {
    fp.pack.ch.force(true);
    fp.pack.sidecar.force(true);
  }

  /** Indexes a pack's records (see {@link PackFormat#scan}). */
  private void scan(Pack p) throws IOException {
    p.end.set(
        PackFormat.scan(
            p,
            (cid, start, dataOffset, len) -> {
              if (tombstones.contains(cid, p.id, dataOffset) || index.containsKey(cid)) {
                p.dead.addAndGet(dataOffset + len - start);
              } else {
                index.put(cid, new Loc(p, dataOffset, (int) len));
                used.addAndGet(len);
              }
            }));
  }

  public Path root() {
    return root;
  }

  public long maxBytes() {
    return maxBytes;
  }

  /** Bytes of all live blocks. */
  public long usedBytes() {
    return used.get();
  }

  public long blockCount() {
    return index.size();
  }

  private static Cid key(Cid cid) {
    return cid.toV1();
  }

  private Object stripe(Cid cid) {
    return stripes[cid.hashCode() & (stripes.length - 1)];
  }

  public boolean has(Cid cid) {
    return cid.multihash().code() == Multihash.IDENTITY || index.containsKey(key(cid));
  }

  /** The block's size, or -1 if the store does not have it. */
  public long size(Cid cid) {
    if (cid.multihash().code() == Multihash.IDENTITY) return cid.multihash().digestLength();
    Loc l = index.get(key(cid));
    return l == null ? -1 : l.length();
  }

  /**
   * The verified block, or null if the store does not have it (a damaged record is dropped and
   * counts as absent).
   */
  public byte[] getOrNull(Cid cid) throws IOException {
    if (cid.multihash().code() == Multihash.IDENTITY) return cid.multihash().digest();
    Cid k = key(cid);
    Loc l = index.get(k);
    if (l == null) return null;
    byte[] data = new byte[l.length()];
    ByteBuffer buf = ByteBuffer.wrap(data);
    long pos = l.offset();
    while (buf.hasRemaining()) {
      int n = l.pack().ch.read(buf, pos + buf.position());
      if (n < 0) {
        discard(k, l, "its record is cut short");
        return null;
      }
    }
    if (l.pack().isFilePack() || !verified.contains(k)) {
      if (!k.verifies(data)) {
        discard(k, l, "its content does not match its hash");
        return null;
      }
      if (!l.pack().isFilePack()) remember(k);
    }
    return data;
  }

  @Override
  public byte[] get(Cid cid) throws IOException {
    byte[] b = getOrNull(cid);
    if (b == null)
      throw new BlockNotFoundException("block " + cid + " is not in the store " + root);
    return b;
  }

  /**
   * Copies the verified block to out: by the kernel (transferTo) when this process already verified
   * it, else by reading and verifying it. Returns the number of bytes, or -1 if the store does not
   * have it.
   */
  public long copyTo(Cid cid, WritableByteChannel out) throws IOException {
    Cid k = key(cid);
    Loc l = index.get(k);
    if (l == null) return -1;
    if (verified.contains(k) && !l.pack().isFilePack()) {
      long done = 0;
      while (done < l.length()) {
        long n = l.pack().ch.transferTo(l.offset() + done, l.length() - done, out);
        if (n <= 0) break;
        done += n;
      }
      if (done == l.length()) return done;
      if (done > 0) throw new IOException("block " + cid + " was cut short while being copied");
    }
    byte[] b = getOrNull(cid);
    if (b == null) return -1;
    ByteBuffer buf = ByteBuffer.wrap(b);
    while (buf.hasRemaining()) out.write(buf);
    return b.length;
  }

  /** A stored block's bytes in its pack file, for a zero-copy send. */
  public record Region(FileChannel channel, long offset, int length) {}

  /**
   * For zero-copy serving: where the block's bytes are, if this process already verified them (else
   * null: read it with {@link #getOrNull}, which verifies).
   */
  public Region region(Cid cid) {
    Cid k = key(cid);
    Loc l = index.get(k);
    if (l == null || l.pack().isFilePack() || !verified.contains(k) || !l.pack().ch.isOpen())
      return null;
    return new Region(l.pack().ch, l.offset(), l.length());
  }

  private void remember(Cid k) {
    if (verified.size() >= MAX_VERIFIED) verified.clear();
    verified.add(k);
  }

  private void discard(Cid k, Loc l, String why) throws IOException {
    log.warn(
        "block {} in {} is damaged ({}); dropping it so that it is fetched again", k, root, why);
    if (index.remove(k, l)) {
      used.addAndGet(-l.length());
      l.pack().dead.addAndGet(l.length());
      verified.remove(k);
      tombstones.add(k, l.pack().id, l.offset());
      tombstones.save();
    }
  }

  /**
   * Stores block[offset..offset+length) under cid after checking its hash; returns false if the
   * store already had it. Throws CorruptBlockException if the bytes do not hash to cid,
   * LimitExceededException if the store is full.
   */
  public boolean put(Cid cid, byte[] block, int offset, int length) throws IOException {
    if (!cid.verifies(block, offset, length))
      throw new CorruptBlockException(
          cid, "block " + cid + " does not match its hash (" + length + " bytes)");
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
    if (length > MAX_BLOCK_SIZE)
      throw new IllegalArgumentException(
          "block " + cid + " of " + length + " bytes is larger than " + MAX_BLOCK_SIZE);
    Cid k = key(cid);
    synchronized (stripe(k)) {
      if (index.containsKey(k)) return false;
      long now = used.addAndGet(length);
      if (now > maxBytes) {
        used.addAndGet(-length);
        throw new LimitExceededException(
            "the block store "
                + root
                + " is full: storing "
                + Sizes.format(length)
                + " more would use "
                + Sizes.format(now)
                + " of its limit of "
                + Sizes.format(maxBytes)
                + " (run gc or raise the node's limit)");
      }
      boolean done = false;
      try {
        index.put(k, append(k, block, offset, length));
        remember(k);
        done = true;
        return true;
      } finally {
        if (!done) used.addAndGet(-length);
      }
    }
  }

  private Loc append(Cid k, byte[] block, int offset, int length) throws IOException {
    Pack p = writable.pollFirst();
    if (p == null) p = newPack();
    try {
      byte[] head = PackFormat.head(k, length);
      long start = p.end.get();
      ByteBuffer[] bufs = {ByteBuffer.wrap(head), ByteBuffer.wrap(block, offset, length)};
      p.ch.position(start);
      long total = head.length + (long) length;
      long written = 0;
      try {
        while (written < total) written += p.ch.write(bufs);
      } catch (IOException e) {
        p.ch.truncate(start); // leave no partial record behind
        throw e;
      }
      p.end.set(start + total);
      return new Loc(p, start + head.length, length);
    } finally {
      if (p.end.get() < PACK_SIZE) writable.addFirst(p);
      else p.sealed = true;
    }
  }

  private Pack newPack() throws IOException {
    int id = nextPack.getAndIncrement();
    Path f = packDir.resolve(String.format("%08d.pack", id));
    Pack p =
        new Pack(
            id,
            f,
            FileChannel.open(
                f,
                StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE));
    packs.put(id, p);
    return p;
  }

  /**
   * Deletes a block (drops it from the index; its bytes go at the next {@link #compact}); returns
   * the bytes freed.
   */
  public long delete(Cid cid) throws IOException {
    Cid k = key(cid);
    synchronized (stripe(k)) {
      Loc l = index.remove(k);
      if (l == null) return 0;
      used.addAndGet(-l.length());
      l.pack().dead.addAndGet(l.length());
      verified.remove(k);
      tombstones.add(k, l.pack().id, l.offset());
      return l.length();
    }
  }

  /**
   * Makes deletions stick (writes the list of deleted records) and rewrites packs that are mostly
   * dead.
   */
  public synchronized void compact() throws IOException {
    for (Pack p : List.copyOf(packs.values())) {
      long size = p.end.get();
      if (size == 0 || p.dead.get() * 2 < size || p.active) continue;
      if (!writable.remove(p) && !p.sealed) continue; // a pack being appended to right now
      p.sealed = true;
      List<Map.Entry<Cid, Loc>> live = new ArrayList<>();
      for (Map.Entry<Cid, Loc> e : index.entrySet()) if (e.getValue().pack() == p) live.add(e);
      for (Map.Entry<Cid, Loc> e : live) {
        Cid k = e.getKey();
        synchronized (stripe(k)) {
          Loc l = index.get(k);
          if (l == null || l.pack() != p) continue;
          byte[] data = new byte[l.length()];
          ByteBuffer buf = ByteBuffer.wrap(data);
          while (buf.hasRemaining()) if (p.ch.read(buf, l.offset() + buf.position()) < 0) break;
          if (buf.hasRemaining()
              || ((p.isFilePack() || !verified.contains(k)) && !k.verifies(data))) {
            index.remove(k);
            used.addAndGet(-l.length());
            continue;
          }
          index.put(k, append(k, data, 0, data.length));
        }
      }
      // the copies must be on disk before the old pack goes
      for (Pack w : writable) w.ch.force(false);
      packs.remove(p.id);
      p.ch.close();
      Files.deleteIfExists(p.path);
      if (p.isFilePack()) {
        p.sidecar.close();
        Files.deleteIfExists(Pack.sidecarOf(p.path, p.id));
      }
      tombstones.forgetPack(p.id);
    }
    tombstones.save();
  }

  /** Forces every pack to disk (for a node that shuts down cleanly, or before a checkpoint). */
  public void sync() throws IOException {
    for (Pack p : packs.values()) if (p.ch.isOpen()) p.ch.force(false);
  }

  /** Every block's CID and size. */
  public void forEachBlock(BlockVisitor visitor) throws IOException {
    for (Map.Entry<Cid, Loc> e : index.entrySet()) visitor.visit(e.getKey(), e.getValue().length());
  }

  @FunctionalInterface
  public interface BlockVisitor {
    void visit(Cid cid, long size) throws IOException;
  }

  public List<Cid> list() {
    return new ArrayList<>(index.keySet());
  }

  @Override
  public void close() throws IOException {
    for (Pack p : packs.values()) {
      if (p.ch.isOpen()) {
        p.ch.force(false);
        p.ch.close();
      }
      if (p.sidecar != null && p.sidecar.isOpen()) {
        p.sidecar.force(false);
        p.sidecar.close();
      }
    }
    verified.clear();
  }
}
