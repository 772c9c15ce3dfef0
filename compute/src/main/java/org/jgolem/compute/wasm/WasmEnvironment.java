package org.jgolem.compute.wasm;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import org.jgolem.compute.Capabilities;
import org.jgolem.compute.ComputeException;
import org.jgolem.compute.Environment;
import org.jgolem.compute.Execution;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.compute.FailureReason;
import org.jgolem.compute.Program;

/**
 * Runs {@link Program.WasmBinary} subtasks (wasm32-wasi commands) in Chicory, compiled to JVM
 * bytecode.
 *
 * <p>Each subtask runs on two threads, named {@code wasm-<subtaskId>} while they serve it (the
 * supervisor: it waits for a slot, then for the guest to end or to be given up) and {@code
 * wasm-<subtaskId>-run} (the guest). A scheduler (the environment's {@code wasm-timers} thread, or
 * one given) enforces the wall-time limit and stops. They are pooled: when the subtask ends they go
 * back to the environment's pools under an idle name (a guest that would not stop keeps its thread
 * until it ends; the pools end with the environment). At most {@link Settings#slots()} subtasks run
 * at once; the others wait for a slot (the wall-time limit starts when the subtask gets one).
 *
 * <p>What a guest sees: WASI preview 1 with {@code /golem/resources} (read-only), {@code
 * /golem/work} and {@code /golem/output} (in memory, capped), argv = entrypoint + args, the spec's
 * environment variables, a virtual clock and a random generator fixed by the subtask id (see {@link
 * GuestClock}), and no network. See {@link WasmRun} for how each way of ending maps to a {@link
 * FailureReason}.
 */
public final class WasmEnvironment implements Environment {
  public static final String NAME = "wasm";

  /**
   * @param slots subtasks that run at once (each uses one thread)
   * @param maxMemoryBytes the most linear memory a subtask may ask for ({@code limits.memoryBytes})
   * @param cachedModules compiled modules kept, least recently used dropped first
   * @param guestStackBytes the guest thread's stack: how deep the program may recurse
   * @param stopGrace how long the supervisor waits for an interrupted guest to stop before giving
   *     up on it
   * @param maxOpenFiles descriptors a subtask may hold open at once (a resource file holds a host
   *     one)
   * @param maxCreatedFiles files, folders and links a subtask may create in all
   */
  public record Settings(
      int slots,
      long maxMemoryBytes,
      int cachedModules,
      long guestStackBytes,
      Duration stopGrace,
      int maxOpenFiles,
      int maxCreatedFiles) {
    public Settings {
      java.util.Objects.requireNonNull(stopGrace, "stopGrace");
      if (slots < 1) throw new IllegalArgumentException("slots must be at least 1, got " + slots);
      if (maxOpenFiles < 1 || maxCreatedFiles < 1)
        throw new IllegalArgumentException("file quotas must be at least 1");
      if (maxMemoryBytes < 65536)
        throw new IllegalArgumentException("maxMemoryBytes must be at least one 64 KiB page");
      if (cachedModules < 1) throw new IllegalArgumentException("cachedModules must be at least 1");
      if (guestStackBytes < 256 * 1024)
        throw new IllegalArgumentException("guestStackBytes must be at least 256 KiB");
    }

    /**
     * One slot per core; each subtask up to 4 GiB (wasm32's own limit) or a quarter of the heap
     * shared by the slots, whichever is less; 32 compiled modules; a 16 MiB guest stack; 1024 open
     * descriptors and 100,000 created files per subtask.
     */
    public static Settings defaults() {
      int cores = Runtime.getRuntime().availableProcessors();
      long perSlot = Runtime.getRuntime().maxMemory() / 4 / cores;
      return new Settings(
          cores,
          Math.max(64L << 20, Math.min(4L << 30, perSlot)),
          32,
          16L << 20,
          Duration.ofSeconds(10),
          1024,
          100_000);
    }

    public Settings withSlots(int s) {
      return new Settings(
          s,
          maxMemoryBytes,
          cachedModules,
          guestStackBytes,
          stopGrace,
          maxOpenFiles,
          maxCreatedFiles);
    }

    public Settings withCachedModules(int n) {
      return new Settings(
          slots, maxMemoryBytes, n, guestStackBytes, stopGrace, maxOpenFiles, maxCreatedFiles);
    }

    public Settings withFileQuotas(int open, int created) {
      return new Settings(
          slots, maxMemoryBytes, cachedModules, guestStackBytes, stopGrace, open, created);
    }
  }

  private final Settings settings;
  private final Semaphore slots;
  private final ModuleCache cache;
  private final Set<WasmRun> running = ConcurrentHashMap.newKeySet();
  private final Threads threads;
  private final ScheduledExecutorService timers;

  /** The timers were made here, so {@link #close} ends them. */
  private final boolean ownTimers;

  private volatile boolean closed;

