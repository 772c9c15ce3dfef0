package org.jgolem.node.market;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jgolem.testkit.FakeClock;
import org.jgolem.testkit.ManualScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * The loop on an injected scheduler: a test drives its events and timers by moving a fake clock,
 * without waiting.
 */
@Timeout(30)
class AgentLoopTest {
  final FakeClock clock = new FakeClock(1_000);
  final ManualScheduler scheduler = new ManualScheduler(clock);
  final List<String> seen = new ArrayList<>();
  final AgentLoop loop =
      new AgentLoop(
          "test-loop",
          LoggerFactory.getLogger(AgentLoopTest.class),
          () -> seen.add("after"),
          scheduler);

  @Test
  void eventsAndTimersRunOnlyWhenTheSchedulerRunsThemEachFollowedByTheHook() {
    loop.every(Duration.ofMillis(100), "tick", () -> seen.add("tick"));
    loop.execute(() -> seen.add("event on the loop: " + loop.onLoopThread()));
    assertThat(seen).as("nothing runs by itself").isEmpty();

    scheduler.runDue();
    assertThat(seen).containsExactly("event on the loop: true", "after");
    seen.clear();
    scheduler.advance(Duration.ofMillis(99));
    assertThat(seen).as("the tick is 100 ms away").isEmpty();
    scheduler.advance(Duration.ofMillis(1));
    assertThat(seen).containsExactly("tick", "after");
  }

  @Test
  void aFailedEventIsLoggedAndTheHookStillRuns() {
    loop.execute(() -> {
      throw new IllegalStateException("a bug in an event");
    });
    loop.execute(() -> seen.add("next event"));
    scheduler.runDue();
    assertThat(seen).containsExactly("after", "next event", "after");
  }

  @Test
  void afterCloseNothingQueuedOrTimedRunsAnyMore() {
    loop.every(Duration.ofMillis(100), "tick", () -> seen.add("tick"));
    loop.close();
    loop.execute(() -> seen.add("event"));
    scheduler.advance(Duration.ofSeconds(1));
    assertThat(seen).isEmpty();
    assertThat(loop.isClosed()).isTrue();
  }

  @Test
  void aCallOnACallerDrivenExecutorRunsAfterTheEventsBeforeItOnTheCallersThreadWithoutWaiting() {
    MarketTime time = new MarketTime(1_000);
    AgentLoop driven =
        new AgentLoop(
            "driven-loop",
            LoggerFactory.getLogger(AgentLoopTest.class),
            () -> seen.add("after"),
            time.lane());
    driven.execute(() -> seen.add("queued before"));
    assertThat(
            driven.call(() -> {
              seen.add("call on the loop: " + driven.onLoopThread());
              return driven.call(() -> "a call from the loop runs at once");
            }))
        .isEqualTo("a call from the loop runs at once");
    assertThat(seen).containsExactly("queued before", "after", "call on the loop: true", "after");
    assertThat(driven.onLoopThread()).as("between events").isFalse();
    driven.close();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> driven.call(() -> "closed"))
        .isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
  }
}
