package org.jgolem.compute.wasm;

import com.dylibso.chicory.log.Logger;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.jgolem.compute.CapturedLog;
import org.jgolem.compute.ComputeException;
import org.jgolem.compute.Execution;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.ExecutionResult.Failure;
import org.jgolem.compute.ExecutionResult.OutputFile;
import org.jgolem.compute.ExecutionResult.ResourceUsage;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.compute.FailureReason;
import org.jgolem.compute.OutputFiles;
import org.jgolem.compute.Program;

/**
 * One WASM subtask, from start to result.
 *
 * <p>How a run ends, first match wins:
 *
 * <ol>
 *   <li>stopped by the node: {@code TIMEOUT} (wall-time limit) or {@code CANCELLED}, whatever the
 *       program was doing at the time;
 *   <li>refused before it ran: binary missing ({@code IMAGE_MISSING}), SHA-256 not the announced
 *       one ({@code INVALID_SPEC}), not a valid module, no {@code _start}, imports this sandbox
 *       does not provide ({@code TRAPPED}), initial memory over the limit ({@code OUT_OF_MEMORY});
 *   <li>a write attempt on {@code /golem/resources}: {@code TRAPPED};
 *   <li>the output past its limit: {@code OUTPUT_TOO_LARGE}, even if the program then failed;
 *   <li>a trap or a non-zero exit after a refused {@code memory.grow}: {@code OUT_OF_MEMORY};
 *   <li>a trap (including a call stack exhausted by recursion): {@code TRAPPED};
 *   <li>{@code exit(n)} with n != 0: {@code NON_ZERO_EXIT};
 *   <li>otherwise success, and the output is copied to the spec's output folder.
 * </ol>
 *
 * <p>Why over 400 lines: a run's supervision (its start, the stop timers, the interrupts, the
 * guest's end) and the reading of how it ended must see the same state under one lock; the module's
 * checks are {@link WasmModuleCheck} and the pure classification {@link WasmOutcome}.
 */
final class WasmRun {
  private static final Logger QUIET =
      new Logger() {
        @Override
        public void log(Level level, String msg, Throwable throwable) {}

        @Override
        public boolean isLoggable(Level level) {
          return false;
        }
      };

  private final ExecutionSpec spec;
  private final Program.WasmBinary binary;
  private final Execution execution;
  private final WasmEnvironment.Settings settings;
  private final Semaphore slots;
  private final ModuleCache cache;
  private final Consumer<WasmRun> onEnd;
  private final AtomicReference<FailureReason> stop = new AtomicReference<>();
  private final WasmEnvironment.Threads threads;

  /** The pooled threads serving this run while they do (guarded by this: interrupted only then). */
  private Thread supervisor;

  private Thread guest;
  private final CountDownLatch supervised = new CountDownLatch(1);
  private final CountDownLatch guestDone = new CountDownLatch(1);

  /**
   * Counted down when the guest ends, or when it is abandoned for not stopping within the stop
   * grace.
   */
  private final CountDownLatch released = new CountDownLatch(1);

  private volatile ExecutionResult guestResult;

  /**
   * The wall-time limit, the stop grace and the repeated interrupts of a stop are timed by this
   * scheduler.
   */
  private final ScheduledExecutorService timers;

  /** Guarded by this: the guest was handed its thread and the supervisor still waits for it. */
  private boolean guestRunning;

  /** Guarded by this: the timers of this run while the guest runs, null when not (yet) armed. */
  private ScheduledFuture<?> deadline;

  private ScheduledFuture<?> reinterrupts;
  private ScheduledFuture<?> abandon;

  WasmRun(
      ExecutionSpec spec,
      Program.WasmBinary binary,
      Execution execution,
      WasmEnvironment.Settings settings,
      Semaphore slots,
      ModuleCache cache,
      WasmEnvironment.Threads threads,
      ScheduledExecutorService timers,
      Consumer<WasmRun> onEnd) {
    this.spec = spec;
    this.binary = binary;
    this.execution = execution;
    this.settings = settings;
    this.slots = slots;
    this.cache = cache;
    this.threads = threads;
    this.timers = timers;
    this.onEnd = onEnd;
  }

  void start() {
    try {
      threads.supervisors().execute(this::supervise);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      end(
          failed(
              FailureReason.ENGINE_UNAVAILABLE, "the WASM environment is closed", Duration.ZERO));
    }
  }

  /** Stops the subtask (any time, any thread, idempotent); the result says CANCELLED. */
  void cancel() {
    stop.compareAndSet(null, FailureReason.CANCELLED);
    interruptGuest();
    synchronized (this) {
      if (supervisor != null) supervisor.interrupt(); // it may be waiting for a slot
      armStopTimers();
    }
  }

  /** The wall-time limit was reached: stops the guest, unless it was stopped already. */
  private void timedOut() {
    stop.compareAndSet(null, FailureReason.TIMEOUT);
    interruptGuest();
    synchronized (this) {
      armStopTimers();
    }
  }

