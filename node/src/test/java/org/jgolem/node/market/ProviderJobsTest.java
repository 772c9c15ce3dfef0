package org.jgolem.node.market;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jgolem.compute.CapturedLog;
import org.jgolem.compute.Execution;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.node.fixtures.StandInWasm;
import org.jgolem.node.market.provider.JobSnapshot;
import org.jgolem.node.market.provider.ProviderAgent;
import org.jgolem.node.market.requestor.AssignmentSnapshot;
import org.jgolem.node.market.requestor.RequestorAgent;
import org.jgolem.node.market.requestor.RequestorModel;
import org.jgolem.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a provider shows of its jobs ({@link ProviderAgent#jobs()}, behind {@code GET
 * /v1/provider/jobs}): copies, each the requestor's assignment seen from the other side, FETCHING
 * until its sandbox has started, COMPUTING while it runs, and gone once the requestor accepted it.
 * Real nodes on loopback (Netty), real resource stores; the sandbox is a stand-in the test starts
 * and finishes by hand.
 */
@Timeout(180)
class ProviderJobsTest {
  static final Duration WAIT = LoopbackMarket.WAIT;
  @TempDir Path dir;
  LoopbackMarket market;
  RequestorAgent requestor;
  ProviderAgent provider;

  /**
   * A "wasm" sandbox whose start waits for {@link #mayStart}; its run ends when the test calls
   * {@link #finish}.
   */
  final class HeldSandbox implements StandInWasm {
    final CountDownLatch starting = new CountDownLatch(1);
    final CountDownLatch mayStart = new CountDownLatch(1);
    final AtomicReference<ExecutionSpec> spec = new AtomicReference<>();
    final AtomicReference<Execution> running = new AtomicReference<>();

    @Override
    public Execution start(ExecutionSpec s) {
      starting.countDown();
      try {
        if (!mayStart.await(WAIT.toSeconds(), TimeUnit.SECONDS))
          throw new IllegalStateException("never let start");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      Execution x = new Execution(s.subtaskId());
      spec.set(s);
      running.set(x);
      return x;
    }

    void finish() throws IOException {
      ExecutionSpec s = spec.get();
      Files.writeString(s.output().resolve("band.pgm"), "done");
      running
          .get()
          .complete(
              new ExecutionResult(
                  s.subtaskId(),
                  "wasm",
                  Optional.empty(),
                  Optional.of(0),
                  CapturedLog.EMPTY,
                  CapturedLog.EMPTY,
                  List.of(new ExecutionResult.OutputFile("band.pgm", 4)),
                  ExecutionResult.ResourceUsage.UNKNOWN,
                  Duration.ofMillis(1)));
    }
  }

  final HeldSandbox sandbox = new HeldSandbox();

  @BeforeEach
  void setUp() throws Exception {
    market = new LoopbackMarket(dir, sandbox, true);
    requestor = market.requestor;
    provider = market.provider;
  }

  @AfterEach
  void tearDown() throws Exception {
    sandbox.mayStart.countDown();
    market.close();
  }

  @Test
  void aJobIsFetchingUntilItsSandboxStartsComputingWhileItRunsAndGoneOnceAccepted()
      throws Exception {
    var task =
        requestor.create(
            LoopbackMarket.wasmTask(
                dir, in -> Files.writeString(in.resolve("scene.txt"), "a scene")));

    // the sandbox is being made: the runner has begun, the sandbox has not started
    assertThat(sandbox.starting.await(WAIT.toSeconds(), TimeUnit.SECONDS))
        .as("the sandbox asked to start")
        .isTrue();
    List<JobSnapshot> fetching = provider.jobs();
    assertThat(fetching).extracting(JobSnapshot::state).containsExactly("FETCHING");
    JobSnapshot job = fetching.get(0);
    AssignmentSnapshot assignment = requestor.task(task.id()).orElseThrow().assignments().get(0);
    assertThat(job.subtaskId()).as("the requestor's assignment id").isEqualTo(assignment.id());
    assertThat(job.taskId()).isEqualTo(java.util.HexFormat.of().formatHex(task.header().taskId()));
    assertThat(job.requestor()).isEqualTo(market.requestorId);
    assertThat(job.price()).isEqualTo(assignment.price()).isPositive();
    assertThat(job.deadline()).isEqualTo(assignment.deadline());
    assertThat(job.resultCid()).isEmpty();

    // the sandbox runs
    sandbox.mayStart.countDown();
    Await.until(
        WAIT,
        () -> provider.jobs().stream().anyMatch(j -> j.state().equals("COMPUTING")),
        () -> "computing: " + provider.jobs());
    assertThat(fetching)
        .as("a copy: it does not change with the job")
        .extracting(JobSnapshot::state)
        .containsExactly("FETCHING");

    // it ends, is reported, accepted and settled: no longer held
    sandbox.finish();
    Await.until(
        WAIT,
        () -> requestor.state(task.id()).orElseThrow() == RequestorModel.TaskState.FINISHED,
        () -> "task finished: " + requestor.task(task.id()).orElseThrow().detail());
    Await.until(
        WAIT,
        () -> provider.jobs().isEmpty(),
        () -> "the accepted job settled: " + provider.jobs());
  }

  @Test
  void aJobLostInARestartIsShownLostUntilTheRequestorWasTold() throws Exception {
    var task =
        requestor.create(
            LoopbackMarket.wasmTask(
                dir, in -> Files.writeString(in.resolve("scene.txt"), "a scene")));
    sandbox.mayStart.countDown();
    Await.until(
        WAIT,
        () -> provider.jobs().stream().anyMatch(j -> j.state().equals("COMPUTING")),
        () -> "computing: " + provider.jobs());
    String lost = provider.jobs().get(0).subtaskId();

    ProviderAgent restarted = market.restartProvider();
    // read right after it took up its store: it tells the requestor several times, seconds apart,
    // before forgetting it
    assertThat(restarted.jobs())
        .extracting(JobSnapshot::subtaskId, JobSnapshot::state)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(lost, "LOST"));
    Await.until(
        WAIT,
        () ->
            requestor.task(task.id()).orElseThrow().assignments().stream()
                .anyMatch(
                    a -> a.id().equals(lost) && a.state() == RequestorModel.AssignmentState.FAILED),
        () -> "the requestor told: " + requestor.task(task.id()).orElseThrow().assignments());
  }
}
