package org.jgolem.ipfs.exchange;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jgolem.ipfs.CorruptBlockException;
import org.jgolem.ipfs.IpfsException;
import org.jgolem.ipfs.LimitExceededException;
import org.jgolem.ipfs.ResourceTimeoutException;
import org.jgolem.ipfs.Sizes;
import org.jgolem.ipfs.car.CarReader;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.ipfs.multiformats.Multihash;
import org.jgolem.ipfs.store.BlockStore;
import org.jgolem.ipfs.unixfs.DagNode;
import org.jgolem.ipfs.unixfs.PbLink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches whole DAGs into the local store from the peers that announced them, verifying every block.
 *
 * <p>First the DAG's structure (its dag-pb nodes: folders, file roots, inner file nodes) is fetched level by level,
 * one block a request; then the raw leaves, grouped into runs of consecutive chunks of one file node, each run one
 * request for a CAR of that byte range ({@code dag-scope=entity&entity-bytes=...}). The work is spread over
 * {@code parallelism} concurrent requests, each sent to the peer with the fewest requests in flight, so a large
 * resource comes from several peers at once.
 *
 * <p>Every block is hashed before it is stored. A peer that sends a block that does not match its CID is reported
 * ({@link PeerReports#corruptBlock}) and not asked again during this fetch; the rest of its work goes to other peers.
 * A dropped connection or an error moves the unfinished part of a request to another attempt. Blocks already in the
 * store are never requested, so a fetch that is repeated after a failure (or after the node restarted) continues
 * where it stopped. A fetch fails with {@link ResourceTimeoutException} when no block arrived for stallTimeout.
 */
public final class BlockExchange implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BlockExchange.class);

  /** Tuning: concurrent requests, how long without progress is a time-out, how many chunks one request asks for. */
  public record Config(int parallelism, Duration stallTimeout, int leavesPerRequest) {
    public Config {
      if (parallelism < 1) throw new IllegalArgumentException("parallelism must be at least 1");
      if (leavesPerRequest < 1) throw new IllegalArgumentException("leavesPerRequest must be at least 1");
      if (stallTimeout.isNegative() || stallTimeout.isZero()) throw new IllegalArgumentException("stallTimeout must be positive");
    }

    public static Config defaults() {
      return new Config(6, Duration.ofSeconds(30), 16);
    }

    public Config withStallTimeout(Duration d) {
      return new Config(parallelism, d, leavesPerRequest);
    }
  }

  /** What a fetch did. redundantBlocks: blocks received that the store already had (excluding a range request's own node). */
  public record Stats(long blocksFetched, long bytesFetched, long blocksAlreadyPresent, long redundantBlocks, long corruptBlocks,
      long requests, long failedRequests, Map<String, Long> blocksPerPeer) {}

  private final BlockStore store;
  private final Providers providers;
  private final PeerReports reports;
  private final PeerTransport transport;
  private final Config config;
  private final ExecutorService workers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("ipfs-fetch-", 0).factory());

  public BlockExchange(BlockStore store, Providers providers, PeerReports reports, PeerTransport transport, Config config) {
    this.store = store;
    this.providers = providers;
    this.reports = reports;
    this.transport = transport;
    this.config = config;
  }

  public Config config() {
    return config;
  }

  /** Makes sure every block of root's DAG is in the store; maxBytes bounds the DAG's total size. */
  public Stats fetch(Cid root, long maxBytes) throws IOException {
    return new Fetch(root, maxBytes, null).run();
  }

  /** Gives a file pack for a file of the given size, or null to store its chunks as usual. */
  @FunctionalInterface
  public interface FilePacks {
    BlockStore.FilePack create(long fileSize) throws IOException;
  }

  /**
   * As {@link #fetch(Cid, long)}; when root is a UnixFS file, the chunks fetched are written straight into the file
   * pack that filePacks gives (each at its offset in the file), so the caller can hand out the file without a copy.
   */
  public Stats fetch(Cid root, long maxBytes, FilePacks filePacks) throws IOException {
    return new Fetch(root, maxBytes, filePacks).run();
  }

  @Override
  public void close() {
    workers.shutdownNow();
  }

  // ---------------------------------------------------------------------------------------------------------------

  /** A chunk: its index and offset in its parent node, its size, and its offset in the root file (-1: none). */
  private record Leaf(Cid cid, int index, long offset, long size, long fileOffset) {}

  /** A piece of work: some blocks (one request each), or a run of one file node's leaves (one CAR request). */
  private static final class Unit {
    final List<Cid> blocks; // for a blocks unit
    final Cid parent; // for a range unit
    final List<Leaf> leaves;
    final Set<Peer> tried = new HashSet<>();
    int rounds;

    Unit(List<Cid> blocks) {
      this.blocks = blocks;
      this.parent = null;
      this.leaves = List.of();
    }

    Unit(Cid parent, List<Leaf> leaves) {
      this.blocks = List.of();
      this.parent = parent;
      this.leaves = leaves;
    }

    boolean isRange() {
      return parent != null;
    }

    Cid first() {
      return isRange() ? leaves.get(0).cid() : blocks.get(0);
    }
  }

  private final class Fetch {
    final Cid root;
    final long maxBytes;
    final AtomicLong blocksFetched = new AtomicLong(), bytesFetched = new AtomicLong(), present = new AtomicLong();
    final AtomicLong redundant = new AtomicLong(), corrupt = new AtomicLong(), requests = new AtomicLong(), failed = new AtomicLong();
    final Map<String, AtomicLong> perPeer = new ConcurrentHashMap<>();
    final Map<Peer, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    final Set<Peer> banned = ConcurrentHashMap.newKeySet();
    final Map<String, String> lastError = new ConcurrentHashMap<>();
    volatile long lastProgress = System.nanoTime();
    volatile List<Peer> peers = List.of();
    volatile long peersAt;
    long structureBytes;
    long presentLeafBytes;

    final FilePacks filePacks;
    volatile BlockStore.FilePack filePack;

    Fetch(Cid root, long maxBytes, FilePacks filePacks) {
      this.root = root;
      this.maxBytes = maxBytes;
      this.filePacks = filePacks;
    }

    Stats run() throws IOException {
      // 1. structure: the dag-pb nodes, level by level
      List<Cid> level = List.of(root);
      Set<Cid> seen = new HashSet<>(level);
      List<Leaf> fileLeaves = new ArrayList<>();
      Map<Cid, List<Leaf>> leavesByParent = new LinkedHashMap<>();
      List<Cid> looseLeaves = new ArrayList<>();
      long declaredLeafBytes = 0;
      Map<Cid, Long> base = new HashMap<>(); // offset in the root file of each file node under it
      base.put(root, 0L);
      while (!level.isEmpty()) {
        List<Cid> missing = new ArrayList<>();
        for (Cid c : level) {
          if (store.has(c)) present.incrementAndGet();
          else missing.add(c);
        }
        if (!missing.isEmpty()) {
          List<Unit> units = new ArrayList<>();
          for (int i = 0; i < missing.size(); i += 8) units.add(new Unit(missing.subList(i, Math.min(missing.size(), i + 8))));
          runUnits(units);
        }
        List<Cid> next = new ArrayList<>();
        for (Cid c : level) {
          byte[] b = store.get(c);
          structureBytes += b.length;
          if (!c.isDagPb()) continue; // a raw root: nothing below
          DagNode n = DagNode.decode(c, b);
          List<PbLink> links = n.pb().links();
          boolean file = n.isFile() && n.unixfs() != null && n.unixfs().blockSizes().size() == links.size();
          if (c.equals(root) && file && filePacks != null && n.unixfs().dataLength() == 0) {
            long fileSize = n.fileSize();
            if (fileSize > maxBytes) throw tooLarge(fileSize);
            filePack = filePacks.create(fileSize);
          }
          long nodeBase = filePack != null && file ? base.getOrDefault(c, -1L) : -1L;
          long offset = file ? n.unixfs().dataLength() : 0;
          for (int i = 0; i < links.size(); i++) {
            Cid child = links.get(i).hash();
            long size = file ? n.unixfs().blockSizes().get(i) : (links.get(i).tsize() == null ? 0 : links.get(i).tsize());
            if (child.multihash().code() == Multihash.IDENTITY) {
              offset += size;
              continue;
            }
            if (child.isDagPb()) {
              if (nodeBase >= 0) base.putIfAbsent(child, nodeBase + offset);
              if (seen.add(child)) next.add(child);
            } else if (child.isRaw()) {
              declaredLeafBytes += size;
              if (!seen.add(child)) {
                // the same chunk again (a repeated chunk): fetched once
              } else if (file) {
                Leaf leaf = new Leaf(child, i, offset, size, nodeBase >= 0 ? nodeBase + offset : -1);
                fileLeaves.add(leaf);
                leavesByParent.computeIfAbsent(c, k -> new ArrayList<>()).add(leaf);
              } else {
                looseLeaves.add(child);
              }
            } else {
              throw new IpfsException("block " + child + " (linked from " + c + ") has codec 0x" + Long.toHexString(child.codec())
                  + "; only raw and dag-pb are supported");
            }
            offset += size;
          }
        }
        if (structureBytes + declaredLeafBytes > maxBytes) throw tooLarge(structureBytes + declaredLeafBytes);
        level = next;
      }
      // 2. the leaves that are missing, in runs of one file node's consecutive chunks
      List<Unit> units = new ArrayList<>();
      for (Map.Entry<Cid, List<Leaf>> e : leavesByParent.entrySet()) {
        List<Leaf> run = new ArrayList<>();
        for (Leaf l : e.getValue()) {
          if (store.has(l.cid())) {
            present.incrementAndGet();
            presentLeafBytes += l.size();
            flush(units, e.getKey(), run);
            continue;
          }
          if (!run.isEmpty() && run.get(run.size() - 1).index() != l.index() - 1) flush(units, e.getKey(), run);
          run.add(l);
          if (run.size() == config.leavesPerRequest()) flush(units, e.getKey(), run);
        }
        flush(units, e.getKey(), run);
      }
      List<Cid> loose = new ArrayList<>();
      for (Cid c : looseLeaves) {
        if (store.has(c)) present.incrementAndGet();
        else loose.add(c);
      }
      for (int i = 0; i < loose.size(); i += 32) units.add(new Unit(new ArrayList<>(loose.subList(i, Math.min(loose.size(), i + 32)))));
      if (!units.isEmpty()) runUnits(units);
      Map<String, Long> pp = new HashMap<>();
      perPeer.forEach((k, v) -> pp.put(k, v.get()));
      return new Stats(blocksFetched.get(), bytesFetched.get(), present.get(), redundant.get(), corrupt.get(), requests.get(), failed.get(),
          Collections.unmodifiableMap(pp));
    }

    private void flush(List<Unit> units, Cid parent, List<Leaf> run) {
      if (run.isEmpty()) return;
      units.add(new Unit(parent, new ArrayList<>(run)));
      run.clear();
    }

    private LimitExceededException tooLarge(long size) {
      return new LimitExceededException("resource " + root + " has " + Sizes.format(size) + ", more than the "
          + Sizes.format(maxBytes) + " allowed for it");
    }

    /** Runs units on up to parallelism concurrent workers until all are done; rethrows the first fatal error. */
    private void runUnits(List<Unit> initial) throws IOException {
      LinkedBlockingDeque<Unit> queue = new LinkedBlockingDeque<>(initial);
      AtomicInteger open = new AtomicInteger(initial.size());
      int n = Math.min(config.parallelism(), initial.size());
      List<Future<?>> futures = new ArrayList<>();
      lastProgress = System.nanoTime();
      for (int i = 0; i < n; i++) futures.add(workers.submit(() -> {
        work(queue, open);
        return null;
      }));
      Throwable failure = null;
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          if (failure == null) failure = e.getCause();
          open.set(-1_000_000); // stop the others
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          futures.forEach(x -> x.cancel(true));
          throw new InterruptedIOException("fetch of " + root + " interrupted");
        }
      }
      if (failure instanceof IOException io) throw io;
      if (failure instanceof RuntimeException re) throw re;
      if (failure instanceof Error er) throw er;
      if (failure != null) throw new IOException(failure);
    }

    private void work(LinkedBlockingDeque<Unit> queue, AtomicInteger open) throws IOException, InterruptedException {
      while (open.get() > 0) {
        Unit u = queue.poll(50, TimeUnit.MILLISECONDS);
        if (u == null) {
          checkStall(null);
          continue;
        }
        Peer peer = choosePeer(u);
        if (peer == null) {
          checkStall(u);
          queue.addLast(u);
          Thread.sleep(20);
          continue;
        }
        List<Unit> rest;
        inFlight.computeIfAbsent(peer, p -> new AtomicInteger()).incrementAndGet();
        try {
          rest = attempt(u, peer);
        } finally {
          inFlight.get(peer).decrementAndGet();
        }
        for (Unit r : rest) queue.addFirst(r);
        open.addAndGet(rest.size() - 1);
        if (!rest.isEmpty()) checkStall(rest.get(0));
      }
    }

    private void checkStall(Unit u) {
      long idle = System.nanoTime() - lastProgress;
      if (idle < config.stallTimeout().toNanos()) return;
      StringBuilder why = new StringBuilder();
      if (peers.isEmpty()) why.append("no peer announced it");
      else {
        why.append("peers tried: ");
        for (Peer p : peers) {
          why.append(p.id()).append(" (").append(banned.contains(p) ? "served corrupted blocks" : lastError.getOrDefault(p.id(), "no answer"))
              .append("); ");
        }
      }
      throw new ResourceTimeoutException("timed out fetching " + root + ": no block arrived for " + config.stallTimeout().toMillis()
          + " ms" + (u == null ? "" : "; still missing " + u.first()) + "; " + why.toString().replaceAll("; $", ""));
    }

    private Peer choosePeer(Unit u) {
      long now = System.nanoTime();
      if (peers.isEmpty() || now - peersAt > 1_000_000_000L) {
        peers = List.copyOf(new LinkedHashSet<>(providers.providers(root)));
        peersAt = now;
      }
      List<Peer> usable = new ArrayList<>();
      for (Peer p : peers) if (!banned.contains(p)) usable.add(p);
      if (usable.isEmpty()) return null;
      List<Peer> fresh = new ArrayList<>();
      for (Peer p : usable) if (!u.tried.contains(p)) fresh.add(p);
      if (fresh.isEmpty()) {
        // every usable peer failed this unit once: try them all again, pausing a little more each round
        u.tried.clear();
        u.rounds++;
        try {
          Thread.sleep(Math.min(1000, 50L * u.rounds));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        fresh = usable;
      }
      Peer best = null;
      int bestLoad = Integer.MAX_VALUE;
      int start = Math.floorMod(u.first().hashCode(), fresh.size());
      for (int i = 0; i < fresh.size(); i++) {
        Peer p = fresh.get((start + i) % fresh.size());
        int load = inFlight.computeIfAbsent(p, x -> new AtomicInteger()).get();
        if (load < bestLoad) {
          best = p;
          bestLoad = load;
        }
      }
      return best;
    }

    /** Runs u against peer; returns the units still to do (empty when u is complete). */
    private List<Unit> attempt(Unit u, Peer peer) throws IOException {
      requests.incrementAndGet();
      try {
        return u.isRange() ? range(u, peer) : blocks(u, peer);
      } catch (CorruptBlockException e) {
        corrupt.incrementAndGet();
        banned.add(peer);
        log.warn("peer {} served a corrupted block {}: {}", peer, e.cid(), e.getMessage());
        reports.corruptBlock(peer, e.cid(), e.getMessage());
        return remaining(u, peer);
      } catch (LimitExceededException | ResourceTimeoutException e) {
        throw e;
      } catch (IOException | IpfsException e) {
        failed.incrementAndGet();
        lastError.put(peer.id(), e.getMessage() == null ? e.toString() : e.getMessage());
        log.debug("request to {} for {} failed: {}", peer, u.first(), e.toString());
        reports.failed(peer, e.getMessage());
        return remaining(u, peer);
      }
    }

    private List<Unit> remaining(Unit u, Peer peer) {
      if (u.isRange()) {
        List<Unit> out = new ArrayList<>();
        List<Leaf> run = new ArrayList<>();
        for (Leaf l : u.leaves) {
          if (store.has(l.cid())) {
            if (!run.isEmpty()) out.add(copyTried(new Unit(u.parent, new ArrayList<>(run)), u, peer));
            run.clear();
          } else {
            run.add(l);
          }
        }
        if (!run.isEmpty()) out.add(copyTried(new Unit(u.parent, run), u, peer));
        return out;
      }
      List<Cid> left = new ArrayList<>();
      for (Cid c : u.blocks) if (!store.has(c)) left.add(c);
      return left.isEmpty() ? List.of() : List.of(copyTried(new Unit(left), u, peer));
    }

    private Unit copyTried(Unit n, Unit old, Peer peer) {
      n.tried.addAll(old.tried);
      n.tried.add(peer);
      n.rounds = old.rounds;
      return n;
    }

    private Duration requestTimeout() {
      return config.stallTimeout().compareTo(Duration.ofSeconds(30)) < 0 ? config.stallTimeout() : Duration.ofSeconds(30);
    }

    private List<Unit> blocks(Unit u, Peer peer) throws IOException {
      for (Cid c : u.blocks) {
        if (store.has(c)) continue;
        try (PeerTransport.Response r = transport.get(peer, GatewayRequest.uri(c, GatewayRequest.Format.RAW, null, null, null),
            GatewayRequest.RAW_TYPE, requestTimeout())) {
          if (r.status() != 200) throw new IOException(status(r, c));
          byte[] data = r.body().readNBytes(BlockStore.MAX_BLOCK_SIZE + 1);
          if (data.length > BlockStore.MAX_BLOCK_SIZE) throw new CorruptBlockException(c, "block " + c + " is larger than " + BlockStore.MAX_BLOCK_SIZE + " bytes");
          if (r.body().read() >= 0) throw new IOException("response for " + c + " is longer than declared");
          accept(peer, c, data, -1);
        }
      }
      return List.of();
    }

    private List<Unit> range(Unit u, Peer peer) throws IOException {
      Map<Cid, Leaf> want = new HashMap<>();
      for (Leaf l : u.leaves) if (!store.has(l.cid())) want.put(l.cid(), l);
      if (want.isEmpty()) return List.of();
      long from = u.leaves.get(0).offset();
      Leaf last = u.leaves.get(u.leaves.size() - 1);
      long to = last.offset() + Math.max(1, last.size()) - 1;
      int unexpected = 0;
      try (PeerTransport.Response r = transport.get(peer, GatewayRequest.uri(u.parent, GatewayRequest.Format.CAR, GatewayRequest.Scope.ENTITY, from, to),
          GatewayRequest.CAR_TYPE, requestTimeout())) {
        if (r.status() != 200) throw new IOException(status(r, u.parent));
        InputStream body = r.body();
        CarReader car = new CarReader(body, BlockStore.MAX_BLOCK_SIZE);
        CarReader.Block b;
        while (!want.isEmpty() && (b = car.next()) != null) {
          Leaf wanted = want.remove(b.cid());
          if (wanted != null) {
            accept(peer, b.cid(), b.data(), wanted.fileOffset());
          } else if (b.cid().equals(u.parent)) {
            if (!b.cid().verifies(b.data())) throw new CorruptBlockException(b.cid(), "block " + b.cid() + " does not match its hash");
          } else if (++unexpected > 64) {
            throw new IOException("peer sent more than 64 blocks that were not asked for");
          } else {
            redundant.incrementAndGet();
          }
        }
        if (!want.isEmpty()) throw new IOException("CAR response for " + u.parent + " ended with " + want.size() + " blocks missing");
        // drain the end of the stream so that the connection can be reused
        while (car.next() != null) redundant.incrementAndGet();
      }
      return List.of();
    }

    private String status(PeerTransport.Response r, Cid c) {
      String msg;
      try {
        msg = new String(r.body().readNBytes(300), java.nio.charset.StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        msg = "";
      }
      return "HTTP " + r.status() + " for " + c + (msg.isEmpty() ? "" : ": " + msg);
    }

    /** Verifies and stores one block. */
    private void accept(Peer peer, Cid cid, byte[] data, long fileOffset) throws IOException {
      long total = structureBytes + presentLeafBytes + bytesFetched.get() + data.length;
      if (total > maxBytes) throw tooLarge(total);
      BlockStore.FilePack fp = filePack;
      // both throw CorruptBlockException on a hash mismatch
      boolean isNew = fp != null && fileOffset >= 0 ? store.putAt(fp, cid, fileOffset, data) : store.put(cid, data, 0, data.length);
      if (isNew) {
        blocksFetched.incrementAndGet();
        bytesFetched.addAndGet(data.length);
        perPeer.computeIfAbsent(peer.id(), k -> new AtomicLong()).incrementAndGet();
      } else {
        redundant.incrementAndGet();
      }
      lastProgress = System.nanoTime();
      reports.served(peer, 1, data.length);
    }
  }
}
