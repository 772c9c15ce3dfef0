package org.jgolem.compute.docker;

import com.github.dockerjava.api.model.StreamType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jgolem.compute.CapturedLog;
import org.jgolem.compute.ComputeException;
import org.jgolem.compute.Execution;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.ExecutionResult.Failure;
import org.jgolem.compute.ExecutionResult.OutputFile;
import org.jgolem.compute.ExecutionResult.ResourceUsage;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.compute.FailureReason;
import org.jgolem.compute.Limits;
import org.jgolem.compute.OutputFiles;
import org.jgolem.compute.Program;
import org.jgolem.ipfs.FileTrees;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subtask in one container. The lifecycle, on the execution's own thread:
 *
 * <ol>
 *   <li>checks: a valid spec, a Docker image, whitelisted by id, limits within the node's caps;
 *   <li>create the container from the image id (404: IMAGE_MISSING) and start it; its main process
 *       is {@code docker-init -- sleep <timeout + margin>} as uid 65534, so it stops by itself if
 *       the node dies, and the subtask (another uid) cannot signal it;
 *   <li>one exec, as 1000:1000 in /golem/work, of the {@link DockerWrapper}: it runs the subtask's
 *       command; when that exits it kills every other process of uid 1000 (what the subtask left
 *       running, a fork bomb), prints a trailer line (exit status, peak memory, CPU time) after a
 *       per-run marker on stdout, and streams /golem/output as tar after it. {@link OutputSplitter}
 *       sends what comes before the marker to the stdout log; stderr goes to its log; past the
 *       timeout without a trailer the container is killed (TIMEOUT);
 *   <li>exit 0: the archive is extracted on the host by {@link OutputTar}; non-zero: it is only
 *       checked, to tell OUTPUT_TOO_LARGE, then the container is killed and the engine asked
 *       whether the OOM killer struck (OUT_OF_MEMORY), else NON_ZERO_EXIT;
 *   <li>always: force-remove the container, empty the output folder on failure, complete the
 *       result.
 * </ol>
 *
 * <p>The engine calls are {@link RunContainer}'s. The timeout and the collection's watchdog are
 * tasks on the environment's scheduler; the step times (for benchmarks) are measured with {@link
 * System#nanoTime()}.
 *
 * <p>Cancellation sets a flag, closes the attached stream and kills the container; the thread then
 * removes it and completes the result with CANCELLED. *
 *
 * <p>About 430 lines, over the ~400 of the house rule: it is the lifecycle above and each step's
 * failure paths (cancelled, timed out, killed, too large, out of memory), which read best in one
 * place; the engine calls are {@link RunContainer}'s, the wrapper's text is {@link
 * DockerWrapper}'s.
 */
final class DockerRun {
  private static final Logger log = LoggerFactory.getLogger(DockerRun.class);

  /**
   * The folder a session's programs keep their state in ({@value ExecutionSpec#SESSION_VARIABLE}),
   * in the work tmpfs.
   */
  static final String SESSION_STATE = ExecutionSpec.WORK + "/.jgolem-session";

  static final Duration COLLECT_TIMEOUT = Duration.ofSeconds(120);
  static final Duration ENGINE_WAIT = Duration.ofSeconds(15);

  private final DockerEnvironment.Parts env;
  private final RunContainer container;
  private final ExecutionSpec spec;
  private final Execution execution;
  private final Limits limits;
  private final CapturedLog.Sink stdout;
  private final CapturedLog.Sink stderr;
  private final Map<String, Long> steps = new LinkedHashMap<>();
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private final Object lock = new Object();
  private long mark;
  private String containerId;
  private boolean cancelled;
  private boolean removed;
  private volatile StreamCallback activeStream;

  /** The session this run is in (spec.session() set), once taken from the pool or made. */
  private DockerSessions.Session session;

  /**
   * Whether this run readies a warm session (kept for the next new session that fits it) rather
   * than runs a subtask.
   */
  private final boolean warmUp;

  /**
   * Runs once the container is removed (or parked), before the result is complete: the
   * environment's bookkeeping.
   */
  private final Runnable ending;

  DockerRun(
      DockerEnvironment.Parts env,
      ExecutionSpec spec,
      Execution execution,
      boolean warmUp,
      Runnable ending) {
    this.warmUp = warmUp;
    this.ending = ending;
    this.env = env;
    this.container = new RunContainer(env.engine(), spec, this::checkCancelled);
    this.spec = spec;
    this.execution = execution;
    this.limits = spec.limits();
    this.stdout = new CapturedLog.Sink(limits.maxLogBytes());
    this.stderr = new CapturedLog.Sink(limits.maxLogBytes());
  }

