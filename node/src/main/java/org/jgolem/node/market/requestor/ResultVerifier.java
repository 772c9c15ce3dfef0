package org.jgolem.node.market.requestor;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.MemoryFolder;
import org.jgolem.compute.Programs;
import org.jgolem.compute.TaskComputer;
import org.jgolem.node.market.MarketConfig;
import org.jgolem.node.market.ResourceExchange;
import org.jgolem.node.market.requestor.RequestorModel.Assignment;
import org.jgolem.node.market.requestor.RequestorModel.Subtask;
import org.jgolem.node.market.requestor.RequestorModel.Task;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.tasks.FileResults;
import org.jgolem.tasks.Verdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The requestor's work off the loop: fetches a reported result and has the task's template check
 * it, computes a sampled subtask on this node, and merges a task's accepted results. It runs on the
 * worker pool and posts each outcome back to the loop ({@link Outcomes}); it reads what the loop
 * hands it and changes no state of its own.
 */
final class ResultVerifier {
  private static final Logger LOG = LoggerFactory.getLogger(ResultVerifier.class);

  /** Room beyond twice a result's bytes, for the whole blocks its files take. */
  static final long MEMORY_RESULT_SLACK = 512L << 10;

  /** Where the outcomes go, on the loop thread. */
  interface Outcomes {
    /**
     * A result fetched and checked: {@code memory} holds it when small, else {@code result} on
     * disk.
     */
    void checked(
        Task t,
        Subtask s,
        Assignment a,
        Path result,
        MemoryFolder memory,
        Verdict v,
        byte[] digest);

    void fetchFailed(Task t, Subtask s, Assignment a, Exception e);

    /** The local result's digest, or null and why not. */
    void recomputed(Task t, Subtask s, byte[] digest, String failure);

    void merged(Task t, Path output);

    void mergeFailed(Task t, String why);
  }

  /**
   * An accepted result kept on disk, as the merge needs it: its folder, and how to write that
   * folder again.
   */
  record KeptResult(
      String subtask, Path folder, byte[] digest, String cid, List<URI> sources, long maxBytes) {}

  private final MarketConfig config;
  private final ResourceExchange resources;
  private final TaskComputer localComputer;
  private final Clock clock;
  private final ExecutorService workers;
  private final Consumer<Runnable> loop;
  private Outcomes outcomes;

  /** The assignments whose result is being fetched and checked now, by wire id. */
  private final Set<String> fetching = ConcurrentHashMap.newKeySet();

  ResultVerifier(
      MarketConfig config,
      ResourceExchange resources,
      TaskComputer localComputer,
      Clock clock,
      ExecutorService workers,
      Consumer<Runnable> loop) {
    this.config = config;
    this.resources = resources;
    this.localComputer = localComputer;
    this.clock = clock;
    this.workers = workers;
    this.loop = loop;
  }

  /**
   * Set once, when the state machine that receives the outcomes is made (it asks this verifier for
   * work).
   */
  void outcomesTo(Outcomes o) {
    this.outcomes = o;
  }

  boolean computesLocally() {
    return localComputer != null;
  }

  /** Whether a fetch of {@code a}'s result is under way. */
  boolean fetching(Assignment a) {
    return fetching.contains(a.idHex());
  }

  void fetchAndCheck(Task t, Subtask s, Assignment a, List<URI> from) {
    ReportComputedTask report = a.report;
    long deadline = a.deadline;
    Path disk = t.workDir.resolve("results").resolve(a.idHex());
    String id = a.idHex();
    fetching.add(id);
    workers.submit(() -> {
      MemoryFolder memory = null;
      try {
        long max = s.planned.limits().maxOutputBytes();
        if (report.size() > max)
          throw new IOException("reported result of " + report.size() + " bytes exceeds the limit");
        Duration timeout =
            Duration.ofMillis(
                Math.max(1000, deadline - clock.millis() + config.transferSlack().toMillis()));
        memory = inMemory(report, from, max, timeout);
        Path target = memory != null ? memory.root().resolve("result") : disk;
        if (memory == null) writeResult(report.resultCid(), disk, from, max, timeout);
        Verdict v = t.plan.check(s.planned, target);
        byte[] digest = v.accepted() ? FileResults.digest(target) : null;
        if (v.accepted()) resources.sync();
        MemoryFolder kept = memory;
        memory = null; // the loop owns it now
        fetching.remove(id);
        loop.accept(() -> outcomes.checked(t, s, a, disk, kept, v, digest));
      } catch (IOException | RuntimeException e) {
        if (memory != null) memory.close();
        fetching.remove(id);
        loop.accept(() -> outcomes.fetchFailed(t, s, a, e));
      }
    });
  }

