package org.jgolem.node.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.jgolem.node.api.NodeService.TaskSummary;
import org.jgolem.testkit.FakeClock;
import org.jgolem.testkit.ManualScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code tasks create --wait}'s polls, driven by a manual scheduler: no read before its interval
 * has passed.
 */
@Timeout(10)
class TaskWatchTest {
  private final FakeClock clock = new FakeClock(1_000_000);
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final TaskWatch watch = new TaskWatch(scheduler, Duration.ofSeconds(2));
  private final List<String> shown = new ArrayList<>();

  private static JsonNode task(String state, int accepted) {
    return ApiClient.JSON.valueToTree(
        new TaskSummary("t-1", "x", "wasm", state, 4, accepted, 0, 0, 0, null, "0", "0", 0));
  }

  private Supplier<JsonNode> answers(Deque<JsonNode> answers, int[] reads) {
    return () -> {
      reads[0]++;
      return answers.removeFirst();
    };
  }

  private void show(TaskSummary t) {
    shown.add(t.state() + " " + t.subtasksAccepted());
  }

  @Test
  void readsOncePerIntervalUntilTheTaskEnds() {
    int[] reads = {0};
    Deque<JsonNode> answers = new ArrayDeque<>(List.of(task("COMPUTING", 2), task("FINISHED", 4)));
    CompletableFuture<JsonNode> done =
        watch.until(task("CREATED", 0), answers(answers, reads), this::show);
    assertThat(shown).containsExactly("CREATED 0");
    scheduler.advance(Duration.ofMillis(1_999));
    assertThat(reads[0]).isZero();
    scheduler.advance(Duration.ofMillis(1));
    assertThat(reads[0]).isEqualTo(1);
    assertThat(done).isNotDone();
    scheduler.advance(Duration.ofSeconds(2));
    assertThat(done).isCompleted();
    assertThat(done.join().get("state").asText()).isEqualTo("FINISHED");
    assertThat(shown).containsExactly("CREATED 0", "COMPUTING 2", "FINISHED 4");
    assertThat(scheduler.pending()).isZero();
  }

  @Test
  void aTaskThatHasEndedAlreadyIsNotReadAgain() {
    int[] reads = {0};
    CompletableFuture<JsonNode> done =
        watch.until(task("FAILED", 1), answers(new ArrayDeque<>(), reads), this::show);
    assertThat(done).isCompleted();
    assertThat(scheduler.pending()).isZero();
    assertThat(reads[0]).isZero();
  }

  @Test
  void aFailedReadEndsTheWatchWithItsErrorAndCancellingStopsThePolls() throws InterruptedException {
    CompletableFuture<JsonNode> failing =
        watch.until(
            task("CREATED", 0),
            () -> {
              throw new CliException("the node went away");
            },
            this::show);
    scheduler.advance(Duration.ofSeconds(2));
    assertThatThrownBy(() -> TaskWatch.await(failing))
        .isInstanceOf(CliException.class)
        .hasMessage("the node went away");

    int[] reads = {0};
    Deque<JsonNode> answers = new ArrayDeque<>(List.of(task("COMPUTING", 1)));
    CompletableFuture<JsonNode> cancelled =
        watch.until(task("CREATED", 0), answers(answers, reads), this::show);
    cancelled.cancel(false);
    scheduler.advance(Duration.ofSeconds(10));
    assertThat(reads[0]).isZero();
  }
}
