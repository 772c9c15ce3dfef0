package org.jgolem.compute.docker;

import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Info;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.jgolem.compute.Capabilities;
import org.jgolem.compute.ComputeException;
import org.jgolem.compute.Environment;
import org.jgolem.compute.Execution;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.compute.FailureReason;
import org.jgolem.compute.WarmUp;
import org.jgolem.ipfs.FileTrees;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs subtasks in Docker containers, one container per subtask, from whitelisted images only.
 *
 * <p>Each container: no network, a read-only root filesystem, every capability dropped,
 * no-new-privileges, memory (no swap), CPU and pids limits, {@code /golem/resources} bound
 * read-only from the spec's resources folder, and size-limited tmpfs mounts for {@code /tmp},
 * {@code /golem/work} and {@code /golem/output}, so a subtask cannot write a byte to the host's
 * disk. tmpfs pages count against the container's memory limit. Since tmpfs contents vanish when a
 * container stops, the container's main process is an idle keeper (uid 65534 under docker-init) and
 * the subtask runs as 1000:1000 through an exec; when it exits, its leftover processes are killed,
 * the output folder is streamed out with {@code tar} in the same exec and extracted on the host
 * with checks (see {@link OutputTar}), and the container is removed. See {@link DockerRun} for the
 * lifecycle.
 *
 * <p>Sizes: {@code /tmp} and {@code /golem/work} are each {@link
 * org.jgolem.compute.Limits#workBytes()}, {@code /dev/shm} the smaller of that and 64 MiB, {@code
 * /golem/output} the output limit plus 1 MiB (so that a subtask that overflows it is told apart:
 * OUTPUT_TOO_LARGE), each with a bounded number of inodes. All of it is memory, charged to the
 * container's memory limit.
 *
 * <p>The image must provide {@code /bin/sh}, {@code sleep} and {@code tar} (any Debian-based image
 * does). The resources folder must be readable by others (o+rx), since the subtask runs as uid
 * 1000. The spec's host work folder is not used: all scratch space is tmpfs inside the container.
 * The subtask's environment has {@code HOME=/golem/work} unless the spec sets HOME.
 *
 * <p>Time is injected: the clock and the scheduler given to the constructor time the idle sessions,
 * the warm-ups ({@link DockerWarmUps}), the subtasks' timeouts and the collection's watchdog. The
 * parts: {@link DockerEngine} (the connection), {@link DockerSessions} (the kept containers),
 * {@link DockerWarmUps}, and one {@link DockerRun} per subtask.
 *
 * <p>Why over 400 lines: this contract and the admission of a run (the image whitelist, the
 * capabilities, the session it joins) stay at the {@link org.jgolem.compute.Environment}'s entry
 * point; the work itself is done by the parts named above.
 */
public final class DockerEnvironment implements Environment {
  private static final Logger log = LoggerFactory.getLogger(DockerEnvironment.class);

  public static final String NAME = "docker";

  /** Container labels: the node's id, this environment instance's id, and the subtask's id. */
  public static final String LABEL_NODE = "org.jgolem.node";

  public static final String LABEL_INSTANCE = "org.jgolem.instance";
  public static final String LABEL_SUBTASK = "org.jgolem.subtask";

  /**
   * A warm sandbox is readied only after this long without work on the node (see {@link
   * #idleWhen}).
   */
  public static final Duration WARM_AFTER_IDLE = Duration.ofSeconds(2);

  /** How long {@link #close()} waits for what runs to end and its containers to be removed. */
  static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

