package org.jgolem.node.compute.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Info;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jgolem.node.compute.Capabilities;
import org.jgolem.node.compute.ComputeException;
import org.jgolem.node.compute.Environment;
import org.jgolem.node.compute.Execution;
import org.jgolem.node.compute.ExecutionResult;
import org.jgolem.node.compute.ExecutionSpec;
import org.jgolem.node.compute.FailureReason;
import org.jgolem.node.compute.OutputFiles;
import org.jgolem.node.compute.Program;
import org.jgolem.node.compute.WarmUp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs subtasks in Docker containers, one container per subtask, from whitelisted images only.
 *
 * <p>Each container: no network, a read-only root filesystem, every capability dropped,
 * no-new-privileges, memory (no swap), CPU and pids limits, {@code /golem/resources} bound read-only
 * from the spec's resources folder, and size-limited tmpfs mounts for {@code /tmp}, {@code /golem/work}
 * and {@code /golem/output}, so a subtask cannot write a byte to the host's disk. tmpfs pages count
 * against the container's memory limit. Since tmpfs contents vanish when a container stops, the
 * container's main process is an idle keeper (uid 65534 under docker-init) and the subtask runs as
 * 1000:1000 through an exec; when it exits, its leftover processes are killed, the output folder is
 * streamed out with {@code tar} in the same exec and extracted on the host with checks (see {@link
 * OutputTar}), and the container is removed. See {@link DockerRun} for the lifecycle.
 *
 * <p>Sizes: {@code /tmp} and {@code /golem/work} are each {@link org.jgolem.node.compute.Limits#workBytes()},
 * {@code /dev/shm} the smaller of that and 64 MiB, {@code /golem/output} the output limit plus 1 MiB (so that
 * a subtask that overflows it is told apart: OUTPUT_TOO_LARGE), each with a bounded number of inodes. All
 * of it is memory, charged to the container's memory limit.
 *
 * <p>The image must provide {@code /bin/sh}, {@code sleep} and {@code tar} (any Debian-based image does).
 * The resources folder must be readable by others (o+rx), since the subtask runs as uid 1000. The spec's
 * host work folder is not used: all scratch space is tmpfs inside the container. The subtask's
 * environment has {@code HOME=/golem/work} unless the spec sets HOME.
 */
public final class DockerEnvironment implements Environment {
  private static final Logger log = LoggerFactory.getLogger(DockerEnvironment.class);

  public static final String NAME = "docker";
  /** Container labels: the node's id, this environment instance's id, and the subtask's id. */
  public static final String LABEL_NODE = "org.jgolem.node";
  public static final String LABEL_INSTANCE = "org.jgolem.instance";
  public static final String LABEL_SUBTASK = "org.jgolem.subtask";
  /** A warm sandbox is readied only after this long without work on the node (see {@link #idleWhen}). */
  public static final Duration WARM_AFTER_IDLE = Duration.ofSeconds(2);

  /** Per-step wall times of one subtask (check, create, start, exec, collect, remove...) in order, in nanoseconds. */
  public record StepTimes(String subtaskId, Map<String, Long> nanos) {
    public StepTimes {
      nanos = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(nanos));
    }
  }

  private final DockerConfig config;
  private final DockerClient docker;
  private final String instanceId = randomHex(8);
  private final Set<DockerRun> runs = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timers;
  private volatile boolean reaped;
  private volatile boolean closed;
  private volatile Consumer<StepTimes> stepListener = t -> {};
  private final DockerSessions sessions;
  private final List<WarmUp> warmUps = new CopyOnWriteArrayList<>();
  private final AtomicBoolean warming = new AtomicBoolean();
  private final AtomicLong warmCpuNanos = new AtomicLong();
  private final AtomicInteger warmIds = new AtomicInteger();
  /** When a subtask last started or ended here, or the node was last seen busy (System.nanoTime()). */
  private volatile long lastActivity = System.nanoTime();
  /** Whether the rest of the node is idle too (see {@link #idleWhen}); by default only this environment counts. */
  private volatile java.util.function.BooleanSupplier nodeIdle = () -> true;
  /** The warm-up being readied, if any; it gives way (is cancelled) when work comes. */
  private volatile DockerRun warmRun;
  private volatile boolean warmGaveWay;
  /** After a failed warm-up, none is tried again before this (System.nanoTime()). */
  private volatile long warmRetryAfter = System.nanoTime();

  public DockerEnvironment(DockerConfig config) {
    this.config = config;
    DockerClientConfig cc = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(config.dockerHost()).build();
    var http = new ApacheDockerHttpClient.Builder()
        .dockerHost(cc.getDockerHost())
        .sslConfig(cc.getSSLConfig())
        .maxConnections(64)
        .connectionTimeout(Duration.ofSeconds(5))
        .build();
    this.docker = DockerClientImpl.getInstance(cc, http);
    this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "docker-env-timer");
      t.setDaemon(true);
      return t;
    });
    this.sessions = new DockerSessions(
        Path.of(System.getProperty("java.io.tmpdir"), "jgolem-docker-sessions-" + config.nodeId() + "-" + instanceId),
        this::removeSession);
    timers.scheduleWithFixedDelay(() -> {
      sessions.expire();
      maybeWarm();
    }, 5, 5, TimeUnit.SECONDS);
    timers.scheduleWithFixedDelay(this::sampleNode, 500, 500, TimeUnit.MILLISECONDS);
    try {
      int n = reapLeftovers();
      if (n > 0) log.info("removed {} container(s) that an earlier run of node {} left behind", n, config.nodeId());
    } catch (ComputeException e) {
      log.warn("cannot reap leftover containers now ({}); will try before the first subtask", e.getMessage());
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  public DockerConfig config() {
    return config;
  }

  /** This environment instance's id, the {@value #LABEL_INSTANCE} label of its containers. */
  public String instanceId() {
    return instanceId;
  }

  /**
   * Where sessions keep their resources folders (default: under the system's temporary folder). Best on the file
   * system of the subtasks' resources folders: a session's resources are then hard links, not copies.
   */
  public void sessionFolder(Path folder) {
    sessions.root(folder);
    // what a crashed earlier run left there (its containers are reaped by their label)
    try (var old = Files.newDirectoryStream(folder, "session-*")) {
      for (Path p : old) OutputFiles.deleteTree(p);
    } catch (java.nio.file.NoSuchFileException none) {
      // nothing yet
    } catch (IOException e) {
      log.warn("cannot clear old session folders in {}: {}", folder, e.toString());
    }
  }

  /** How many session containers are idle (kept for their next subtask). */
  public int idleSessions() {
    return sessions.idleCount();
  }

  /**
   * Keeps a sandbox of {@code w} ready: whenever none is ready and the node has been idle for {@link
   * #WARM_AFTER_IDLE}, one is made and readied by {@code w}'s program (see {@link WarmUp}), then kept for the first
   * new session that fits it. One being readied when work comes is cancelled (readied again at the next idle time);
   * one that fails is logged and tried again a minute later.
   */
  public void keepWarm(WarmUp w) {
    if (!config.allowedImageIds().contains(w.imageId())) {
      throw new IllegalArgumentException("cannot keep " + w.imageId() + " warm: it is not on this node's whitelist");
    }
    warmUps.add(w);
    maybeWarm();
  }

  /**
   * What else makes the node busy (its other sandboxes, the tasks it requests): warm-ups are made only after this
   * has said true, and this environment has run nothing, for {@link #WARM_AFTER_IDLE}. Asked twice a second.
   */
  public void idleWhen(java.util.function.BooleanSupplier idle) {
    this.nodeIdle = idle;
    lastActivity = System.nanoTime();
  }

  /** Notes whether the node is busy; once it has been idle long enough, readies what is missing. */
  private void sampleNode() {
    if (!warmUps.isEmpty() && nodeIdleNow()) maybeWarm();
  }

  /** Whether the rest of the node says it is idle; if not (or it cannot say), it is busy from now. */
  private boolean nodeIdleNow() {
    boolean idle;
    try {
      idle = nodeIdle.getAsBoolean();
    } catch (RuntimeException e) {
      log.debug("asking whether the node is idle: {}", e.toString());
      idle = false;
    }
    if (!idle) {
      lastActivity = System.nanoTime();
      giveWay();
    }
    return idle;
  }

  /** Cancels the warm-up being readied, if any: work has come, which must not share the CPU with it. */
  private void giveWay() {
    DockerRun r = warmRun;
    if (r != null && !warmGaveWay) {
      warmGaveWay = true;
      r.cancel();
    }
  }

  /** Waits until a sandbox of every {@link #keepWarm} is ready; false if that took longer than {@code timeout}. */
  public boolean awaitWarm(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!allWarm()) {
      if (System.nanoTime() - deadline > 0 || closed) return false;
      maybeWarm();
      Thread.sleep(20);
    }
    return true;
  }

  /** How many warm sandboxes are ready. */
  public int warmSessions() {
    return sessions.warmCount();
  }

  /** The CPU time the warm-ups took so far (as the engine counts it in their containers). */
  public Duration warmUpCpuTime() {
    return Duration.ofNanos(warmCpuNanos.get());
  }

  private boolean allWarm() {
    for (WarmUp w : warmUps) {
      if (!sessions.hasWarm(w.imageId(), w.limits())) return false;
    }
    return true;
  }

  /**
   * Starts a warm-up if some {@link #keepWarm} has no sandbox ready, none is being readied, and nothing has run here
   * for {@link #WARM_AFTER_IDLE} (not in the short gaps between a provider's subtasks: then it would take CPU from
   * the work it is meant to speed up).
   */
  private void maybeWarm() {
    long now = System.nanoTime();
    if (closed || warmUps.isEmpty() || !runs.isEmpty() || now - warmRetryAfter < 0
        || now - lastActivity < WARM_AFTER_IDLE.toNanos() || !nodeIdleNow()) {
      return;
    }
    WarmUp missing = null;
    for (WarmUp w : warmUps) {
      if (!sessions.hasWarm(w.imageId(), w.limits())) {
        missing = w;
        break;
      }
    }
    if (missing == null || !warming.compareAndSet(false, true)) return;
    WarmUp w = missing;
    Thread.ofPlatform().daemon().name("docker-warm-up").start(() -> {
      try {
        warmUp(w);
      } finally {
        warming.set(false);
      }
      maybeWarm(); // the next one, if another is missing and all is still quiet
    });
  }

  private void warmUp(WarmUp w) {
    String id = "warm-" + warmIds.incrementAndGet() + "-" + randomHex(4);
    Path dir = null;
    try {
      dir = Files.createTempDirectory("jgolem-" + id);
      Path res = Files.createDirectories(dir.resolve("resources"));
      Files.setPosixFilePermissions(res, PosixFilePermissions.fromString("rwxr-xr-x"));
      for (var f : w.files().entrySet()) {
        Path file = Files.write(res.resolve(f.getKey()), f.getValue());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
      }
      ExecutionSpec spec = new ExecutionSpec(id, new Program.DockerImage(w.imageId(), w.imageId()), w.entryPoint(), w.args(),
          w.env(), res, Files.createDirectories(dir.resolve("work")),
          Files.createDirectories(dir.resolve("output")), w.limits(), id);
      Execution x = new Execution(id);
      DockerRun run = new DockerRun(this, docker, spec, x, true);
      runs.add(run); // close() cancels it (and waits for it) from here on
      warmGaveWay = false;
      warmRun = run;
      try {
        run.run(); // cancelled at once if work came since maybeWarm looked
      } finally {
        warmRun = null;
        runs.remove(run);
      }
      ExecutionResult r = x.result().getNow(null);
      if (r != null && r.usage().cpuNanos() > 0) warmCpuNanos.addAndGet(r.usage().cpuNanos());
      if (closed) {
        log.debug("a warm-up ended as the environment closed: {}", r);
      } else if (warmGaveWay) {
        log.info("a warm-up of {} gave way to work that came meanwhile; readied again when the node is idle", w.imageId());
      } else if (r == null || !r.succeeded()) {
        warmRetryAfter = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        String why = r == null ? "no result" : r + " " + r.stderr().text().strip();
        log.warn("readying a warm {} sandbox failed (tried again in a minute): {}", w.imageId(),
            why.substring(0, Math.min(why.length(), 600)));
      } else {
        log.info("a warm sandbox of {} is ready ({} ms, {} ms of CPU)", w.imageId(), r.wallTime().toMillis(),
            r.usage().cpuNanos() / 1_000_000);
      }
    } catch (IOException | RuntimeException e) {
      warmRetryAfter = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
      log.warn("readying a warm {} sandbox failed (tried again in a minute): {}", w.imageId(), e.toString());
    } finally {
      if (dir != null) {
        try {
          OutputFiles.deleteTree(dir);
        } catch (IOException | RuntimeException e) {
          log.debug("deleting warm-up folder {}: {}", dir, e.toString());
        }
      }
    }
  }

  /** Receives the step times of every finished subtask (for benchmarks and diagnostics). */
  public void onStepTimes(Consumer<StepTimes> listener) {
    this.stepListener = listener == null ? t -> {} : listener;
  }

  /**
   * Removes every container labelled with this node's id that this instance did not create: what a
   * crashed or killed earlier run left behind. Returns how many it removed.
   */
  public int reapLeftovers() throws ComputeException {
    List<Container> found;
    try {
      found = docker.listContainersCmd().withShowAll(true)
          .withLabelFilter(Map.of(LABEL_NODE, config.nodeId())).exec();
    } catch (RuntimeException e) {
      throw engineError("listing leftover containers", e);
    }
    int n = 0;
    for (Container c : found) {
      Map<String, String> labels = c.getLabels() == null ? Map.of() : c.getLabels();
      if (instanceId.equals(labels.get(LABEL_INSTANCE))) continue;
      try {
        docker.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
        n++;
      } catch (NotFoundException gone) {
        // removed meanwhile
      } catch (RuntimeException e) {
        throw engineError("removing leftover container " + c.getId(), e);
      }
    }
    reaped = true;
    return n;
  }

  void ensureReaped() throws ComputeException {
    if (!reaped) {
      synchronized (this) {
        if (!reaped) reapLeftovers();
      }
    }
  }

  /** The id of a local image by name ({@code jgolem/runtime}) or id, if the engine has it. */
  public Optional<String> resolveImage(String nameOrId) throws ComputeException {
    try {
      return Optional.of(docker.inspectImageCmd(nameOrId).exec().getId());
    } catch (NotFoundException e) {
      return Optional.empty();
    } catch (RuntimeException e) {
      throw engineError("inspecting image " + nameOrId, e);
    }
  }

  @Override
  public Capabilities capabilities() {
    Info info;
    try {
      info = docker.infoCmd().exec();
    } catch (RuntimeException e) {
      return Capabilities.unavailable(NAME, engineError("asking for its info", e).getMessage());
    }
    List<String> images = new ArrayList<>();
    for (String id : new TreeSet<>(config.allowedImageIds())) {
      try {
        InspectImageResponse img = docker.inspectImageCmd(id).exec();
        String name = img.getRepoTags() == null ? null
            : img.getRepoTags().stream().filter(t -> !t.startsWith("<none>")).findFirst().orElse(null);
        images.add((name == null ? "<untagged>" : name) + "@" + id);
      } catch (NotFoundException absent) {
        // whitelisted but not on this node
      } catch (RuntimeException e) {
        return Capabilities.unavailable(NAME, engineError("inspecting image " + id, e).getMessage());
      }
    }
    int engineCpus = info.getNCPU() == null ? 1 : info.getNCPU();
    long engineMemory = info.getMemTotal() == null ? 0 : info.getMemTotal();
    int cpus = config.maxCpus() > 0 ? Math.min(config.maxCpus(), engineCpus) : engineCpus;
    long memory = config.maxMemoryBytes() > 0 ? Math.min(config.maxMemoryBytes(), engineMemory) : engineMemory;
    return new Capabilities(NAME, true, "", images, cpus, memory);
  }

  @Override
  public Execution start(ExecutionSpec spec) {
    if (closed) {
      return Execution.finished(ExecutionResult.failed(spec, NAME,
          new ComputeException(FailureReason.ENGINE_UNAVAILABLE, "the Docker environment is closed"), Duration.ZERO));
    }
    Execution x = new Execution(spec.subtaskId());
    DockerRun run = new DockerRun(this, docker, spec, x);
    lastActivity = System.nanoTime();
    giveWay();
    runs.add(run);
    x.onCancel(run::cancel);
    // A platform thread: docker-java talks to a unix socket through JNA, which would pin a virtual thread's carrier.
    Thread.ofPlatform().daemon().name("docker-" + spec.subtaskId()).start(() -> {
      try {
        run.run();
      } finally {
        runs.remove(run);
        lastActivity = System.nanoTime();
      }
      if (!closed && !warmUps.isEmpty()) {
        timers.schedule(this::maybeWarm, WARM_AFTER_IDLE.toMillis() + 50, TimeUnit.MILLISECONDS);
      }
    });
    return x;
  }

  /** Cancels what runs, waits (up to 30 s) until its containers are gone, and closes the engine connection. */
  @Override
  public void close() {
    closed = true;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    // a warm-up being readied finishes (its run is cancelled below) before the sessions are closed
    while (true) {
      for (DockerRun r : runs) r.cancel();
      for (DockerRun r : runs) {
        try {
          r.awaitDone(Math.max(0, deadline - System.nanoTime()));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      if (!warming.get() || System.nanoTime() - deadline > 0 || Thread.currentThread().isInterrupted()) break;
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    sessions.close();
    timers.shutdownNow();
    try {
      docker.close();
    } catch (IOException e) {
      log.debug("closing the Docker client: {}", e.toString());
    }
  }

  // --- for DockerRun ---

  DockerSessions sessions() {
    return sessions;
  }

  /** Removes a session's container and its resources folder (errors are logged: the container is labelled, reaped later). */
  void removeSession(DockerSessions.Session s) {
    try {
      docker.removeContainerCmd(s.containerId).withForce(true).withRemoveVolumes(true).exec();
    } catch (NotFoundException gone) {
      // removed already
    } catch (RuntimeException e) {
      log.warn("removing session container {} failed: {}", s.containerId, e.toString());
    }
    try {
      OutputFiles.deleteTree(s.resources);
    } catch (IOException | RuntimeException e) {
      log.warn("deleting session folder {} failed: {}", s.resources, e.toString());
    }
  }

  String nodeId() {
    return config.nodeId();
  }

  ScheduledExecutorService timers() {
    return timers;
  }

  void reportSteps(StepTimes t) {
    try {
      stepListener.accept(t);
    } catch (RuntimeException e) {
      log.warn("step listener failed: {}", e.toString());
    }
  }

  /** For tests: the engine connection. */
  DockerClient client() {
    return docker;
  }

  /**
   * Maps an exception from docker-java: no answer (an I/O failure underneath) is ENGINE_UNAVAILABLE, an
   * HTTP error from the engine is ENVIRONMENT_ERROR; both messages say what was being done.
   */
  ComputeException engineError(String doing, RuntimeException e) {
    if (e instanceof DockerException de) {
      return new ComputeException(FailureReason.ENVIRONMENT_ERROR,
          "the Docker engine refused " + doing + " (HTTP " + de.getHttpStatus() + "): " + engineMessage(de), e);
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IOException) {
        return new ComputeException(FailureReason.ENGINE_UNAVAILABLE,
            "the Docker engine at " + config.dockerHost() + " does not answer (" + doing + "): " + t.getMessage(), e);
      }
    }
    return new ComputeException(FailureReason.ENVIRONMENT_ERROR, "Docker client failure while " + doing + ": " + e, e);
  }

  static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    new java.security.SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** The engine's own words from a docker-java error ("Status 404: {"message":"No such image: ..."}"). */
  static String engineMessage(DockerException e) {
    String m = e.getMessage() == null ? "" : e.getMessage();
    var match = java.util.regex.Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(m);
    return match.find() ? match.group(1).replace("\\\"", "\"") : firstLine(m);
  }

  static String firstLine(String s) {
    if (s == null) return "";
    s = s.strip();
    int i = s.indexOf('\n');
    return i < 0 ? s : s.substring(0, i);
  }
}
