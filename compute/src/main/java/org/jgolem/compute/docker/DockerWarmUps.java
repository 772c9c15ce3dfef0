package org.jgolem.compute.docker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.jgolem.compute.Execution;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.compute.Program;
import org.jgolem.compute.WarmUp;
import org.jgolem.ipfs.FileTrees;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The warm sandboxes of one Docker environment (see {@link DockerEnvironment#keepWarm}): when the
 * node has been idle for {@link DockerEnvironment#WARM_AFTER_IDLE} and a sandbox of some {@link
 * WarmUp} is missing, one is made and readied, on a thread of its own, and parked in the {@link
 * DockerSessions} as warm. One being readied gives way when work comes; one that fails is tried
 * again a minute later. Time is the environment's clock; the checks are tasks on its scheduler.
 */
final class DockerWarmUps {
  private static final Logger log = LoggerFactory.getLogger(DockerWarmUps.class);

  /** After a failed warm-up, none is tried again before this. */
  static final Duration RETRY_AFTER = Duration.ofMinutes(1);

  private final DockerEnvironment.Parts parts;

  /** Whether the environment runs subtasks now (then no warm-up starts). */
  private final BooleanSupplier running;

  private final List<WarmUp> warmUps = new CopyOnWriteArrayList<>();

  /** The warm-up being readied (its thread's end), if any. */
  private final AtomicReference<CompletableFuture<Void>> warming = new AtomicReference<>();

  private final AtomicLong warmCpuNanos = new AtomicLong();
  private final AtomicInteger warmIds = new AtomicInteger();

  /** When a subtask last started or ended here, or the node was last seen busy (clock millis). */
  private volatile long lastActivity;

  /** Whether the rest of the node is idle too; by default only this environment counts. */
  private volatile BooleanSupplier nodeIdle = () -> true;

  /** The warm-up's run, while it is being readied; it gives way (is cancelled) when work comes. */
  private volatile DockerRun warmRun;

  private volatile boolean warmGaveWay;

  /** After a failed warm-up, none is tried again before this (clock millis). */
  private volatile long warmRetryAfter;

  private volatile Consumer<WarmUpReport> listener = r -> {};
  private volatile boolean closed;

  DockerWarmUps(DockerEnvironment.Parts parts, BooleanSupplier running) {
    this.parts = parts;
    this.running = running;
    this.lastActivity = parts.clock().millis();
    this.warmRetryAfter = lastActivity;
  }

  void keepWarm(WarmUp w) {
    warmUps.add(w);
    maybeWarm();
  }

  void idleWhen(BooleanSupplier idle) {
    this.nodeIdle = idle;
    lastActivity = parts.clock().millis();
  }

  void onReport(Consumer<WarmUpReport> l) {
    this.listener = l == null ? r -> {} : l;
  }

  int ready() {
    return parts.sessions().warmCount();
  }

  Duration cpuTime() {
    return Duration.ofNanos(warmCpuNanos.get());
  }

  /** Work starts here: a warm-up being readied gives way. */
  void workStarts() {
    lastActivity = parts.clock().millis();
    giveWay();
  }

  /** Work ended here: once the node has been idle long enough, what is missing is readied. */
  void workEnded() {
    lastActivity = parts.clock().millis();
    if (!closed && !warmUps.isEmpty()) {
      parts
          .timers()
          .schedule(
              this::maybeWarm,
              DockerEnvironment.WARM_AFTER_IDLE.toMillis() + 50,
              TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Notes whether the node is busy; once it has been idle long enough, readies what is missing
   * (twice a second).
   */
  void sampleNode() {
    if (!warmUps.isEmpty() && nodeIdleNow()) maybeWarm();
  }

  /**
   * Whether the rest of the node says it is idle; if not (or it cannot say), it is busy from now.
   */
  private boolean nodeIdleNow() {
    boolean idle;
    try {
      idle = nodeIdle.getAsBoolean();
    } catch (RuntimeException e) {
      log.debug("asking whether the node is idle: {}", e.toString());
      idle = false;
    }
    if (!idle) workStarts();
    return idle;
  }

  /**
   * Cancels the warm-up being readied, if any: work has come, which must not share the CPU with it.
   */
  private void giveWay() {
    DockerRun r = warmRun;
    if (r != null && !warmGaveWay) {
      warmGaveWay = true;
      r.cancel();
    }
  }

  /**
   * Starts a warm-up if some {@link WarmUp} has no sandbox ready, none is being readied, and
   * nothing has run here for {@link DockerEnvironment#WARM_AFTER_IDLE} (not in the short gaps
   * between a provider's subtasks: then it would take CPU from the work it is meant to speed up).
   */
  void maybeWarm() {
    long now = parts.clock().millis();
    if (closed
        || warmUps.isEmpty()
        || running.getAsBoolean()
        || now - warmRetryAfter < 0
        || now - lastActivity < DockerEnvironment.WARM_AFTER_IDLE.toMillis()
        || !nodeIdleNow()) {
      return;
    }
    WarmUp missing = null;
    for (WarmUp w : warmUps) {
      if (!parts.sessions().hasWarm(w.imageId(), w.limits())) {
        missing = w;
        break;
      }
    }
    CompletableFuture<Void> ended = new CompletableFuture<>();
    if (missing == null || !warming.compareAndSet(null, ended)) return;
    WarmUp w = missing;
    report(new WarmUpReport(w.imageId(), WarmUpReport.Outcome.STARTED, null));
    Thread.ofPlatform()
        .daemon()
        .name("docker-warm-up")
        .start(() -> {
          WarmUpReport report = new WarmUpReport(w.imageId(), WarmUpReport.Outcome.FAILED, null);
          try {
            report = warmUp(w);
          } finally {
            warming.set(null);
            ended.complete(null);
          }
          report(report); // once another may start
          maybeWarm(); // the next one, if another is missing and all is still quiet
        });
  }

  private WarmUpReport warmUp(WarmUp w) {
    String id = "warm-" + warmIds.incrementAndGet() + "-" + DockerEngine.randomHex(4);
    Path dir = null;
    WarmUpReport.Outcome outcome = WarmUpReport.Outcome.FAILED;
    ExecutionResult r = null;
    try {
      dir = Files.createTempDirectory("jgolem-" + id);
      Path res = Files.createDirectories(dir.resolve("resources"));
      Files.setPosixFilePermissions(res, PosixFilePermissions.fromString("rwxr-xr-x"));
      for (var f : w.files().entrySet()) {
        Path file = Files.write(res.resolve(f.getKey()), f.getValue());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
      }
      ExecutionSpec spec =
          new ExecutionSpec(
              id,
              new Program.DockerImage(w.imageId(), w.imageId()),
              w.entryPoint(),
              w.args(),
              w.env(),
              res,
              Files.createDirectories(dir.resolve("work")),
              Files.createDirectories(dir.resolve("output")),
              w.limits(),
              id);
      Execution x = new Execution(id);
      DockerRun run = new DockerRun(parts, spec, x, true, () -> {});
      warmGaveWay = false;
      warmRun = run; // close() cancels it (and waits for it) from here on
      try {
        if (closed) run.cancel();
        run.run(); // cancelled at once if work came since maybeWarm looked
      } finally {
        warmRun = null;
      }
      r = x.result().getNow(null);
      if (r != null && r.usage().cpuNanos() > 0) warmCpuNanos.addAndGet(r.usage().cpuNanos());
      if (closed) {
        outcome = WarmUpReport.Outcome.CLOSED;
        log.debug("a warm-up ended as the environment closed: {}", r);
      } else if (warmGaveWay) {
        outcome = WarmUpReport.Outcome.GAVE_WAY;
        log.info(
            "a warm-up of {} gave way to work that came meanwhile; readied again when the node is idle",
            w.imageId());
      } else if (r == null || !r.succeeded()) {
        warmRetryAfter = parts.clock().millis() + RETRY_AFTER.toMillis();
        String why = r == null ? "no result" : r + " " + r.stderr().text().strip();
        log.warn(
            "readying a warm {} sandbox failed (tried again in a minute): {}",
            w.imageId(),
            why.substring(0, Math.min(why.length(), 600)));
      } else {
        outcome = WarmUpReport.Outcome.READY;
        log.info(
            "a warm sandbox of {} is ready ({} ms, {} ms of CPU)",
            w.imageId(),
            r.wallTime().toMillis(),
            r.usage().cpuNanos() / 1_000_000);
      }
    } catch (IOException | RuntimeException e) {
      warmRetryAfter = parts.clock().millis() + RETRY_AFTER.toMillis();
      log.warn(
          "readying a warm {} sandbox failed (tried again in a minute): {}",
          w.imageId(),
          e.toString());
    } finally {
      if (dir != null) {
        try {
          FileTrees.delete(dir);
        } catch (IOException | RuntimeException e) {
          log.debug("deleting warm-up folder {}: {}", dir, e.toString());
        }
      }
    }
    return new WarmUpReport(w.imageId(), outcome, r);
  }

  private void report(WarmUpReport r) {
    try {
      listener.accept(r);
    } catch (RuntimeException e) {
      log.warn("warm-up listener failed: {}", e.toString());
    }
  }

  /**
   * No warm-up starts from now; the one being readied is cancelled. Completes when its thread has
   * ended.
   */
  CompletableFuture<Void> close() {
    closed = true;
    DockerRun r = warmRun;
    if (r != null) r.cancel();
    CompletableFuture<Void> w = warming.get();
    return w == null ? CompletableFuture.completedFuture(null) : w;
  }
}
