package org.jgolem.node.compute.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectExecResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.StreamType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jgolem.node.compute.CapturedLog;
import org.jgolem.node.compute.ComputeException;
import org.jgolem.node.compute.Execution;
import org.jgolem.node.compute.ExecutionResult;
import org.jgolem.node.compute.ExecutionResult.Failure;
import org.jgolem.node.compute.ExecutionResult.OutputFile;
import org.jgolem.node.compute.ExecutionResult.ResourceUsage;
import org.jgolem.node.compute.ExecutionSpec;
import org.jgolem.node.compute.FailureReason;
import org.jgolem.node.compute.Limits;
import org.jgolem.node.compute.OutputFiles;
import org.jgolem.node.compute.Program;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subtask in one container. The lifecycle, on the execution's own thread:
 *
 * <ol>
 *   <li>checks: a valid spec, a Docker image, whitelisted by id, limits within the node's caps;
 *   <li>create the container from the image id (404: IMAGE_MISSING) and start it; its main process is
 *       {@code docker-init -- sleep <timeout + margin>} as uid 65534, so it stops by itself if the node
 *       dies, and the subtask (another uid) cannot signal it;
 *   <li>one exec, as 1000:1000 in /golem/work, of {@link #wrapper}: it runs the subtask's command; when
 *       that exits it kills every other process of uid 1000 (what the subtask left running, a fork bomb),
 *       prints a trailer line (exit status, peak memory, CPU time) after a per-run marker on stdout, and
 *       streams /golem/output as tar after it. {@link OutputSplitter} sends what comes before the marker
 *       to the stdout log; stderr goes to its log; past the timeout without a trailer the container is
 *       killed (TIMEOUT);
 *   <li>exit 0: the archive is extracted on the host by {@link OutputTar}; non-zero: it is only checked,
 *       to tell OUTPUT_TOO_LARGE, then the container is killed and the engine asked whether the OOM killer
 *       struck (OUT_OF_MEMORY), else NON_ZERO_EXIT;
 *   <li>always: force-remove the container, empty the output folder on failure, complete the result.
 * </ol>
 *
 * <p>The wrapper shares the subtask's uid, so it is no security boundary (the container is): a subtask
 * that subverts it can only garble its own result, which the host checks like any other.
 *
 * <p>Cancellation sets a flag, closes the attached stream and kills the container; the thread then
 * removes it and completes the result with CANCELLED.
 */
final class DockerRun {
  private static final Logger log = LoggerFactory.getLogger(DockerRun.class);

  static final String SUBTASK_USER = "1000:1000";
  static final String KEEPER_USER = "65534:65534";
  /** docker-init, the keeper's sleep and the subtask's wrapper shell, beyond the subtask's own processes. */
  static final int KEEPER_PIDS = 3;
  static final int MAX_OUTPUT_ENTRIES = 10_000;
  /** The output tmpfs is this much larger than the output limit, so that overflowing it is seen as too large. */
  static final long OUTPUT_SLACK = Limits.MIB;
  static final int SCRATCH_INODES = 65_536;
  static final long MAX_SHM = 64 * Limits.MIB;
  static final long KEEPER_MARGIN_SECONDS = 600;
  /** The folder a session's programs keep their state in ({@value ExecutionSpec#SESSION_VARIABLE}), in the work tmpfs. */
  static final String SESSION_STATE = ExecutionSpec.WORK + "/.jgolem-session";
  static final Duration COLLECT_TIMEOUT = Duration.ofSeconds(120);
  static final Duration ENGINE_WAIT = Duration.ofSeconds(15);


  private final DockerEnvironment env;
  private final DockerClient docker;
  private final ExecutionSpec spec;
  private final Execution execution;
  private final Limits limits;
  private final CapturedLog.Sink stdout;
  private final CapturedLog.Sink stderr;
  private final Map<String, Long> steps = new LinkedHashMap<>();
  private final CountDownLatch done = new CountDownLatch(1);
  private final Object lock = new Object();
  private long mark;
  private String containerId;
  private boolean cancelled;
  private boolean removed;
  private volatile StreamCallback activeStream;
  /** The session this run is in (spec.session() set), once taken from the pool or made. */
  private DockerSessions.Session session;

  /** Whether this run readies a warm session (kept for the next new session that fits it) rather than runs a subtask. */
  private final boolean warmUp;

  DockerRun(DockerEnvironment env, DockerClient docker, ExecutionSpec spec, Execution execution) {
    this(env, docker, spec, execution, false);
  }

  DockerRun(DockerEnvironment env, DockerClient docker, ExecutionSpec spec, Execution execution, boolean warmUp) {
    this.warmUp = warmUp;
    this.env = env;
    this.docker = docker;
    this.spec = spec;
    this.execution = execution;
    this.limits = spec.limits();
    this.stdout = new CapturedLog.Sink(limits.maxLogBytes());
    this.stderr = new CapturedLog.Sink(limits.maxLogBytes());
  }

  /** How the run ended, before removal; the result is built from it afterwards. */
  private record Outcome(FailureReason reason, String message, Long exitCode, List<OutputFile> outputs, ResourceUsage usage) {
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
      outcome = Outcome.failure(isCancelled() ? FailureReason.CANCELLED : e.reason(),
          isCancelled() ? "the subtask was cancelled" : e.getMessage(), null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      outcome = Outcome.failure(FailureReason.CANCELLED, "the subtask's thread was interrupted", null);
    } catch (RuntimeException | Error e) {
      log.warn("subtask {} failed unexpectedly", spec.subtaskId(), e);
      outcome = Outcome.failure(isCancelled() ? FailureReason.CANCELLED : FailureReason.ENVIRONMENT_ERROR,
          isCancelled() ? "the subtask was cancelled" : "unexpected failure in the Docker environment: " + e, null);
    }
    if (!park(outcome)) {
      try {
        remove();
        step("remove");
      } catch (RuntimeException e) {
        log.warn("subtask {}: removing container {} failed: {}", spec.subtaskId(), containerId, e.toString());
      }
      if (session != null) deleteQuietly(session.resources);
    }
    if (isCancelled() && outcome.reason() != FailureReason.CANCELLED) {
      outcome = new Outcome(FailureReason.CANCELLED, "the subtask was cancelled", outcome.exitCode(), List.of(), outcome.usage());
    }
    if (outcome.reason() != null) {
      try {
        OutputFiles.clear(spec.output());
      } catch (IOException | RuntimeException e) {
        log.warn("subtask {}: emptying the output folder {} failed: {}", spec.subtaskId(), spec.output(), e.toString());
      }
    }
    ExecutionResult r = new ExecutionResult(spec.subtaskId(), DockerEnvironment.NAME,
        outcome.reason() == null ? Optional.empty() : Optional.of(new Failure(outcome.reason(), outcome.message())),
        Optional.ofNullable(outcome.exitCode()).map(Long::intValue), stdout.capture(), stderr.capture(),
        outcome.outputs(), outcome.usage(), Duration.ofNanos(System.nanoTime() - t0));
    env.reportSteps(new DockerEnvironment.StepTimes(spec.subtaskId(), steps)); // seen before the result
    execution.complete(r);
    done.countDown();
    log.debug("subtask {}: {} steps {}", spec.subtaskId(), r, steps);
  }

  /**
   * After a successful run in a session: puts the session back in the pool for the next subtask of its key (what the
   * subtask kept was stopped by the wrapper). False (the container is then removed) after a failure or a cancellation,
   * or if the pool is closed.
   */
  private boolean park(Outcome outcome) {
    if (session == null || outcome.reason() != null || isCancelled()) return false;
    boolean parked = warmUp ? env.sessions().parkWarm(session) : env.sessions().park(session);
    step("park");
    return parked;
  }

  private void deleteQuietly(Path folder) {
    try {
      OutputFiles.deleteTree(folder);
    } catch (IOException | RuntimeException e) {
      log.warn("subtask {}: deleting session folder {} failed: {}", spec.subtaskId(), folder, e.toString());
    }
  }

  /** Asks the run to stop: returns at once; the run's thread removes the container and completes the result. */
  void cancel() {
    String id;
    synchronized (lock) {
      if (cancelled) return;
      cancelled = true;
      id = containerId;
    }
    StreamCallback s = activeStream;
    if (s != null) s.close();
    if (id != null) Thread.ofPlatform().daemon().name("docker-cancel-" + spec.subtaskId()).start(() -> kill(id));
  }

  void awaitDone(long nanos) throws InterruptedException {
    done.await(nanos, TimeUnit.NANOSECONDS);
  }

  private boolean isCancelled() {
    synchronized (lock) {
      return cancelled;
    }
  }

  private void checkCancelled() throws ComputeException {
    if (isCancelled()) throw new ComputeException(FailureReason.CANCELLED, "the subtask was cancelled");
  }

  private void step(String name) {
    long now = System.nanoTime();
    steps.merge(name, now - mark, Long::sum);
    mark = now;
  }

  private Outcome execute() throws ComputeException, InterruptedException {
    Program.DockerImage image = check();
    env.ensureReaped();
    step("check");
    checkCancelled();
    String id = null;
    if (spec.session() != null && (session = env.sessions().take(spec.session(), image.imageId(), limits)) != null) {
      String why;
      try {
        why = Boolean.TRUE.equals(docker.inspectContainerCmd(session.containerId).exec().getState().getRunning())
            ? null : "it has stopped";
      } catch (RuntimeException e) {
        why = DockerEnvironment.firstLine(e.getMessage());
      }
      if (why == null) {
        id = session.containerId;
        synchronized (lock) {
          containerId = id;
        }
      } else {
        // the kept container is gone or stopped (killed from outside, its keeper ended): a new one serves the session
        log.info("subtask {}: session container {} cannot be resumed ({}); starting a new one", spec.subtaskId(),
            session.containerId, why);
        env.removeSession(session);
        session = null;
      }
      // "warm": a container readied while the node was idle, this session's first subtask
      step(session != null && session.warmed ? "warm" : "resume");
      if (session != null && session.warmed) {
        log.info("subtask {}: in a warm sandbox (readied while the node was idle), container {}", spec.subtaskId(), id);
      }
      if (session != null) session.warmed = false;
    }
    if (id == null) {
      Path folder = null;
      if (spec.session() != null) {
        try {
          folder = env.sessions().newResourcesFolder();
        } catch (IOException e) {
          throw new ComputeException(FailureReason.ENVIRONMENT_ERROR, "cannot make a session's resources folder: " + e, e);
        }
      }
      try {
        id = create(image, folder);
      } catch (ComputeException | RuntimeException e) {
        if (folder != null) deleteQuietly(folder);
        throw e;
      }
      synchronized (lock) {
        containerId = id;
      }
      if (folder != null) {
        session = new DockerSessions.Session(spec.session(), id, folder, image.imageId(), limits,
            System.nanoTime() + DockerSessions.LIFETIME.toNanos());
      }
      step("create");
      checkCancelled();
      try {
        docker.startContainerCmd(id).exec();
      } catch (RuntimeException e) {
        checkCancelled();
        throw env.engineError("starting the subtask's container", e);
      }
      step("start");
    }
    if (session != null) {
      try {
        DockerSessions.replaceContent(session.resources, spec.resources());
      } catch (IOException e) {
        throw new ComputeException(FailureReason.ENVIRONMENT_ERROR,
            "cannot place the subtask's resources in its session's folder: " + e, e);
      }
      step("link");
    }
    checkCancelled();

    // The subtask, then (same exec) the trailer and the archive of its output folder.
    String marker = OutputSplitter.newMarker();
    BytePipe archive = new BytePipe(256 * 1024);
    OutputSplitter split = new OutputSplitter(marker, stdout, archive);
    List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", wrapper(marker, session != null), "sh", spec.entrypoint()));
    cmd.addAll(spec.args());
    String execId = createExec(id, cmd, ExecutionSpec.WORK, environment());
    StreamCallback main = new StreamCallback((type, bytes) -> {
      if (StreamCallback.isStdout(type)) split.accept(bytes);
      else if (type == StreamType.STDERR) stderr.write(bytes, 0, bytes.length);
    }, broken -> split.end(broken == null ? null : "the stream broke: " + broken));
    try {
      long deadline = System.nanoTime() + limits.timeout().toNanos();
      startExec(execId, main);
      boolean decided = split.await(deadline - System.nanoTime());
      step("exec");
      checkCancelled();
      if (!decided) {
        kill(id);
        main.close();
        split.flushHeld();
        checkCancelled();
        return Outcome.failure(FailureReason.TIMEOUT, "the subtask ran longer than its limit of "
            + seconds(limits.timeout()) + " and was stopped", null);
      }
      if (split.malformed() != null) throw new ComputeException(FailureReason.TRAPPED, split.malformed());
      OutputSplitter.Trailer t = split.trailer();
      if (t == null) {
        // The stream ended before the wrapper got to its trailer: the wrapper itself was killed.
        split.flushHeld();
        if (main.error() != null) {
          throw new ComputeException(FailureReason.ENVIRONMENT_ERROR,
              "the subtask's stdout/stderr stream broke: " + main.error(), main.error());
        }
        Long exit = waitExit(execId, System.nanoTime() + ENGINE_WAIT.toNanos());
        if (exit == null) {
          throw new ComputeException(FailureReason.ENVIRONMENT_ERROR, "the subtask's streams ended but its exec did not");
        }
        return failed(id, exit, ResourceUsage.UNKNOWN, null);
      }
      ResourceUsage usage = new ResourceUsage(t.peakMemoryBytes(), t.cpuNanos());
      ComputeException outputProblem = null;
      try {
        extract(archive, t.exitStatus() == 0 ? spec.output() : null, main);
      } catch (ComputeException e) {
        if (e.reason() == FailureReason.CANCELLED || t.exitStatus() == 0) throw e;
        outputProblem = e;
      }
      if (t.exitStatus() != 0) return failed(id, t.exitStatus(), usage, outputProblem);
      Long tarExit = main.await(ENGINE_WAIT.toNanos()) ? waitExit(execId, System.nanoTime() + ENGINE_WAIT.toNanos()) : null;
      checkCancelled();
      if (tarExit == null || tarExit != 0) {
        throw new ComputeException(FailureReason.TRAPPED, "the output folder could not be read completely ("
            + (tarExit == null ? "tar did not finish" : "tar exited with status " + tarExit)
            + "; tar's messages end the subtask's stderr)");
      }
      List<OutputFile> outputs = OutputFiles.list(spec.output(), limits.maxOutputBytes());
      step("collect");
      return new Outcome(null, "", 0L, outputs, usage);
    } finally {
      archive.closeReader();
    }
  }

  /**
   * The wrapper, run by /bin/sh as uid 1000 with the subtask's command as its arguments: runs it, kills
   * every other process of uid 1000 (what the subtask left running; docker-init and the keeper are uid
   * 65534), reads the container's peak memory and CPU time from its cgroup, prints the trailer line
   * and streams /golem/output as tar. The exec's exit status is then tar's.
   */
  static String wrapper(String marker) {
    return wrapper(marker, false);
  }

  /**
   * The wrapper; in a session it also makes the session's state folder, empties the output folder (the tmpfs outlives
   * the run), reports the CPU time of this run only (the cgroup's counter is the container's), and leaves the processes
   * of uid 1000 and the work and tmp folders as they are if the subtask asked for it by writing {@code
   * $JGOLEM_SESSION/keep} (a server kept for the next subtask of the session: Blender with its scene loaded), stopped
   * (SIGSTOP) until the next subtask's wrapper lets them go on; otherwise it kills them and empties those folders, so
   * that the next subtask finds the container as a new one.
   */
  static String wrapper(String marker, boolean session) {
    String hex = marker.substring(1);
    String readCpu = "read -r c 2>/dev/null </sys/fs/cgroup/cpuacct/cpuacct.usage || { while read -r k v; do "
        + "if [ \"$k\" = usage_usec ]; then c=${v}000; fi; done; } 2>/dev/null </sys/fs/cgroup/cpu.stat";
    List<String> lines = new ArrayList<>();
    if (session) {
      // what the previous subtask kept was stopped when it ended: it goes on now
      lines.add("d=\"$" + ExecutionSpec.SESSION_VARIABLE + "\"; mkdir -p \"$d\"; rm -f \"$d/keep\"; kill -CONT -1 2>/dev/null");
      lines.add("rm -rf " + ExecutionSpec.OUTPUT + "/* " + ExecutionSpec.OUTPUT + "/.[!.]* " + ExecutionSpec.OUTPUT
          + "/..?* 2>/dev/null");
      lines.add("c=-1; " + readCpu + "; c0=$c");
    }
    lines.add("\"$@\"; s=$?");
    if (session) {
      // kept: every process of uid 1000 is stopped (SIGSTOP: no CPU while the session is idle; the keeper, uid 65534,
      // goes on, so the container still ends by itself if the node dies); not kept: the container is left as a fresh
      // one would be (no process, empty work and tmp folders)
      lines.add("if [ -f \"$d/keep\" ]; then kill -STOP -1 2>/dev/null; else kill -9 -1 2>/dev/null; for f in " + ExecutionSpec.WORK + "/* " + ExecutionSpec.WORK
          + "/.[!.]* " + ExecutionSpec.WORK + "/..?* /tmp/* /tmp/.[!.]* /tmp/..?*; do [ \"$f\" = \"$d\" ] || rm -rf \"$f\" "
          + "2>/dev/null; done; rm -rf \"$d\"/* 2>/dev/null; fi");
    } else {
      lines.add("kill -9 -1 2>/dev/null");
    }
    lines.add("m=-1; c=-1");
    lines.add("read -r m 2>/dev/null </sys/fs/cgroup/memory/memory.max_usage_in_bytes || read -r m 2>/dev/null </sys/fs/cgroup/memory.peak || m=-1");
    lines.add(readCpu);
    if (session) lines.add("case \"$c0$c\" in *[!0-9-]*|'') c=-1;; *) [ \"$c0\" -ge 0 ] && [ \"$c\" -ge \"$c0\" ] && c=$((c - c0)) || c=-1;; esac");
    lines.add("case \"$m$c\" in *[!0-9-]*|'') m=-1; c=-1;; esac");
    lines.add("printf '\\036" + hex + " %s %s %s\\n' \"$s\" \"$m\" \"$c\"");
    lines.add("exec tar -C " + ExecutionSpec.OUTPUT + " -cf - .");
    return String.join("\n", lines);
  }

  /**
   * A failed exit: reads the output only to tell OUTPUT_TOO_LARGE (already done by the caller: {@code
   * outputProblem}), then kills the container and asks the engine whether the OOM killer struck.
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
    if (oomKilled(id)) {
      reason = FailureReason.OUT_OF_MEMORY;
      message = "the subtask hit its memory limit of " + limits.memoryBytes()
          + " bytes (tmpfs files count too) and the kernel's OOM killer ended it; exit status " + exit;
    }
    step("oom-check");
    return new Outcome(reason, message, exit, List.of(), usage);
  }

  private Program.DockerImage check() throws ComputeException {
    spec.validate();
    if (!(spec.program() instanceof Program.DockerImage image)) {
      throw new ComputeException(FailureReason.INVALID_SPEC,
          "the docker environment runs Docker images; this subtask's program is " + spec.program());
    }
    DockerConfig c = env.config();
    if (!c.allowedImageIds().contains(image.imageId())) {
      throw new ComputeException(FailureReason.IMAGE_NOT_ALLOWED,
          "image " + image.name() + " (" + image.imageId() + ") is not on this node's whitelist");
    }
    if (c.maxCpus() > 0 && limits.cpus() > c.maxCpus()) {
      throw new ComputeException(FailureReason.INVALID_SPEC,
          "the subtask asks for " + limits.cpus() + " cpus; this node gives at most " + c.maxCpus());
    }
    if (c.maxMemoryBytes() > 0 && limits.memoryBytes() > c.maxMemoryBytes()) {
      throw new ComputeException(FailureReason.INVALID_SPEC,
          "the subtask asks for " + limits.memoryBytes() + " bytes of memory; this node gives at most " + c.maxMemoryBytes());
    }
    try {
      Set<PosixFilePermission> p = Files.getPosixFilePermissions(spec.resources());
      if (!p.contains(PosixFilePermission.OTHERS_READ) || !p.contains(PosixFilePermission.OTHERS_EXECUTE)) {
        throw new ComputeException(FailureReason.INVALID_SPEC, "the resources folder " + spec.resources()
            + " must be readable by others (o+rx): the subtask runs as uid 1000");
      }
    } catch (IOException | UnsupportedOperationException e) {
      throw new ComputeException(FailureReason.INVALID_SPEC, "the resources folder's permissions cannot be read: " + e, e);
    }
    return image;
  }

  /** Creates the container; {@code sessionFolder} (null outside a session) is then mounted as the resources. */
  private String create(Program.DockerImage image, Path sessionFolder) throws ComputeException {
    long work = limits.workBytes();
    long outputSize = roundUpToPage(limits.maxOutputBytes()) + OUTPUT_SLACK;
    Map<String, String> tmpfs = new TreeMap<>();
    tmpfs.put("/tmp", "rw,nosuid,nodev,noexec,size=" + work + ",nr_inodes=" + SCRATCH_INODES + ",mode=1777");
    tmpfs.put(ExecutionSpec.WORK, "rw,nosuid,nodev,exec,size=" + work + ",nr_inodes=" + SCRATCH_INODES
        + ",uid=1000,gid=1000,mode=0700");
    tmpfs.put(ExecutionSpec.OUTPUT, "rw,nosuid,nodev,noexec,size=" + outputSize + ",nr_inodes=" + (MAX_OUTPUT_ENTRIES + 16)
        + ",uid=1000,gid=1000,mode=0700");
    String resources;
    try {
      resources = (sessionFolder != null ? sessionFolder : spec.resources()).toRealPath().toString();
    } catch (IOException e) {
      throw new ComputeException(FailureReason.INVALID_SPEC, "resources folder cannot be resolved: " + e.getMessage(), e);
    }
    HostConfig host = HostConfig.newHostConfig()
        .withNetworkMode("none")
        .withReadonlyRootfs(true)
        .withTmpFs(tmpfs)
        .withMounts(List.of(new Mount().withType(MountType.BIND).withSource(resources)
            .withTarget(ExecutionSpec.RESOURCES).withReadOnly(true)))
        .withMemory(limits.memoryBytes())
        .withMemorySwap(limits.memoryBytes())
        .withNanoCPUs(limits.cpus() * 1_000_000_000L)
        .withPidsLimit((long) limits.maxProcesses() + KEEPER_PIDS)
        .withCapDrop(Capability.ALL)
        .withSecurityOpts(List.of("no-new-privileges"))
        .withPrivileged(false)
        .withInit(true)
        .withIpcMode("private")
        .withShmSize(Math.min(MAX_SHM, work))
        .withLogConfig(new LogConfig(LogConfig.LoggingType.NONE));
    Map<String, String> labels = Map.of(
        DockerEnvironment.LABEL_NODE, env.nodeId(),
        DockerEnvironment.LABEL_INSTANCE, env.instanceId(),
        DockerEnvironment.LABEL_SUBTASK, spec.subtaskId());
    long keeperSeconds = (sessionFolder != null ? DockerSessions.LIFETIME.toSeconds() : Math.max(1, limits.timeout().toSeconds()))
        + KEEPER_MARGIN_SECONDS;
    try {
      return docker.createContainerCmd(image.imageId())
          .withName("jgolem-" + spec.subtaskId() + "-" + DockerEnvironment.randomHex(4))
          .withUser(KEEPER_USER)
          .withEntrypoint("sleep", Long.toString(keeperSeconds))
          .withWorkingDir("/")
          .withLabels(labels)
          .withHostConfig(host)
          .exec()
          .getId();
    } catch (NotFoundException e) {
      throw new ComputeException(FailureReason.IMAGE_MISSING,
          "image " + image.name() + " (" + image.imageId() + ") is not present on this node's Docker engine", e);
    } catch (RuntimeException e) {
      throw env.engineError("creating the subtask's container", e);
    }
  }

  private List<String> environment() {
    Map<String, String> vars = new TreeMap<>(spec.env());
    vars.putIfAbsent("HOME", ExecutionSpec.WORK);
    if (session != null) vars.put(ExecutionSpec.SESSION_VARIABLE, SESSION_STATE);
    List<String> out = new ArrayList<>();
    vars.forEach((k, v) -> out.add(k + "=" + v));
    return out;
  }

  private String createExec(String id, List<String> cmd, String workDir, List<String> envVars) throws ComputeException {
    try {
      return docker.execCreateCmd(id)
          .withUser(SUBTASK_USER)
          .withWorkingDir(workDir)
          .withEnv(envVars)
          .withCmd(cmd.toArray(String[]::new))
          .withAttachStdin(false)
          .withAttachStdout(true)
          .withAttachStderr(true)
          .withTty(false)
          .withPrivileged(false)
          .exec()
          .getId();
    } catch (RuntimeException e) {
      checkCancelled();
      throw env.engineError("creating an exec in the subtask's container", e);
    }
  }

  private void startExec(String execId, StreamCallback cb) throws ComputeException {
    activeStream = cb;
    if (isCancelled()) cb.close();
    try {
      docker.execStartCmd(execId).withDetach(false).withTty(false).exec(cb);
    } catch (RuntimeException e) {
      checkCancelled();
      throw env.engineError("starting an exec in the subtask's container", e);
    }
  }

  /**
   * Polls the exec until it has exited: its exit code, or null if it still runs at the deadline. Quick at
   * first (the stream normally ends when the process does), slower after two seconds (a process that
   * closed its stdout and stderr and goes on).
   */
  private Long waitExit(String execId, long deadline) throws ComputeException, InterruptedException {
    long sleepMs = 1;
    long slowAfter = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (true) {
      InspectExecResponse r;
      try {
        r = docker.inspectExecCmd(execId).exec();
      } catch (RuntimeException e) {
        checkCancelled();
        throw env.engineError("inspecting an exec", e);
      }
      if (!Boolean.TRUE.equals(r.isRunning()) && r.getExitCodeLong() != null) return r.getExitCodeLong();
      if (System.nanoTime() >= deadline) return null;
      checkCancelled();
      Thread.sleep(Math.min(sleepMs, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
      sleepMs = Math.min(sleepMs * 2, System.nanoTime() < slowAfter ? 50 : 500);
    }
  }

  /**
   * Reads the archive that follows the trailer and extracts it into {@code dest} (null: only checks and
   * counts it), within {@link #COLLECT_TIMEOUT}. Stops the stream at once when the archive is refused.
   */
  private void extract(BytePipe archive, Path dest, StreamCallback stream) throws ComputeException, InterruptedException {
    ScheduledFuture<?> watchdog = env.timers().schedule(() -> {
      archive.closeWriter("collecting the output took longer than " + seconds(COLLECT_TIMEOUT));
      stream.close();
    }, COLLECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    OutputTar tar = new OutputTar(limits.maxOutputBytes(), MAX_OUTPUT_ENTRIES);
    try (InputStream in = archive.input()) {
      tar.extract(in, dest);
    } catch (ComputeException e) {
      stream.close();
      throw e;
    } catch (IOException e) {
      checkCancelled();
      stream.close();
      throw new ComputeException(FailureReason.TRAPPED, "the output archive is broken: " + e.getMessage()
          + " (tar's messages, if any, end the subtask's stderr)", e);
    } finally {
      watchdog.cancel(false);
    }
    checkCancelled();
  }

  /** Kills the container and asks the engine whether the kernel's OOM killer struck in it. */
  private boolean oomKilled(String id) throws ComputeException, InterruptedException {
    kill(id);
    long deadline = System.nanoTime() + ENGINE_WAIT.toNanos();
    while (true) {
      InspectContainerResponse r;
      try {
        r = docker.inspectContainerCmd(id).exec();
      } catch (RuntimeException e) {
        checkCancelled();
        throw env.engineError("inspecting the subtask's container", e);
      }
      var state = r.getState();
      if (!Boolean.TRUE.equals(state.getRunning())) return Boolean.TRUE.equals(state.getOOMKilled());
      if (System.nanoTime() > deadline) {
        throw new ComputeException(FailureReason.ENVIRONMENT_ERROR, "the subtask's container did not stop within "
            + seconds(ENGINE_WAIT) + " of being killed");
      }
      Thread.sleep(5);
    }
  }

  private void kill(String id) {
    try {
      docker.killContainerCmd(id).exec();
    } catch (NotFoundException | ConflictException notRunning) {
      // already stopped or removed
    } catch (RuntimeException e) {
      log.debug("subtask {}: killing container {}: {}", spec.subtaskId(), id, e.toString());
    }
  }

  private void remove() {
    String id;
    synchronized (lock) {
      id = containerId;
      if (id == null || removed) return;
      removed = true;
    }
    RuntimeException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
        return;
      } catch (NotFoundException gone) {
        return;
      } catch (RuntimeException e) {
        // 409 "removal already in progress", or a hiccup: wait and look again
        last = e;
        try {
          Thread.sleep(100L << attempt);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    throw last == null ? new IllegalStateException("interrupted while removing container " + id) : last;
  }

  private static long roundUpToPage(long n) {
    return (n + 4095) / 4096 * 4096;
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  @Override
  public String toString() {
    return "DockerRun[" + spec.subtaskId() + ", container " + containerId + "]";
  }
}