  /**
   * The threads runs use, kept between runs (making two platform threads a run, one with a large
   * stack, was a good share of a tiny subtask's whole cost; see docs/PERFORMANCE.md): supervisors,
   * and guests with the guest's stack.
   */
  record Threads(
      java.util.concurrent.ThreadPoolExecutor supervisors,
      java.util.concurrent.ThreadPoolExecutor guests) {
    static Threads of(long guestStackBytes) {
      return new Threads(
          pool("wasm-supervisor-idle-", 0), pool("wasm-guest-idle-", guestStackBytes));
    }

    private static java.util.concurrent.ThreadPoolExecutor pool(String name, long stackBytes) {
      java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
      return new java.util.concurrent.ThreadPoolExecutor(
          0,
          Integer.MAX_VALUE,
          30,
          java.util.concurrent.TimeUnit.SECONDS,
          new java.util.concurrent.SynchronousQueue<>(),
          r -> {
            Thread t = new Thread(null, r, name + n.incrementAndGet(), stackBytes);
            t.setDaemon(true);
            return t;
          });
    }

    void shutdown() {
      supervisors.shutdown();
      guests.shutdown();
    }
  }

  public WasmEnvironment() {
    this(Settings.defaults());
  }

  public WasmEnvironment(Settings settings) {
    this(settings, timerThread(), true);
  }

  /**
   * With the scheduler that times each run's wall-time limit and, once a run is stopped, its
   * repeated interrupts and stop grace: the caller's, which {@link #close} leaves running (a test
   * passes a manual one and moves its clock).
   */
  public WasmEnvironment(Settings settings, ScheduledExecutorService timers) {
    this(settings, timers, false);
  }

  private WasmEnvironment(Settings settings, ScheduledExecutorService timers, boolean ownTimers) {
    this.settings = settings;
    this.slots = new Semaphore(settings.slots(), true);
    this.cache = new ModuleCache(settings.cachedModules());
    this.threads = Threads.of(settings.guestStackBytes());
    this.timers = java.util.Objects.requireNonNull(timers, "timers");
    this.ownTimers = ownTimers;
  }

  /**
   * One daemon thread for the timers of every run (they only set a flag, interrupt or release a
   * thread).
   */
  private static ScheduledExecutorService timerThread() {
    ScheduledThreadPoolExecutor t =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread thread = new Thread(r, "wasm-timers");
              thread.setDaemon(true);
              return thread;
            });
    t.setRemoveOnCancelPolicy(true); // a run that ends drops its wall-time limit from the queue
    return t;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Capabilities capabilities() {
    if (closed) return Capabilities.unavailable(NAME, "the WASM environment is closed");
    return new Capabilities(NAME, true, "", List.of(), settings.slots(), settings.maxMemoryBytes());
  }

  @Override
  public Execution start(ExecutionSpec spec) {
    try {
      if (closed)
        throw new ComputeException(
            FailureReason.ENGINE_UNAVAILABLE, "the WASM environment is closed");
      if (!(spec.program() instanceof Program.WasmBinary binary)) {
        throw new ComputeException(
            FailureReason.INVALID_SPEC,
            "the wasm environment runs WASM binaries, not "
                + spec.program().environment()
                + " programs ("
                + spec.program()
                + ")");
      }
      if (spec.limits().memoryBytes() > settings.maxMemoryBytes()) {
        throw new ComputeException(
            FailureReason.INVALID_SPEC,
            "the subtask asks for "
                + spec.limits().memoryBytes()
                + " bytes of memory; this node gives a WASM subtask at most "
                + settings.maxMemoryBytes());
      }
      spec.validate();
      Execution execution = new Execution(spec.subtaskId());
      WasmRun run =
          new WasmRun(
              spec, binary, execution, settings, slots, cache, threads, timers, running::remove);
      running.add(run);
      execution.onCancel(run::cancel);
      run.start();
      return execution;
    } catch (ComputeException e) {
      return Execution.finished(ExecutionResult.failed(spec, NAME, e, Duration.ZERO));
    }
  }

  /** Subtasks started and not yet ended. */
  public int running() {
    return running.size();
  }

  /** How many modules were compiled (cache misses) since this environment was made. */
  public long compilations() {
    return cache.compilations();
  }

  /** Time spent parsing and compiling modules since this environment was made. */
  public Duration compileTime() {
    return cache.compileTime();
  }

  /** How many runs found their module already compiled. */
  public long cacheHits() {
    return cache.hits();
  }

  @Override
  public void close() {
    closed = true;
    for (WasmRun r : running) r.cancel();
    long deadline = System.nanoTime() + settings.stopGrace().toNanos() + 1_000_000_000L;
    for (WasmRun r : running) {
      r.awaitEnd(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
    }
    threads.shutdown(); // a guest abandoned as a runaway keeps its thread until it ends
    if (ownTimers) timers.shutdown();
    cache.clear();
  }
}