  /** How the run ended, before removal; the result is built from it afterwards. */
  private record Outcome(
      FailureReason reason,
      String message,
      Long exitCode,
      List<OutputFile> outputs,
      ResourceUsage usage) {
    static Outcome failure(FailureReason reason, String message, Long exitCode) {
      return new Outcome(reason, message, exitCode, List.of(), ResourceUsage.UNKNOWN);
    }
  }

  void run() {
    long t0 = System.nanoTime();
    mark = t0;
    Outcome outcome;
    try {
      outcome = execute();
    } catch (ComputeException e) {
      outcome =
          Outcome.failure(
              isCancelled() ? FailureReason.CANCELLED : e.reason(),
              isCancelled() ? "the subtask was cancelled" : e.getMessage(),
              null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      outcome =
          Outcome.failure(FailureReason.CANCELLED, "the subtask's thread was interrupted", null);
    } catch (RuntimeException | Error e) {
      log.warn("subtask {} failed unexpectedly", spec.subtaskId(), e);
      outcome =
          Outcome.failure(
              isCancelled() ? FailureReason.CANCELLED : FailureReason.ENVIRONMENT_ERROR,
              isCancelled()
                  ? "the subtask was cancelled"
                  : "unexpected failure in the Docker environment: " + e,
              null);
    }
    if (!park(outcome)) {
      try {
        remove();
        step("remove");
      } catch (RuntimeException e) {
        log.warn(
            "subtask {}: removing container {} failed: {}",
            spec.subtaskId(),
            containerId,
            e.toString());
      }
      if (session != null) deleteQuietly(session.resources);
    }
    if (isCancelled() && outcome.reason() != FailureReason.CANCELLED) {
      outcome =
          new Outcome(
              FailureReason.CANCELLED,
              "the subtask was cancelled",
              outcome.exitCode(),
              List.of(),
              outcome.usage());
    }
    if (outcome.reason() != null) {
      try {
        OutputFiles.clear(spec.output());
      } catch (IOException | RuntimeException e) {
        log.warn(
            "subtask {}: emptying the output folder {} failed: {}",
            spec.subtaskId(),
            spec.output(),
            e.toString());
      }
    }
    ExecutionResult r =
        new ExecutionResult(
            spec.subtaskId(),
            DockerEnvironment.NAME,
            outcome.reason() == null
                ? Optional.empty()
                : Optional.of(new Failure(outcome.reason(), outcome.message())),
            Optional.ofNullable(outcome.exitCode()).map(Long::intValue),
            stdout.capture(),
            stderr.capture(),
            outcome.outputs(),
            outcome.usage(),
            Duration.ofNanos(System.nanoTime() - t0));
    env.reportSteps(
        new DockerEnvironment.StepTimes(spec.subtaskId(), steps)); // seen before the result
    try {
      ending.run();
    } catch (RuntimeException e) {
      log.warn("subtask {}: ending the run failed", spec.subtaskId(), e);
    }
    execution.complete(r);
    done.complete(null);
    log.debug("subtask {}: {} steps {}", spec.subtaskId(), r, steps);
  }

  /**
   * After a successful run in a session: puts the session back in the pool for the next subtask of
   * its key (what the subtask kept was stopped by the wrapper). False (the container is then
   * removed) after a failure or a cancellation, or if the pool is closed.
   */
  private boolean park(Outcome outcome) {
    if (session == null || outcome.reason() != null || isCancelled()) return false;
    boolean parked = warmUp ? env.sessions().parkWarm(session) : env.sessions().park(session);
    step("park");
    return parked;
  }

  private void deleteQuietly(Path folder) {
    try {
      FileTrees.delete(folder);
    } catch (IOException | RuntimeException e) {
      log.warn(
          "subtask {}: deleting session folder {} failed: {}",
          spec.subtaskId(),
          folder,
          e.toString());
    }
  }

  /**
   * Asks the run to stop: returns at once; the run's thread removes the container and completes the
   * result.
   */
  void cancel() {
    String id;
    synchronized (lock) {
      if (cancelled) return;
      cancelled = true;
      id = containerId;
    }
    StreamCallback s = activeStream;
    if (s != null) s.close();
    if (id != null)
      Thread.ofPlatform()
          .daemon()
          .name("docker-cancel-" + spec.subtaskId())
          .start(() -> container.kill(id));
  }

  /**
   * Completes when the run has ended: its container removed (or parked) and its result complete.
   */
  CompletableFuture<Void> done() {
    return done;
  }

  private boolean isCancelled() {
    synchronized (lock) {
      return cancelled;
    }
  }

  private void checkCancelled() throws ComputeException {
    if (isCancelled())
      throw new ComputeException(FailureReason.CANCELLED, "the subtask was cancelled");
  }

  private void step(String name) {
    long now = System.nanoTime();
    steps.merge(name, now - mark, Long::sum);
    mark = now;
  }

  private void setContainer(String id) {
    synchronized (lock) {
      containerId = id;
    }
  }

  private Outcome execute() throws ComputeException, InterruptedException {
    Program.DockerImage image = container.admit();
    env.engine().ensureReaped();
    step("check");
    checkCancelled();
    String id = null;
    if (spec.session() != null
        && (session = env.sessions().take(spec.session(), image.imageId(), limits)) != null) {
      String why = container.whyNotResumable(session.containerId);
      if (why == null) {
        id = session.containerId;
        setContainer(id);
      } else {
        // the kept container is gone or stopped (killed from outside, its keeper ended): a new one
        // serves the session
        log.info(
            "subtask {}: session container {} cannot be resumed ({}); starting a new one",
            spec.subtaskId(),
            session.containerId,
            why);
        env.sessions().discard(session);
        session = null;
      }
      // "warm": a container readied while the node was idle, this session's first subtask
      step(session != null && session.warmed ? "warm" : "resume");
      if (session != null && session.warmed) {
        log.info(
            "subtask {}: in a warm sandbox (readied while the node was idle), container {}",
            spec.subtaskId(),
            id);
      }
      if (session != null) session.warmed = false;
    }
    if (id == null) id = createAndStart(image);
    if (session != null) {
      try {
        DockerSessions.replaceContent(session.resources, spec.resources());
      } catch (IOException e) {
        throw new ComputeException(
            FailureReason.ENVIRONMENT_ERROR,
            "cannot place the subtask's resources in its session's folder: " + e,
            e);
      }
      step("link");
    }
    checkCancelled();
    return exec(id);
  }

  /** A new container for this run (and its session, if it has one), started. */
  private String createAndStart(Program.DockerImage image) throws ComputeException {
    Path folder = null;
    if (spec.session() != null) {
      try {
        folder = env.sessions().newResourcesFolder();
      } catch (IOException e) {
        throw new ComputeException(
            FailureReason.ENVIRONMENT_ERROR, "cannot make a session's resources folder: " + e, e);
      }
    }
    String id;
    try {
      id = container.create(image, folder);
    } catch (ComputeException | RuntimeException e) {
      if (folder != null) deleteQuietly(folder);
      throw e;
    }
    setContainer(id);
    if (folder != null) {
      session =
          new DockerSessions.Session(
              spec.session(),
              id,
              folder,
              image.imageId(),
              limits,
              env.clock().millis() + DockerSessions.LIFETIME.toMillis());
    }
    step("create");
    checkCancelled();
    container.start(id);
    step("start");
    return id;
  }

  /** The subtask, then (same exec) the trailer and the archive of its output folder. */
  private Outcome exec(String id) throws ComputeException, InterruptedException {
    String marker = OutputSplitter.newMarker();
    BytePipe archive = new BytePipe(256 * 1024);
    OutputSplitter split = new OutputSplitter(marker, stdout, archive);
    String execId =
        container.createExec(
            id,
            DockerWrapper.command(marker, session != null, spec.entrypoint(), spec.args()),
            environment());
    StreamCallback main =
        new StreamCallback(
            (type, bytes) -> {
              if (StreamCallback.isStdout(type)) split.accept(bytes);
              else if (type == StreamType.STDERR) stderr.write(bytes, 0, bytes.length);
            },
            broken -> split.end(broken == null ? null : "the stream broke: " + broken));
    ScheduledFuture<?> timeout =
        env.timers().schedule(split::timeOut, limits.timeout().toMillis(), TimeUnit.MILLISECONDS);
    try {
      activeStream = main;
      if (isCancelled()) main.close();
      container.startExec(execId, main);
      boolean decided = split.await();
      step("exec");
      checkCancelled();
      if (!decided) {
        container.kill(id);
        main.close();
        split.flushHeld();
        checkCancelled();
        return Outcome.failure(
            FailureReason.TIMEOUT,
            "the subtask ran longer than its limit of "
                + seconds(limits.timeout())
                + " and was stopped",
            null);
      }
      if (split.malformed() != null)
        throw new ComputeException(FailureReason.TRAPPED, split.malformed());
      OutputSplitter.Trailer t = split.trailer();
      if (t == null) {
        // The stream ended before the wrapper got to its trailer: the wrapper itself was killed.
        split.flushHeld();
        if (main.error() != null) {
          throw new ComputeException(
              FailureReason.ENVIRONMENT_ERROR,
              "the subtask's stdout/stderr stream broke: " + main.error(),
              main.error());
        }
        Long exit = container.waitExit(execId, ENGINE_WAIT);
        if (exit == null) {
          throw new ComputeException(
              FailureReason.ENVIRONMENT_ERROR, "the subtask's streams ended but its exec did not");
        }
        return failed(id, exit, ResourceUsage.UNKNOWN, null);
      }
      return collect(id, execId, t, archive, main);
    } finally {
      timeout.cancel(false);
      archive.closeReader();
    }
  }

  /**
   * After the trailer: the output, extracted on success (checked only on failure), and tar's exit.
   */
  private Outcome collect(
      String id, String execId, OutputSplitter.Trailer t, BytePipe archive, StreamCallback main)
      throws ComputeException, InterruptedException {
    ResourceUsage usage = new ResourceUsage(t.peakMemoryBytes(), t.cpuNanos());
    ComputeException outputProblem = null;
    try {
      extract(archive, t.exitStatus() == 0 ? spec.output() : null, main);
    } catch (ComputeException e) {
      if (e.reason() == FailureReason.CANCELLED || t.exitStatus() == 0) throw e;
      outputProblem = e;
    }
    if (t.exitStatus() != 0) return failed(id, t.exitStatus(), usage, outputProblem);
    Long tarExit =
        main.await(ENGINE_WAIT.toNanos()) ? container.waitExit(execId, ENGINE_WAIT) : null;
    checkCancelled();
    if (tarExit == null || tarExit != 0) {
      throw new ComputeException(
          FailureReason.TRAPPED,
          "the output folder could not be read completely ("
              + (tarExit == null ? "tar did not finish" : "tar exited with status " + tarExit)
              + "; tar's messages end the subtask's stderr)");
    }
    List<OutputFile> outputs = OutputFiles.list(spec.output(), limits.maxOutputBytes());
    step("collect");
    return new Outcome(null, "", 0L, outputs, usage);
  }

  /**
   * A failed exit: reads the output only to tell OUTPUT_TOO_LARGE (already done by the caller:
   * {@code outputProblem}), then kills the container and asks the engine whether the OOM killer
   * struck.
   */
  private Outcome failed(String id, long exit, ResourceUsage usage, ComputeException outputProblem)
      throws ComputeException, InterruptedException {
    FailureReason reason = FailureReason.NON_ZERO_EXIT;
    String message = "the subtask exited with status " + exit;
    if (outputProblem != null && outputProblem.reason() == FailureReason.OUTPUT_TOO_LARGE) {
      reason = FailureReason.OUTPUT_TOO_LARGE;
      message = outputProblem.getMessage() + " (the subtask then exited with status " + exit + ")";
    }
    step("collect");
    if (container.oomKilled(id)) {
      reason = FailureReason.OUT_OF_MEMORY;
      message =
          "the subtask hit its memory limit of "
              + limits.memoryBytes()
              + " bytes (tmpfs files count too) and the kernel's OOM killer ended it; exit status "
              + exit;
    }
    step("oom-check");
    return new Outcome(reason, message, exit, List.of(), usage);
  }

  private List<String> environment() {
    Map<String, String> vars = new TreeMap<>(spec.env());
    vars.putIfAbsent("HOME", ExecutionSpec.WORK);
    if (session != null) vars.put(ExecutionSpec.SESSION_VARIABLE, SESSION_STATE);
    List<String> out = new ArrayList<>();
    vars.forEach((k, v) -> out.add(k + "=" + v));
    return out;
  }

  /**
   * Reads the archive that follows the trailer and extracts it into {@code dest} (null: only checks
   * and counts it), within {@link #COLLECT_TIMEOUT}. Stops the stream at once when the archive is
   * refused.
   */
  private void extract(BytePipe archive, Path dest, StreamCallback stream)
      throws ComputeException, InterruptedException {
    ScheduledFuture<?> watchdog =
        env.timers()
            .schedule(
                () -> {
                  archive.closeWriter(
                      "collecting the output took longer than " + seconds(COLLECT_TIMEOUT));
                  stream.close();
                },
                COLLECT_TIMEOUT.toMillis(),
                TimeUnit.MILLISECONDS);
    OutputTar tar = new OutputTar(limits.maxOutputBytes(), RunContainer.MAX_OUTPUT_ENTRIES);
    try (InputStream in = archive.input()) {
      tar.extract(in, dest);
    } catch (ComputeException e) {
      stream.close();
      throw e;
    } catch (IOException e) {
      checkCancelled();
      stream.close();
      throw new ComputeException(
          FailureReason.TRAPPED,
          "the output archive is broken: "
              + e.getMessage()
              + " (tar's messages, if any, end the subtask's stderr)",
          e);
    } finally {
      watchdog.cancel(false);
    }
    checkCancelled();
  }

  private void remove() {
    String id;
    synchronized (lock) {
      id = containerId;
      if (id == null || removed) return;
      removed = true;
    }
    try {
      container.remove(id);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while removing container " + id, e);
    }
  }

  static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  @Override
  public String toString() {
    return "DockerRun[" + spec.subtaskId() + ", container " + containerId + "]";
  }
}
