package org.jgolem.compute.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.compute.wasm.WasmFixture.Folders;
import static org.jgolem.compute.wasm.WasmFixture.run;
import static org.jgolem.compute.wasm.WasmFixture.spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jgolem.compute.Execution;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.FailureReason;
import org.jgolem.testkit.FakeClock;
import org.jgolem.testkit.ManualScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cancellation at every stage, slots, closing, and the compiled-module cache. */
class WasmLifecycleTest {
  @TempDir Path tmp;

  private static WasmEnvironment.Settings settings(int slots, int cachedModules) {
    return WasmEnvironment.Settings.defaults().withSlots(slots).withCachedModules(cachedModules);
  }

  private Execution startSpin(WasmEnvironment env, String id) throws Exception {
    return env.start(
        spec(
            id,
            "spin",
            Folders.under(tmp, id),
            List.of(),
            Map.of(),
            WasmFixture.limits().withTimeout(Duration.ofSeconds(60))));
  }

  @Test
  void cancellingARunningSubtaskStopsItsThreadsAtOnce() throws Exception {
    try (var env = new WasmEnvironment(settings(1, 4))) {
      Execution x = startSpin(env, "cancel-running");
      assertThat(WasmFixture.threadsNamed("no-such-thread")).isEmpty();
      waitForThread("wasm-cancel-running-run");
      Thread.sleep(200); // let it spin in compiled code

      long t0 = System.nanoTime();
      x.cancel();
      ExecutionResult r = x.result().get(10, TimeUnit.SECONDS);
      long millis = (System.nanoTime() - t0) / 1_000_000;

      assertThat(r.reason()).isEqualTo(FailureReason.CANCELLED);
      assertThat(r.failure().orElseThrow().message()).isEqualTo("cancelled by the node");
      assertThat(r.exitCode()).isEmpty();
      assertThat(millis).as("ms from cancel to result").isLessThan(2000);
      assertThat(WasmFixture.threadsNamed("wasm-cancel-running")).isEmpty();
      assertThat(x.isCancelled()).isTrue();
      x.cancel(); // again: harmless
      assertThat(x.result().get()).isEqualTo(r);
    }
  }

  @Test
  void theWallTimeLimitIsTimedByTheGivenSchedulerNotByWaiting() throws Exception {
    FakeClock clock = new FakeClock(1_700_000_000_000L);
    ManualScheduler timers = new ManualScheduler(clock);
    try (var env = new WasmEnvironment(settings(1, 4), timers)) {
      long t0 = System.nanoTime();
      Execution x = startSpin(env, "fake-deadline");
      waitForThread("wasm-fake-deadline-run");

      // a millisecond before the limit of 60 s: nothing is due, the subtask spins on
      assertThat(timers.advance(Duration.ofMillis(59_999))).as("timers run").isZero();
      assertThat(x.isDone()).isFalse();

      assertThat(timers.advance(Duration.ofMillis(1))).as("the wall-time limit ran").isEqualTo(1);
      ExecutionResult r = x.result().get(10, TimeUnit.SECONDS);
      assertThat(r.reason()).isEqualTo(FailureReason.TIMEOUT);
      assertThat(r.failure().orElseThrow().message())
          .isEqualTo("ran past its wall-time limit of 60000 ms");
      assertThat(r.exitCode()).isEmpty();
      assertThat((System.nanoTime() - t0) / 1_000_000)
          .as("ms waited for a limit of 60 s")
          .isLessThan(30_000);
      assertThat(WasmFixture.threadsNamed("wasm-fake-deadline")).isEmpty();
      assertThat(timers.pending()).as("the run's timers were dropped when it ended").isZero();
    }
  }

  @Test
  void aSubtaskWaitingForASlotCanBeCancelledAndTheSlotIsReused() throws Exception {
    try (var env = new WasmEnvironment(settings(1, 4))) {
      Execution first = startSpin(env, "slot-holder");
      waitForThread("wasm-slot-holder-run");
      Execution queued =
          env.start(spec("slot-waiter", "exitcode", Folders.under(tmp, "w"), List.of("0")));
      waitForWaiting(
          "wasm-slot-waiter"); // its supervisor parked on the slots, not sleeping through a pause
      assertThat(queued.isDone()).as("waits for the only slot").isFalse();

      queued.cancel();
      ExecutionResult r = queued.result().get(5, TimeUnit.SECONDS);
      assertThat(r.reason()).isEqualTo(FailureReason.CANCELLED);
      assertThat(r.failure().orElseThrow().message())
          .isEqualTo("cancelled by the node before it started");
      assertThat(r.stdout().totalBytes()).isZero();

      first.cancel();
      assertThat(first.result().get(5, TimeUnit.SECONDS).reason())
          .isEqualTo(FailureReason.CANCELLED);
      ExecutionResult next =
          run(env, spec("slot-next", "exitcode", Folders.under(tmp, "n"), List.of("0")));
      assertThat(next.succeeded()).as("the slot was released").isTrue();
      assertThat(WasmFixture.threadsNamed("wasm-slot")).isEmpty();
    }
  }

  @Test
  void cancellingAFinishedSubtaskChangesNothing() throws Exception {
    try (var env = new WasmEnvironment(settings(1, 4))) {
      Execution x =
          env.start(spec("done-then-cancel", "exitcode", Folders.under(tmp, "d"), List.of("0")));
      ExecutionResult r = x.result().get(30, TimeUnit.SECONDS);
      x.cancel();
      assertThat(x.result().get()).isSameAs(r);
      assertThat(r.succeeded()).isTrue();
    }
  }