  /**
   * Once a stop is asked while the guest runs: interrupts it again every 50 ms (a host call may
   * have swallowed an interrupt), and gives it up after the stop grace. Called under this lock.
   */
  private void armStopTimers() {
    if (stop.get() == null || !guestRunning || abandon != null) return;
    try {
      reinterrupts =
          timers.scheduleWithFixedDelay(this::interruptGuest, 50, 50, TimeUnit.MILLISECONDS);
      abandon =
          timers.schedule(
              released::countDown, settings.stopGrace().toNanos(), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      released
          .countDown(); // the environment's timers are gone (it was closed): the guest is given up
      // at once
    }
  }

  private synchronized void interruptGuest() {
    if (guest != null) guest.interrupt();
  }

  /**
   * Waits up to {@code millis} for the run to end (its guest thread abandoned, if it would not
   * stop).
   */
  void awaitEnd(long millis) {
    try {
      supervised.await(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // --- the supervisor thread (pooled: named after the subtask while it serves it) ---

  private void supervise() {
    Thread me = Thread.currentThread();
    String idle = me.getName();
    synchronized (this) {
      supervisor = me;
    }
    me.setName("wasm-" + spec.subtaskId());
    ExecutionResult result;
    try {
      result = superviseGuest();
    } catch (RuntimeException | Error e) {
      result =
          failed(
              FailureReason.ENVIRONMENT_ERROR, "the WASM supervisor failed: " + e, Duration.ZERO);
    } finally {
      synchronized (this) {
        supervisor = null;
        Thread.interrupted(); // a cancel() that came late is not the pool's next run's
      }
      me.setName(idle);
    }
    end(result);
  }

  private void end(ExecutionResult result) {
    onEnd.accept(this);
    supervised.countDown();
    execution.complete(result);
  }

  private ExecutionResult superviseGuest() {
    try {
      slots.acquire();
    } catch (InterruptedException e) {
      return stoppedBeforeStart();
    }
    try {
      if (stop.get() != null) return stoppedBeforeStart();
      try {
        synchronized (this) {
          guestRunning = true;
          deadline =
              timers.schedule(
                  this::timedOut, spec.limits().timeout().toNanos(), TimeUnit.NANOSECONDS);
        }
        threads.guests().execute(this::guestMain);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        return failed(
            FailureReason.ENGINE_UNAVAILABLE, "the WASM environment is closed", Duration.ZERO);
      } finally {
        synchronized (this) {
          armStopTimers(); // a cancel() that came while the guest was handed its thread
        }
      }
      while (released.getCount() > 0) {
        try {
          released.await();
        } catch (InterruptedException e) {
          // cancel() interrupts this thread; the guest is stopped by the interrupts and timers it
          // arms
        }
      }
      if (guestDone.getCount() > 0) {
        FailureReason why = stop.get();
        return failed(
            why,
            message(why)
                + "; the guest thread did not stop within "
                + settings.stopGrace().toSeconds()
                + " s of being interrupted and was abandoned",
            Duration.ZERO);
      }
      ExecutionResult r = guestResult;
      return r != null
          ? r
          : failed(
              FailureReason.ENVIRONMENT_ERROR,
              "the guest thread ended without a result",
              Duration.ZERO);
    } finally {
      synchronized (this) {
        guestRunning = false;
        for (ScheduledFuture<?> t : java.util.Arrays.asList(deadline, reinterrupts, abandon)) {
          if (t != null) t.cancel(false);
        }
      }
      slots.release();
    }
  }

  private ExecutionResult stoppedBeforeStart() {
    FailureReason why = stop.get() == null ? FailureReason.CANCELLED : stop.get();
    return failed(why, message(why) + " before it started", Duration.ZERO);
  }

  private String message(FailureReason why) {
    return why == FailureReason.TIMEOUT
        ? "ran past its wall-time limit of " + spec.limits().timeout().toMillis() + " ms"
        : "cancelled by the node";
  }

  private ExecutionResult failed(FailureReason reason, String message, Duration wall) {
    return ExecutionResult.failed(
        spec, WasmEnvironment.NAME, new ComputeException(reason, message), wall);
  }

  // --- the guest thread (pooled, with the guest's stack: named after the subtask while it serves
  // it) ---

  private void guestMain() {
    Thread me = Thread.currentThread();
    String idle = me.getName();
    me.setName("wasm-" + spec.subtaskId() + "-run");
    synchronized (this) {
      guest = me;
    }
    try {
      // stopped before this thread came: the supervisor interrupts again, but a guest need not even
      // start
      if (stop.get() == null) {
        runGuest();
      } else {
        guestResult = stoppedBeforeStart();
      }
    } finally {
      synchronized (this) {
        guest = null;
        Thread.interrupted(); // an interrupt meant for this run is not the pool's next run's
      }
      me.setName(idle);
      guestDone.countDown();
      released.countDown();
    }
  }

  private void runGuest() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long cpu0 = threads.isCurrentThreadCpuTimeSupported() ? threads.getCurrentThreadCpuTime() : -1;
    long t0 = System.nanoTime();
    CapturedLog.Sink stdout = new CapturedLog.Sink(spec.limits().maxLogBytes());
    CapturedLog.Sink stderr = new CapturedLog.Sink(spec.limits().maxLogBytes());
    GuardedMemory[] memory = {null};
    Optional<Integer> exit = Optional.empty();
    Failure failure = null;
    List<OutputFile> outputs = List.of();
    SandboxFiles files = null;
    try {
      ModuleCache.Compiled compiled = WasmModuleCheck.compiled(binary, cache);
      WasmModule module = compiled.module();
      MemoryLimits memoryLimits = WasmModuleCheck.memoryLimits(module, spec.limits().memoryBytes());
      GuestClock clock = GuestClock.forSubtask(spec.subtaskId());
      SandboxFiles sandbox = SandboxFiles.open(spec, clock.start());
      files = sandbox;
      WasiOptions.Builder options =
          WasiOptions.builder()
              .withStdin(new ByteArrayInputStream(new byte[0]))
              .withStdout(stdout)
              .withStderr(stderr)
              .withClock(clock)
              .withRandom(clock.random())
              .withArguments(arguments())
              .withDirectory(ExecutionSpec.RESOURCES, files.resourcesRoot())
              .withDirectory(ExecutionSpec.WORK, files.workRoot())
              .withDirectory(ExecutionSpec.OUTPUT, files.outputRoot());
      new TreeMap<>(spec.env())
          .forEach(options::withEnvironment); // sorted: the same environ everywhere
      Throwable ended = null;
      try (WasiPreview1 wasi =
          WasiPreview1.builder().withLogger(QUIET).withOptions(options.build()).build()) {
        var quota = new GuestImports.Quota(settings.maxOpenFiles(), settings.maxCreatedFiles());
        var imports = GuestImports.of(wasi, clock, sandbox::writeFailed, quota);
        List<String> missing = GuestImports.missing(module, imports);
        if (!missing.isEmpty()) {
          throw new ComputeException(
              FailureReason.TRAPPED,
              "the module imports "
                  + String.join(", ", missing)
                  + ", which this sandbox does not provide (WASI preview 1 only, no network)");
        }
        Instance instance =
            Instance.builder(module)
                .withImportValues(ImportValues.builder().withFunctions(imports).build())
                .withMachineFactory(compiled.machines())
                .withMemoryFactory(requested -> memory[0] = new GuardedMemory(memoryLimits))
                .withStart(false)
                .build();
        ExportFunction start = WasmModuleCheck.exportedStart(instance);
        try {
          start.apply();
          exit = Optional.of(0);
        } catch (WasiExitException e) {
          exit = Optional.of(e.exitCode());
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
          ended = e;
        }
      } catch (WasiExitException e) {
        exit = Optional.of(e.exitCode()); // proc_exit from a start section
      } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
        ended = e;
      }
      String violation = files.resourcesViolation();
      String tooLarge =
          violation == null
              ? files.outputOverLimit()
              : null; // checked only if there is no violation
      failure = WasmOutcome.classify(exit, ended, violation, tooLarge, memory[0]);
      if (failure == null) {
        files.copyOutput(spec.output());
        outputs = OutputFiles.list(spec.output(), spec.limits().maxOutputBytes());
      }
    } catch (ComputeException e) {
      failure = new Failure(e.reason(), e.getMessage());
    } catch (InterruptedException e) {
      // stopped while waiting for another run's compilation of the module; the stop reason replaces
      // this
      failure =
          new Failure(
              FailureReason.CANCELLED, "interrupted while waiting for the module's compilation");
    } catch (RuntimeException | Error e) {
      failure = new Failure(FailureReason.ENVIRONMENT_ERROR, "the WASM environment failed: " + e);
    } finally {
      if (files != null) files.close();
    }
    FailureReason stopped = stop.get();
    if (stopped != null) {
      failure = new Failure(stopped, message(stopped));
      outputs = List.of();
      clearOutput();
    }
    long cpu = cpu0 < 0 ? -1 : threads.getCurrentThreadCpuTime() - cpu0;
    long peak = memory[0] == null ? 0 : memory[0].pages() * WasmModuleCheck.PAGE;
    guestResult =
        new ExecutionResult(
            spec.subtaskId(),
            WasmEnvironment.NAME,
            Optional.ofNullable(failure),
            exit,
            stdout.capture(),
            stderr.capture(),
            outputs,
            new ResourceUsage(peak, cpu),
            Duration.ofNanos(System.nanoTime() - t0));
  }

  private void clearOutput() {
    try {
      OutputFiles.clear(spec.output());
    } catch (IOException ignored) {
      // nothing was copied unless the run had succeeded just before the stop
    }
  }

  private List<String> arguments() {
    List<String> argv = new ArrayList<>();
    argv.add(spec.entrypoint());
    argv.addAll(spec.args());
    return argv;
  }
}
