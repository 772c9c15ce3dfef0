package org.jgolem.ipfs.embedded;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.jgolem.ipfs.BlockNotFoundException;
import org.jgolem.ipfs.GcResult;
import org.jgolem.ipfs.IpfsException;
import org.jgolem.ipfs.LimitExceededException;
import org.jgolem.ipfs.ResourceStore;
import org.jgolem.ipfs.ResourceStoreConfig;
import org.jgolem.ipfs.Sizes;
import org.jgolem.ipfs.UnsafePathException;
import org.jgolem.ipfs.exchange.BlockExchange;
import org.jgolem.ipfs.exchange.GatewayServer;
import org.jgolem.ipfs.exchange.HttpTransport;
import org.jgolem.ipfs.exchange.PeerReports;
import org.jgolem.ipfs.exchange.PeerTransport;
import org.jgolem.ipfs.exchange.Providers;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.ipfs.store.BlockStore;
import org.jgolem.ipfs.store.Dags;
import org.jgolem.ipfs.store.Pins;
import org.jgolem.ipfs.unixfs.DagBuilder;
import org.jgolem.ipfs.unixfs.DagReader;

/**
 * The embedded backend: a {@link BlockStore} in {@code <data>/ipfs}, pins in {@code
 * <data>/ipfs/pins}, a {@link BlockExchange} fetching from the peers the {@link Providers} name,
 * and (with {@link #serve}) a {@link GatewayServer} for the other nodes. GC takes a write lock; add
 * and get take read locks, so GC never removes the blocks of a transfer in progress.
 */
public final class EmbeddedResourceStore implements ResourceStore {
  /**
   * Files at least this large are fetched into a file pack and handed out by a hard link (no second
   * copy).
   */
  static final long FILE_PACK_MIN = 4L << 20;

  private final ResourceStoreConfig config;
  private final BlockStore store;
  private final Pins pins;
  private final PeerTransport transport;
  private final BlockExchange exchange;
  private final ReentrantReadWriteLock gcLock = new ReentrantReadWriteLock();
  private GatewayServer gateway;
  private volatile Consumer<BlockExchange.Stats> fetchListener = stats -> {};

  private EmbeddedResourceStore(
      ResourceStoreConfig config,
      BlockStore store,
      Pins pins,
      PeerTransport transport,
      BlockExchange exchange) {
    this.config = config;
    this.store = store;
    this.pins = pins;
    this.transport = transport;
    this.exchange = exchange;
  }

  public static EmbeddedResourceStore open(
      ResourceStoreConfig config, Providers providers, PeerReports reports) throws IOException {
    return open(config, providers, reports, new HttpTransport());
  }

  /** With a transport of the node's own (requests carried over its connections). */
  public static EmbeddedResourceStore open(
      ResourceStoreConfig config, Providers providers, PeerReports reports, PeerTransport transport)
      throws IOException {
    Path dir = config.dataDir().resolve("ipfs");
    BlockStore store = BlockStore.open(dir, config.maxNodeBytes());
    Pins pins = Pins.load(dir.resolve("pins"));
    BlockExchange.Config ec = new BlockExchange.Config(config.parallelism(), config.timeout(), 16);
    return new EmbeddedResourceStore(
        config,
        store,
        pins,
        transport,
        new BlockExchange(store, providers, reports, transport, ec));
  }

  public BlockStore blockStore() {
    return store;
  }

  public Pins pins() {
    return pins;
  }

  /**
   * Hands the statistics of every fetch from now on (by {@link #get}, {@link #getScratch}, {@link
   * #prefetch} or {@link #fetch}; from the fetching thread, as each one's blocks are stored) to
   * listener, replacing the previous one: for a log line or a metric. It must be quick and not
   * throw.
   */
  public void onFetch(Consumer<BlockExchange.Stats> listener) {
    this.fetchListener = Objects.requireNonNull(listener);
  }

  private BlockExchange.Stats fetched(BlockExchange.Stats stats) {
    fetchListener.accept(stats);
    return stats;
  }

  /** Starts this node's trustless gateway on address (port 0: any free port). */
  public synchronized GatewayServer serve(InetSocketAddress address) throws InterruptedException {
    if (gateway != null) throw new IllegalStateException("already serving on " + gateway.uri());
    gateway = new GatewayServer(store).start(address);
    return gateway;
  }