  @Test
  void closingTheEnvironmentCancelsWhatRunsAndRefusesNewWork() throws Exception {
    var env = new WasmEnvironment(settings(2, 4));
    Execution a = startSpin(env, "close-a");
    Execution b = startSpin(env, "close-b");
    waitForThread("wasm-close-a-run");
    env.close();

    assertThat(a.result().get(5, TimeUnit.SECONDS).reason()).isEqualTo(FailureReason.CANCELLED);
    assertThat(b.result().get(5, TimeUnit.SECONDS).reason()).isEqualTo(FailureReason.CANCELLED);
    assertThat(WasmFixture.threadsNamed("wasm-close")).isEmpty();
    assertThat(env.capabilities().available()).isFalse();
    ExecutionResult refused =
        env.start(spec("after-close", "exitcode", Folders.under(tmp, "c"), List.of("0")))
            .result()
            .get();
    assertThat(refused.reason()).isEqualTo(FailureReason.ENGINE_UNAVAILABLE);
  }

  @Test
  void aModuleIsCompiledOnceAndTheSecondRunSkipsTheCompilation() throws Exception {
    try (var env = new WasmEnvironment(settings(1, 4))) {
      ExecutionResult first =
          run(env, spec("cache-1", "kernel", Folders.under(tmp, "c1"), List.of("40")));
      Duration compile = env.compileTime();
      ExecutionResult second =
          run(env, spec("cache-2", "kernel", Folders.under(tmp, "c2"), List.of("40")));

      assertThat(first.succeeded() && second.succeeded()).isTrue();
      assertThat(second.stdout()).isEqualTo(first.stdout());
      assertThat(env.compilations()).isEqualTo(1);
      assertThat(env.cacheHits()).isEqualTo(1);
      assertThat(env.compileTime())
          .as("no compile time added by the second run")
          .isEqualTo(compile);
      System.out.printf(
          "kernel.wasm: compile %d ms; first run %d ms, second run %d ms%n",
          compile.toMillis(), first.wallTime().toMillis(), second.wallTime().toMillis());
      assertThat(compile).isPositive();
      assertThat(second.wallTime())
          .as("the second run does not pay the compilation")
          .isLessThan(first.wallTime());
    }
  }

  @Test
  void twoRunsOfANewModuleAtOnceCompileItOnce() throws Exception {
    try (var env = new WasmEnvironment(settings(2, 4))) {
      Execution a = env.start(spec("same-a", "render", sceneFolders("sa"), List.of()));
      Execution b = env.start(spec("same-b", "render", sceneFolders("sb"), List.of()));
      assertThat(a.result().get(60, TimeUnit.SECONDS).succeeded()).isTrue();
      assertThat(b.result().get(60, TimeUnit.SECONDS).succeeded()).isTrue();
      assertThat(env.compilations()).isEqualTo(1);
      assertThat(env.cacheHits()).isEqualTo(1);
    }
  }

  @Test
  void subtasksRunOnPooledThreadsNamedAfterThemOnlyWhileTheyRun() throws Exception {
    try (var env = new WasmEnvironment(settings(1, 4))) {
      for (int i = 0; i < 12; i++) {
        ExecutionResult r =
            run(
                env,
                spec("pooled-" + i, "exitcode", Folders.under(tmp, "p" + i), List.of("" + i % 2)));
        assertThat(r.exitCode()).contains(i % 2);
      }
      assertThat(WasmFixture.threadsNamed("wasm-pooled"))
          .as("no thread keeps a finished subtask's name")
          .isEmpty();
      // twelve runs one after the other: threads are reused, not made one a run (a run's thread may
      // come back to its
      // pool only just after the next run asked for one, so the pool may still make a few)
      List<Integer> guests =
          Thread.getAllStackTraces().keySet().stream()
              .map(Thread::getName)
              .filter(n -> n.startsWith("wasm-guest-idle-"))
              .map(n -> Integer.parseInt(n.substring(16)))
              .toList();
      assertThat(guests).isNotEmpty().allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(8));
    }
  }

  @Test
  void theCacheIsBoundedLeastRecentlyUsedFirst() throws Exception {
    try (var env = new WasmEnvironment(settings(1, 1))) {
      for (String p : List.of("exitcode", "probe", "exitcode")) {
        assertThat(
                run(
                        env,
                        spec(
                            "lru-" + p + "-" + env.compilations(),
                            p,
                            Folders.under(tmp, "lru" + env.compilations()),
                            List.of()))
                    .succeeded())
            .isTrue();
      }
      assertThat(env.compilations())
          .as("a one-module cache recompiles the evicted one")
          .isEqualTo(3);
      assertThat(env.cacheHits()).isZero();
    }
  }

  private Folders sceneFolders(String id) throws Exception {
    Folders f = Folders.under(tmp, id);
    java.nio.file.Files.writeString(f.resources().resolve("scene.txt"), WasmFixture.SCENE);
    return f;
  }

  /**
   * Waits until the thread named {@code name} is blocked waiting (as on a semaphore with no permit
   * left).
   */
  private static void waitForWaiting(String name) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (Thread.getAllStackTraces().keySet().stream()
        .noneMatch(t -> t.getName().equals(name) && t.getState() == Thread.State.WAITING)) {
      if (System.nanoTime() > deadline)
        throw new AssertionError("thread " + name + " never waited");
      Thread.sleep(10);
    }
  }

  private static void waitForThread(String name) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals(name))) {
      if (System.nanoTime() > deadline)
        throw new AssertionError("thread " + name + " never started");
      Thread.sleep(10);
    }
  }
}