  /**
   * A small result (see {@link MarketConfig#resultsInMemoryUpTo}) fetched into memory, or null:
   * larger, no room in the memory budget, or more files than the room allows (it then goes to the
   * disk).
   */
  private MemoryFolder inMemory(
      ReportComputedTask report, List<URI> from, long max, Duration timeout) throws IOException {
    if (report.size() > config.resultsInMemoryUpTo()) return null;
    // files take whole blocks: room for the bytes twice and a few hundred small files
    MemoryFolder memory = MemoryFolder.create(2 * report.size() + MEMORY_RESULT_SLACK).orElse(null);
    if (memory == null) return null;
    try {
      resources.fetchScratch(
          report.resultCid(), memory.root().resolve("result"), from, max, timeout);
      return memory;
    } catch (IOException e) {
      memory.close();
      LOG.debug(
          "Result {} does not fit in memory ({}); on disk instead",
          report.resultCid(),
          e.toString());
      return null;
    }
  }

  /**
   * Writes result {@code cid} into {@code folder} (replacing what is there) as a scratch copy: no
   * syncs, which cost more than the rest of a small result's handling. What must survive a crash is
   * the result's blocks, synced before it can be accepted, from which a restarted requestor writes
   * a damaged folder again.
   */
  private void writeResult(String cid, Path folder, List<URI> from, long maxBytes, Duration timeout)
      throws IOException {
    TaskPublisher.deleteQuietly(folder);
    Files.createDirectories(folder.getParent());
    resources.fetchScratch(cid, folder, from, maxBytes, timeout);
  }

  /**
   * Computes {@code s} on this node (local recompute); the caller checked {@link #computesLocally}.
   */
  void recompute(Task t, Subtask s) {
    Path base = t.workDir.resolve("local").resolve(s.name());
    String cid = s.resourcesCid;
    workers.submit(() -> {
      try {
        TaskPublisher.deleteQuietly(base);
        t.plan.prepare(s.planned);
        Path work = Files.createDirectories(base.resolve("work"));
        Path out = Files.createDirectories(base.resolve("output"));
        ExecutionResult r =
            Programs.execute(
                    localComputer,
                    "local-" + s.name().replace('.', '-'),
                    s.planned.definition(cid),
                    s.planned.resources(),
                    work,
                    out,
                    null)
                .result()
                .get();
        byte[] digest = r.succeeded() ? FileResults.digest(out) : null;
        if (digest == null) {
          LOG.warn(
              "Task {}: local recompute of {} failed ({}); relying on redundancy",
              t.idHex(),
              s.name(),
              r);
        }
        String failure = r.failure().map(Object::toString).orElse("");
        loop.accept(() -> outcomes.recomputed(t, s, digest, failure));
      } catch (Exception e) {
        LOG.warn("Task {}: local recompute of {} failed: {}", t.idHex(), s.name(), e.toString());
        loop.accept(() -> outcomes.recomputed(t, s, null, e.getMessage()));
      }
    });
  }

  /**
   * Merges a task's accepted results. Those on disk are checked first (see {@link #restoreResults})
   * when the task was read back after a restart, or when their folder is gone (an in-memory copy
   * freed when the task ended).
   */
  void merge(Task t, Map<String, Path> accepted, List<KeptResult> onDisk) {
    boolean restored = t.restored;
    workers.submit(() -> {
      try {
        List<KeptResult> kept = new ArrayList<>();
        for (KeptResult k : onDisk) {
          if (restored || !Files.isDirectory(k.folder())) kept.add(k);
        }
        restoreResults(t, kept);
        Path out = t.plan.merge(accepted);
        loop.accept(() -> outcomes.merged(t, out));
      } catch (IOException | RuntimeException e) {
        loop.accept(() -> outcomes.mergeFailed(t, e.getMessage()));
      }
    });
  }

  /**
   * Checks result folders on disk against the digests they were accepted with (a crash of the
   * machine can lose a scratch copy), and writes a missing or damaged one again from its CID: from
   * this node's store, whose blocks were synced before the result was accepted, or else from the
   * provider.
   */
  private void restoreResults(Task t, List<KeptResult> kept) throws IOException {
    for (KeptResult k : kept) {
      if (Files.isDirectory(k.folder())
          && Arrays.equals(FileResults.digest(k.folder()), k.digest())) continue;
      LOG.warn(
          "Task {}: the result folder of {} ({}) is missing or damaged; writing it again from {}",
          t.idHex(),
          k.subtask(),
          k.folder(),
          k.cid());
      writeResult(k.cid(), k.folder(), k.sources(), k.maxBytes(), Duration.ofMinutes(5));
      if (!Arrays.equals(FileResults.digest(k.folder()), k.digest())) {
        throw new IOException(
            "the result of "
                + k.subtask()
                + " written again from "
                + k.cid()
                + " differs from the one accepted");
      }
    }
  }
}