  /**
   * Per-step wall times of one subtask (check, create, start, exec, collect, remove...) in order,
   * in nanoseconds.
   */
  public record StepTimes(String subtaskId, Map<String, Long> nanos) {
    public StepTimes {
      nanos = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(nanos));
    }
  }

  /** What a run uses of its environment. */
  record Parts(
      DockerEngine engine,
      DockerSessions sessions,
      Clock clock,
      ScheduledExecutorService timers,
      Consumer<StepTimes> steps) {
    void reportSteps(StepTimes t) {
      try {
        steps.accept(t);
      } catch (RuntimeException e) {
        log.warn("step listener failed: {}", e.toString());
      }
    }
  }

  private final DockerEngine engine;
  private final Parts parts;
  private final DockerSessions sessions;
  private final DockerWarmUps warmUps;
  private final Set<DockerRun> runs = ConcurrentHashMap.newKeySet();
  private final List<ScheduledFuture<?>> ticks = new ArrayList<>();

  /**
   * The scheduler, if this environment made it (the one-argument constructor): shut down on close.
   */
  private final ScheduledExecutorService ownTimers;

  private volatile boolean closed;
  private volatile Consumer<StepTimes> stepListener = t -> {};

  /**
   * An environment on its own (a tool, a test): the system clock and a timer thread of its own,
   * stopped on close. A node gives its own clock and scheduler ({@link
   * #DockerEnvironment(DockerConfig, Clock, ScheduledExecutorService)}).
   */
  public DockerEnvironment(DockerConfig config) {
    this(
        config,
        Clock.systemUTC(),
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("docker-env-timer").unstarted(r)),
        true);
  }

  /**
   * @param clock times idle sessions, session lifetimes and warm-ups
   * @param timers runs the periodic checks (session expiry, warm-ups), the subtasks' timeouts and
   *     the collection's watchdog; not shut down by {@link #close()}
   */
  public DockerEnvironment(DockerConfig config, Clock clock, ScheduledExecutorService timers) {
    this(config, clock, timers, false);
  }

  private DockerEnvironment(
      DockerConfig config, Clock clock, ScheduledExecutorService timers, boolean ownsTimers) {
    this.engine = new DockerEngine(config);
    this.ownTimers = ownsTimers ? timers : null;
    this.sessions =
        new DockerSessions(
            Path.of(
                System.getProperty("java.io.tmpdir"),
                "jgolem-docker-sessions-" + config.nodeId() + "-" + engine.instanceId),
            this::removeSession,
            clock);
    this.parts = new Parts(engine, sessions, clock, timers, t -> stepListener.accept(t));
    this.warmUps = new DockerWarmUps(parts, () -> !runs.isEmpty());
    ticks.add(
        timers.scheduleWithFixedDelay(
            () -> {
              sessions.expire();
              warmUps.maybeWarm();
            },
            5,
            5,
            TimeUnit.SECONDS));
    ticks.add(timers.scheduleWithFixedDelay(warmUps::sampleNode, 500, 500, TimeUnit.MILLISECONDS));
    try {
      int n = engine.reapLeftovers();
      if (n > 0)
        log.info(
            "removed {} container(s) that an earlier run of node {} left behind",
            n,
            config.nodeId());
    } catch (ComputeException e) {
      log.warn(
          "cannot reap leftover containers now ({}); will try before the first subtask",
          e.getMessage());
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  public DockerConfig config() {
    return engine.config;
  }

  /** This environment instance's id, the {@value #LABEL_INSTANCE} label of its containers. */
  public String instanceId() {
    return engine.instanceId;
  }

  /**
   * Where sessions keep their resources folders (default: under the system's temporary folder).
   * Best on the file system of the subtasks' resources folders: a session's resources are then hard
   * links, not copies.
   */
  public void sessionFolder(Path folder) {
    sessions.root(folder);
    // what a crashed earlier run left there (its containers are reaped by their label)
    try (var old = Files.newDirectoryStream(folder, "session-*")) {
      for (Path p : old) FileTrees.delete(p);
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
   * Keeps a sandbox of {@code w} ready: whenever none is ready and the node has been idle for
   * {@link #WARM_AFTER_IDLE}, one is made and readied by {@code w}'s program (see {@link WarmUp}),
   * then kept for the first new session that fits it. One being readied when work comes is
   * cancelled (readied again at the next idle time); one that fails is logged and tried again a
   * minute later. {@link #onWarmUp} hears of each.
   */
  public void keepWarm(WarmUp w) {
    if (!engine.config.allowedImageIds().contains(w.imageId())) {
      throw new IllegalArgumentException(
          "cannot keep " + w.imageId() + " warm: it is not on this node's whitelist");
    }
    warmUps.keepWarm(w);
  }

  /**
   * What else makes the node busy (its other sandboxes, the tasks it requests): warm-ups are made
   * only after this has said true, and this environment has run nothing, for {@link
   * #WARM_AFTER_IDLE}. Asked twice a second.
   */
  public void idleWhen(BooleanSupplier idle) {
    warmUps.idleWhen(idle);
  }

  /**
   * Receives a report when a warm-up starts and when it ends (ready, gave way, failed), on the
   * warm-up's thread.
   */
  public void onWarmUp(Consumer<WarmUpReport> listener) {
    warmUps.onReport(listener);
  }

  /** How many warm sandboxes are ready. */
  public int warmSessions() {
    return warmUps.ready();
  }

  /** The CPU time the warm-ups took so far (as the engine counts it in their containers). */
  public Duration warmUpCpuTime() {
    return warmUps.cpuTime();
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
    return engine.reapLeftovers();
  }

  /** The id of a local image by name ({@code jgolem/runtime}) or id, if the engine has it. */
  public Optional<String> resolveImage(String nameOrId) throws ComputeException {
    try {
      return Optional.of(engine.docker.inspectImageCmd(nameOrId).exec().getId());
    } catch (NotFoundException e) {
      return Optional.empty();
    } catch (RuntimeException e) {
      throw engine.engineError("inspecting image " + nameOrId, e);
    }
  }

  @Override
  public Capabilities capabilities() {
    Info info;
    try {
      info = engine.docker.infoCmd().exec();
    } catch (RuntimeException e) {
      return Capabilities.unavailable(
          NAME, engine.engineError("asking for its info", e).getMessage());
    }
    DockerConfig config = engine.config;
    List<String> images = new ArrayList<>();
    for (String id : new TreeSet<>(config.allowedImageIds())) {
      try {
        InspectImageResponse img = engine.docker.inspectImageCmd(id).exec();
        String name =
            img.getRepoTags() == null
                ? null
                : img.getRepoTags().stream()
                    .filter(t -> !t.startsWith("<none>"))
                    .findFirst()
                    .orElse(null);
        images.add((name == null ? "<untagged>" : name) + "@" + id);
      } catch (NotFoundException absent) {
        // whitelisted but not on this node
      } catch (RuntimeException e) {
        return Capabilities.unavailable(
            NAME, engine.engineError("inspecting image " + id, e).getMessage());
      }
    }
    int engineCpus = info.getNCPU() == null ? 1 : info.getNCPU();
    long engineMemory = info.getMemTotal() == null ? 0 : info.getMemTotal();
    int cpus = config.maxCpus() > 0 ? Math.min(config.maxCpus(), engineCpus) : engineCpus;
    long memory =
        config.maxMemoryBytes() > 0
            ? Math.min(config.maxMemoryBytes(), engineMemory)
            : engineMemory;
    return new Capabilities(NAME, true, "", images, cpus, memory);
  }

  @Override
  public Execution start(ExecutionSpec spec) {
    if (closed) {
      return Execution.finished(
          ExecutionResult.failed(
              spec,
              NAME,
              new ComputeException(
                  FailureReason.ENGINE_UNAVAILABLE, "the Docker environment is closed"),
              Duration.ZERO));
    }
    Execution x = new Execution(spec.subtaskId());
    DockerRun[] self = new DockerRun[1];
    DockerRun run =
        self[0] =
            new DockerRun(
                parts,
                spec,
                x,
                false,
                () -> {
                  runs.remove(self[0]);
                  warmUps.workEnded(); // before the result is seen: whoever sees it sees this
                  // environment idle
                });
    warmUps.workStarts();
    runs.add(run);
    x.onCancel(run::cancel);
    // A platform thread: docker-java talks to a unix socket through JNA, which would pin a virtual
    // thread's carrier.
    Thread.ofPlatform()
        .daemon()
        .name("docker-" + spec.subtaskId())
        .start(() -> {
          try {
            run.run();
          } finally {
            if (runs.remove(run)) warmUps.workEnded(); // run() failed before its end
          }
        });
    return x;
  }

  /**
   * Cancels what runs, waits (up to 30 s) until its containers are gone, and closes the engine
   * connection.
   */
  @Override
  public void close() {
    closed = true;
    ticks.forEach(t -> t.cancel(false));
    // a warm-up being readied finishes (its run is cancelled) before the sessions are closed
    List<CompletableFuture<Void>> ending = new ArrayList<>();
    ending.add(warmUps.close());
    for (DockerRun r : runs) {
      r.cancel();
      ending.add(r.done());
    }
    try {
      CompletableFuture.allOf(ending.toArray(CompletableFuture[]::new))
          .get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn(
          "closing the Docker environment: what ran did not end within {} ({})",
          CLOSE_WAIT,
          e.toString());
    }
    sessions.close();
    if (ownTimers != null) ownTimers.shutdownNow();
    engine.close();
  }

  /**
   * Removes a session's container and its resources folder (errors are logged: the container is
   * labelled, reaped later).
   */
  private void removeSession(DockerSessions.Session s) {
    try {
      engine
          .docker
          .removeContainerCmd(s.containerId)
          .withForce(true)
          .withRemoveVolumes(true)
          .exec();
    } catch (NotFoundException gone) {
      // removed already
    } catch (RuntimeException e) {
      log.warn("removing session container {} failed: {}", s.containerId, e.toString());
    }
    try {
      FileTrees.delete(s.resources);
    } catch (IOException | RuntimeException e) {
      log.warn("deleting session folder {} failed: {}", s.resources, e.toString());
    }
  }
}
