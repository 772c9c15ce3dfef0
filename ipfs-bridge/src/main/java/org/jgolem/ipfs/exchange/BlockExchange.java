package org.jgolem.ipfs.exchange;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jgolem.ipfs.CorruptBlockException;
import org.jgolem.ipfs.IpfsException;
import org.jgolem.ipfs.LimitExceededException;
import org.jgolem.ipfs.ResourceTimeoutException;
import org.jgolem.ipfs.Sizes;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.ipfs.multiformats.Multihash;
import org.jgolem.ipfs.store.BlockStore;
import org.jgolem.ipfs.unixfs.DagNode;
import org.jgolem.ipfs.unixfs.PbLink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches whole DAGs into the local store from the peers that announced them, verifying every
 * block.
 *
 * <p>First the DAG's structure (its dag-pb nodes: folders, file roots, inner file nodes) is fetched
 * level by level, one block a request; then the raw leaves, grouped into runs of consecutive chunks
 * of one file node, each run one request for a CAR of that byte range ({@code
 * dag-scope=entity&entity-bytes=...}). The work is spread over {@code parallelism} concurrent
 * requests, each sent to the peer with the fewest requests in flight, so a large resource comes
 * from several peers at once.
 *
 * <p>Every block is hashed before it is stored. A peer that sends a block that does not match its
 * CID is reported ({@link PeerReports#corruptBlock}) and not asked again during this fetch; the
 * rest of its work goes to other peers. A dropped connection or an error moves the unfinished part
 * of a request to another attempt. Blocks already in the store are never requested, so a fetch that
 * is repeated after a failure (or after the node restarted) continues where it stopped. A fetch
 * fails with {@link ResourceTimeoutException} when no block arrived for stallTimeout.
 *
 * <p>Why over 400 lines: the fetch loop that drives units, requests and peers together; a unit
 * ({@link FetchUnit}), the requests ({@link FetchRequests}) and the choice of peers ({@link
 * FetchPeers}) are apart.
 */
public final class BlockExchange implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BlockExchange.class);

  /**
   * Tuning: concurrent requests, how long without progress is a time-out, how many chunks one
   * request asks for.
   */
  public record Config(int parallelism, Duration stallTimeout, int leavesPerRequest) {
    public Config {
      if (parallelism < 1) throw new IllegalArgumentException("parallelism must be at least 1");
      if (leavesPerRequest < 1)
        throw new IllegalArgumentException("leavesPerRequest must be at least 1");
      if (stallTimeout.isNegative() || stallTimeout.isZero())
        throw new IllegalArgumentException("stallTimeout must be positive");
    }

    public static Config defaults() {
      return new Config(6, Duration.ofSeconds(30), 16);
    }

    public Config withStallTimeout(Duration d) {
      return new Config(parallelism, d, leavesPerRequest);
    }
  }

  /**
   * What a fetch did. redundantBlocks: blocks received that the store already had (excluding a
   * range request's own node).
   */
  public record Stats(
      long blocksFetched,
      long bytesFetched,
      long blocksAlreadyPresent,
      long redundantBlocks,
      long corruptBlocks,
      long requests,
      long failedRequests,
      Map<String, Long> blocksPerPeer) {}

  private final BlockStore store;
  private final Providers providers;
  private final PeerReports reports;
  private final PeerTransport transport;
  private final Config config;
  private final FetchRequests sender;
  private final Clock clock;
  private final ScheduledExecutorService timer;
  private final boolean ownTimer;
  private final ExecutorService workers =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("ipfs-fetch-", 0).factory());

  /** How long a worker waits before trying again when no peer is usable. */
  private static final long NO_PEER_PAUSE_MILLIS = 20;

  /** With the system clock and a timer of its own (closed with the exchange). */
  public BlockExchange(
      BlockStore store,
      Providers providers,
      PeerReports reports,
      PeerTransport transport,
      Config config) {
    this(
        store,
        providers,
        reports,
        transport,
        config,
        Clock.systemUTC(),
        Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "ipfs-fetch-timer");
          t.setDaemon(true);
          return t;
        }),
        true);
  }

  /**
   * clock measures stalls; timer times the pauses between attempts (not closed with the exchange).
   */
  public BlockExchange(
      BlockStore store,
      Providers providers,
      PeerReports reports,
      PeerTransport transport,
      Config config,
      Clock clock,
      ScheduledExecutorService timer) {
    this(store, providers, reports, transport, config, clock, timer, false);
  }

  private BlockExchange(
      BlockStore store,
      Providers providers,
      PeerReports reports,
      PeerTransport transport,
      Config config,
      Clock clock,
      ScheduledExecutorService timer,
      boolean ownTimer) {
    this.store = store;
    this.providers = providers;
    this.reports = reports;
    this.transport = transport;
    this.config = config;
    this.sender = new FetchRequests(store, transport, config.stallTimeout());
    this.clock = clock;
    this.timer = timer;
    this.ownTimer = ownTimer;
  }

  /** Blocks the calling worker for millis, on the timer. */
  private void pause(long millis) throws InterruptedException {
    try {
      timer.schedule(() -> {}, millis, TimeUnit.MILLISECONDS).get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("the fetch timer failed", e);
    }
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
   * As {@link #fetch(Cid, long)}; when root is a UnixFS file, the chunks fetched are written
   * straight into the file pack that filePacks gives (each at its offset in the file), so the
   * caller can hand out the file without a copy.
   */
  public Stats fetch(Cid root, long maxBytes, FilePacks filePacks) throws IOException {
    return new Fetch(root, maxBytes, filePacks).run();
  }

  @Override
  public void close() {
    workers.shutdownNow();
    if (ownTimer) timer.shutdownNow();
  }

  // ---------------------------------------------------------------------------------------------------------------

  private final class Fetch implements FetchRequests.Sink {
    final Cid root;
    final long maxBytes;
    final AtomicLong blocksFetched = new AtomicLong(),
        bytesFetched = new AtomicLong(),
        present = new AtomicLong();
    final AtomicLong redundant = new AtomicLong(),
        corrupt = new AtomicLong(),
        requests = new AtomicLong(),
        failed = new AtomicLong();
    final Map<String, AtomicLong> perPeer = new ConcurrentHashMap<>();
    final FetchPeers peers;
    volatile long lastProgress = clock.millis();
    long structureBytes;
    long presentLeafBytes;

    final FilePacks filePacks;
    volatile BlockStore.FilePack filePack;

    Fetch(Cid root, long maxBytes, FilePacks filePacks) {
      this.root = root;
      this.maxBytes = maxBytes;
      this.filePacks = filePacks;
      this.peers =
          new FetchPeers(() -> providers.providers(root), clock, BlockExchange.this::pause);
    }

    Stats run() throws IOException {
      // 1. structure: the dag-pb nodes, level by level
      List<Cid> level = List.of(root);
      Set<Cid> seen = new HashSet<>(level);
      List<FetchUnit.Leaf> fileLeaves = new ArrayList<>();
      Map<Cid, List<FetchUnit.Leaf>> leavesByParent = new LinkedHashMap<>();
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
          List<FetchUnit> units = new ArrayList<>();
          for (int i = 0; i < missing.size(); i += 8)
            units.add(new FetchUnit(missing.subList(i, Math.min(missing.size(), i + 8))));
          runUnits(units);
        }
        List<Cid> next = new ArrayList<>();
        for (Cid c : level) {
          byte[] b = store.get(c);
          structureBytes += b.length;
          if (!c.isDagPb()) continue; // a raw root: nothing below
          DagNode n = DagNode.decode(c, b);
          List<PbLink> links = n.pb().links();
          boolean file =
              n.isFile() && n.unixfs() != null && n.unixfs().blockSizes().size() == links.size();
          if (c.equals(root) && file && filePacks != null && n.unixfs().dataLength() == 0) {
            long fileSize = n.fileSize();
            if (fileSize > maxBytes) throw tooLarge(fileSize);
            filePack = filePacks.create(fileSize);
          }
          long nodeBase = filePack != null && file ? base.getOrDefault(c, -1L) : -1L;
          long offset = file ? n.unixfs().dataLength() : 0;
          for (int i = 0; i < links.size(); i++) {
            Cid child = links.get(i).hash();
            long size =
                file
                    ? n.unixfs().blockSizes().get(i)
                    : (links.get(i).tsize() == null ? 0 : links.get(i).tsize());
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
                FetchUnit.Leaf leaf =
                    new FetchUnit.Leaf(
                        child, i, offset, size, nodeBase >= 0 ? nodeBase + offset : -1);
                fileLeaves.add(leaf);
                leavesByParent.computeIfAbsent(c, k -> new ArrayList<>()).add(leaf);
              } else {
                looseLeaves.add(child);
              }
            } else {
              throw new IpfsException(
                  "block "
                      + child
                      + " (linked from "
                      + c
                      + ") has codec 0x"
                      + Long.toHexString(child.codec())
                      + "; only raw and dag-pb are supported");
            }
            offset += size;
          }
        }
        if (structureBytes + declaredLeafBytes > maxBytes)
          throw tooLarge(structureBytes + declaredLeafBytes);
        level = next;
      }
      // 2. the leaves that are missing, in runs of one file node's consecutive chunks
      List<FetchUnit> units = new ArrayList<>();
      for (Map.Entry<Cid, List<FetchUnit.Leaf>> e : leavesByParent.entrySet()) {
        List<FetchUnit.Leaf> run = new ArrayList<>();
        for (FetchUnit.Leaf l : e.getValue()) {
          if (store.has(l.cid())) {
            present.incrementAndGet();
            presentLeafBytes += l.size();
            flush(units, e.getKey(), run);
            continue;
          }
          if (!run.isEmpty() && run.get(run.size() - 1).index() != l.index() - 1)
            flush(units, e.getKey(), run);
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
      for (int i = 0; i < loose.size(); i += 32)
        units.add(new FetchUnit(new ArrayList<>(loose.subList(i, Math.min(loose.size(), i + 32)))));
      if (!units.isEmpty()) runUnits(units);
      Map<String, Long> pp = new HashMap<>();
      perPeer.forEach((k, v) -> pp.put(k, v.get()));
      return new Stats(
          blocksFetched.get(),
          bytesFetched.get(),
          present.get(),
          redundant.get(),
          corrupt.get(),
          requests.get(),
          failed.get(),
          Collections.unmodifiableMap(pp));
    }

    private void flush(List<FetchUnit> units, Cid parent, List<FetchUnit.Leaf> run) {
      if (run.isEmpty()) return;
      units.add(new FetchUnit(parent, new ArrayList<>(run)));
      run.clear();
    }

    private LimitExceededException tooLarge(long size) {
      return new LimitExceededException(
          "resource "
              + root
              + " has "
              + Sizes.format(size)
              + ", more than the "
              + Sizes.format(maxBytes)
              + " allowed for it");
    }

    /**
     * Runs units on up to parallelism concurrent workers until all are done; rethrows the first
     * fatal error.
     */
    private void runUnits(List<FetchUnit> initial) throws IOException {
      LinkedBlockingDeque<FetchUnit> queue = new LinkedBlockingDeque<>(initial);
      AtomicInteger open = new AtomicInteger(initial.size());
      int n = Math.min(config.parallelism(), initial.size());
      List<Future<?>> futures = new ArrayList<>();
      lastProgress = clock.millis();
      for (int i = 0; i < n; i++)
        futures.add(
            workers.submit(() -> {
              work(queue, open);
              return null;
            }));
      Throwable failure = null;
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (ExecutionException e) {
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

    private void work(LinkedBlockingDeque<FetchUnit> queue, AtomicInteger open)
        throws IOException, InterruptedException {
      while (open.get() > 0) {
        FetchUnit u = queue.poll(50, TimeUnit.MILLISECONDS);
        if (u == null) {
          checkStall(null);
          continue;
        }
        Peer peer = peers.choose(u);
        if (peer == null) {
          checkStall(u);
          queue.addLast(u);
          pause(NO_PEER_PAUSE_MILLIS);
          continue;
        }
        List<FetchUnit> rest;
        peers.started(peer);
        try {
          rest = attempt(u, peer);
        } finally {
          peers.finished(peer);
        }
        for (FetchUnit r : rest) queue.addFirst(r);
        open.addAndGet(rest.size() - 1);
        if (!rest.isEmpty()) checkStall(rest.get(0));
      }
    }

    private void checkStall(FetchUnit u) {
      long idle = clock.millis() - lastProgress;
      if (idle < config.stallTimeout().toMillis()) return;
      throw new ResourceTimeoutException(
          "timed out fetching "
              + root
              + ": no block arrived for "
              + config.stallTimeout().toMillis()
              + " ms"
              + (u == null ? "" : "; still missing " + u.first())
              + "; "
              + peers.diagnosis());
    }

    /** Runs u against peer; returns the units still to do (empty when u is complete). */
    private List<FetchUnit> attempt(FetchUnit u, Peer peer) throws IOException {
      requests.incrementAndGet();
      try {
        sender.send(u, peer, this);
        return List.of();
      } catch (CorruptBlockException e) {
        corrupt.incrementAndGet();
        peers.ban(peer);
        log.warn("peer {} served a corrupted block {}: {}", peer, e.cid(), e.getMessage());
        reports.corruptBlock(peer, e.cid(), e.getMessage());
        return u.remaining(peer, store::has);
      } catch (LimitExceededException | ResourceTimeoutException e) {
        throw e;
      } catch (IOException | IpfsException e) {
        failed.incrementAndGet();
        peers.failed(peer, e.getMessage() == null ? e.toString() : e.getMessage());
        log.debug("request to {} for {} failed: {}", peer, u.first(), e.toString());
        reports.failed(peer, e.getMessage());
        return u.remaining(peer, store::has);
      }
    }

    @Override
    public void redundant() {
      redundant.incrementAndGet();
    }

    /** Verifies and stores one block. */
    @Override
    public void accept(Peer peer, Cid cid, byte[] data, long fileOffset) throws IOException {
      long total = structureBytes + presentLeafBytes + bytesFetched.get() + data.length;
      if (total > maxBytes) throw tooLarge(total);
      BlockStore.FilePack fp = filePack;
      // both throw CorruptBlockException on a hash mismatch
      boolean isNew =
          fp != null && fileOffset >= 0
              ? store.putAt(fp, cid, fileOffset, data)
              : store.put(cid, data, 0, data.length);
      if (isNew) {
        blocksFetched.incrementAndGet();
        bytesFetched.addAndGet(data.length);
        perPeer.computeIfAbsent(peer.id(), k -> new AtomicLong()).incrementAndGet();
      } else {
        redundant.incrementAndGet();
      }
      lastProgress = clock.millis();
      reports.served(peer, 1, data.length);
    }
  }
}