  @Override
  public Cid add(Path path) throws IOException {
    return add(path, Pins.NODE, null);
  }

  @Override
  public Cid add(Path path, String taskId) throws IOException {
    return add(path, Pins.taskOwner(taskId), taskId);
  }

  private Cid add(Path path, String owner, String taskId) throws IOException {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(
          path.toString(), null, "nothing to add: no such file or folder");
    }
    if (a.isSymbolicLink())
      throw new UnsafePathException(
          "symlink refused: " + path + " (resources may hold only files and folders)");
    long contentBytes =
        a.isDirectory()
            ? DagBuilder.checkTree(path)
            : a.size(); // also refuses symlinks and bad names inside
    if (taskId != null) checkTask(taskId, owner, contentBytes, path.toString());
    ensureSpace(contentBytes, path.toString());
    gcLock.readLock().lock();
    try {
      DagBuilder.Entry e = DagBuilder.rawLeaves(store).addChecked(path); // checkTree above
      if (taskId != null) checkTask(taskId, owner, e.tsize(), path.toString());
      pins.add(e.cid(), owner, e.tsize());
      return e.cid();
    } finally {
      gcLock.readLock().unlock();
    }
  }

  /**
   * Refuses, before anything is written, what cannot fit under the node's limit even after a GC
   * (the GC runs only when needed: unpinned blocks, such as those of a failed transfer, are kept
   * for a retry until space is short).
   */
  private void ensureSpace(long bytes, String what) throws IOException {
    if (store.usedBytes() + bytes <= store.maxBytes()) return;
    gc();
    long used = store.usedBytes();
    if (used + bytes > store.maxBytes())
      throw new LimitExceededException(
          "the block store "
              + store.root()
              + " is full: "
              + what
              + " needs "
              + Sizes.format(bytes)
              + " but only "
              + Sizes.format(Math.max(0, store.maxBytes() - used))
              + " of the node's limit of "
              + Sizes.format(store.maxBytes())
              + " are free");
  }

  private void checkTask(String taskId, String owner, long more, String what) {
    long used = pins.usage(owner);
    if (used + more > config.maxTaskBytes())
      throw new LimitExceededException(
          "task "
              + taskId
              + " may use "
              + Sizes.format(config.maxTaskBytes())
              + " of resources; it uses "
              + Sizes.format(used)
              + " and "
              + what
              + " needs "
              + Sizes.format(more)
              + " more");
  }

  @Override
  public void get(Cid cid, Path target) throws IOException {
    get(cid, target, Pins.NODE, null, config.durable());
  }

  @Override
  public void get(Cid cid, Path target, String taskId) throws IOException {
    get(cid, target, Pins.taskOwner(taskId), taskId, config.durable());
  }

  @Override
  public void getScratch(Cid cid, Path target) throws IOException {
    get(cid, target, Pins.NODE, null, false);
  }

  private void get(Cid cid, Path target, String owner, String taskId, boolean durable)
      throws IOException {
    Path abs = target.toAbsolutePath().normalize();
    if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS))
      throw new FileAlreadyExistsException(abs.toString(), null, "target already exists");
    if (abs.getParent() == null || !Files.isDirectory(abs.getParent()))
      throw new NoSuchFileException(
          String.valueOf(abs.getParent()), null, "the target's folder does not exist");
    long allowance = store.maxBytes();
    if (taskId != null) allowance = Math.min(allowance, config.maxTaskBytes() - pins.usage(owner));
    if (allowance <= 0)
      throw new LimitExceededException(
          "task " + taskId + " already uses its limit of " + Sizes.format(config.maxTaskBytes()));
    if (store.usedBytes() > store.maxBytes() / 10 * 9) gc();
    AtomicReference<BlockStore.FilePack> filePack = new AtomicReference<>();
    gcLock.readLock().lock();
    try {
      try {
        // a large file's chunks go straight into a file pack, which then becomes the target:
        // written once
        fetched(
            exchange.fetch(
                cid,
                allowance,
                fileSize -> {
                  if (fileSize < FILE_PACK_MIN) return null;
                  BlockStore.FilePack fp = store.createFilePack(fileSize);
                  filePack.set(fp);
                  return fp;
                }));
      } catch (LimitExceededException e) {
        if (taskId == null) throw e;
        throw new LimitExceededException(
            e.getMessage()
                + " (the rest of task "
                + taskId
                + "'s limit of "
                + Sizes.format(config.maxTaskBytes())
                + ")");
      }
      long size = Dags.size(store, cid);
      if (taskId != null && size > allowance)
        throw new LimitExceededException(
            "resource "
                + cid
                + " has "
                + Sizes.format(size)
                + "; task "
                + taskId
                + " may use only "
                + Sizes.format(allowance)
                + " more");
      pins.add(cid, owner, size);
      BlockStore.FilePack fp = filePack.get();
      if (fp == null || !linkFilePack(cid, fp, abs, durable))
        new DagReader(store::get, durable, store::copyTo).export(cid, abs);
    } finally {
      if (filePack.get() != null) store.release(filePack.get());
      gcLock.readLock().unlock();
    }
  }

  /** Forces the blocks stored so far to disk: they survive a crash of the machine from then on. */
  public void sync() throws IOException {
    store.sync();
  }

  /**
   * Makes sure every block of cid is in the local store (fetching what is missing, verified, at
   * most {@code maxBytes} in all), without writing it out or pinning it, and returns the size of
   * its content: for a node that decides where to write a resource by its size (then {@link
   * #getScratch} writes it without fetching).
   */
  public long prefetch(Cid cid, long maxBytes) throws IOException {
    gcLock.readLock().lock();
    try {
      fetched(exchange.fetch(cid, Math.min(maxBytes, store.maxBytes())));
      return Dags.size(store, cid);
    } finally {
      gcLock.readLock().unlock();
    }
  }

  /**
   * Makes sure every block of cid is in the local store (fetching what is missing, verified),
   * without writing it out or pinning it: for a node that prepares a resource ahead of use, and for
   * measurements.
   */
  public BlockExchange.Stats fetch(Cid cid) throws IOException {
    gcLock.readLock().lock();
    try {
      return fetched(exchange.fetch(cid, store.maxBytes()));
    } finally {
      gcLock.readLock().unlock();
    }
  }

  /**
   * Completes the file pack (chunks this transfer did not fetch, because they were stored already
   * or repeat, are copied in), syncs it, and gives it to the caller as target by a hard link. The
   * link appears only when the file is complete. Returns false (the caller then copies) if the file
   * system cannot link.
   */
  private boolean linkFilePack(Cid cid, BlockStore.FilePack fp, Path target, boolean durable)
      throws IOException {
    DagReader reader = new DagReader(store::get, durable);
    long size =
        reader.forEachLeaf(
            cid,
            store::size,
            (leaf, offset, length) -> {
              if (!fp.hasAt(offset, leaf)) store.fillAt(fp, leaf, offset);
            });
    if (size != fp.size())
      throw new IpfsException(
          "file " + cid + " holds " + size + " bytes but its root declares " + fp.size());
    if (durable) store.force(fp);
    try {
      Files.createLink(target, fp.path());
    } catch (UnsupportedOperationException | IOException e) {
      if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) throw e;
      return false; // another file system, or no hard links: copy instead
    }
    if (durable) DagReader.forceDirectory(target.getParent());
    return true;
  }

  @Override
  public void pin(Cid cid) throws IOException {
    gcLock.readLock().lock();
    try {
      long size;
      try {
        size = Dags.size(store, cid);
      } catch (BlockNotFoundException e) {
        throw new BlockNotFoundException(
            "cannot pin " + cid + ": " + e.getMessage() + " (get the resource first)");
      }
      pins.add(cid, Pins.NODE, size);
    } finally {
      gcLock.readLock().unlock();
    }
  }

  @Override
  public boolean unpin(Cid cid) throws IOException {
    return pins.remove(cid, Pins.NODE);
  }

  @Override
  public void releaseTask(String taskId) throws IOException {
    pins.removeOwner(Pins.taskOwner(taskId));
  }

  @Override
  public long taskUsage(String taskId) {
    return pins.usage(Pins.taskOwner(taskId));
  }

  @Override
  public GcResult gc() throws IOException {
    gcLock.writeLock().lock();
    try {
      return Dags.collect(store, pins.roots());
    } finally {
      gcLock.writeLock().unlock();
    }
  }

  @Override
  public synchronized void close() throws IOException {
    if (gateway != null) gateway.close();
    exchange.close();
    transport.close();
    store.close();
    pins.close();
  }
}
