package org.jgolem.it.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.jgolem.it.harness.Condition.Outcome;
import org.junit.jupiter.api.Test;

/**
 * The conditions' own rules (no network): checked once or waited for, and what their failures say.
 */
class ConditionTest {
  /** A subject whose state moves on each look. */
  static final class Counter {
    final AtomicInteger looks = new AtomicInteger();

    int look() {
      return looks.incrementAndGet();
    }
  }

  static Condition<Counter, Integer> atLeast(int n) {
    return Condition.that("a count of at least " + n, Counter::look, v -> v >= n);
  }

  @Test
  void checkedOnceItFailsSayingWhatItExpectedAndWhatItSaw() {
    assertThatThrownBy(() -> atLeast(5).verify(new Counter()))
        .isInstanceOf(AssertionError.class)
        .hasMessage("expected a count of at least 5; was 1");
  }

  @Test
  void waitedForItGivesTheValueOfTheLookThatMetIt() {
    Counter c = new Counter();
    assertThat(atLeast(3).within(Duration.ofSeconds(10)).verify(c)).isEqualTo(3);
    assertThat(c.looks).hasValue(3);
  }

  @Test
  void waitedForInVainItSaysHowLongItWaitedAndWhatItLastSaw() {
    Condition<Counter, Integer> never =
        Condition.of("task 3f FINISHED", c -> Outcome.unmet("was COMPUTING, 1 of 4"));
    assertThatThrownBy(() -> never.within(Duration.ofMillis(300)).verify(new Counter()))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("task 3f FINISHED")
        .hasMessageContaining("last seen: was COMPUTING, 1 of 4");
  }

  @Test
  void aFactThatCanNoLongerComeTrueFailsAtOnceWithoutWaitingOutTheTime() {
    Counter c = new Counter();
    Condition<Counter, Integer> ended =
        Condition.of(
            "task 3f FINISHED",
            s -> {
              s.look();
              throw new AssertionError("task 3f expected FINISHED, ended FAILED");
            });
    assertThatThrownBy(() -> ended.within(Duration.ofMinutes(5)).verify(c))
        .hasMessage("task 3f expected FINISHED, ended FAILED");
    assertThat(c.looks).hasValue(1);
  }

  @Test
  void bothAtTheSameLookGiveTheFirstOnesValue() {
    Condition<Counter, String> named = Condition.of("named", s -> Outcome.met("n"));
    Condition<Counter, String> both = named.and(atLeast(2));
    assertThat(both.within(Duration.ofSeconds(10)).verify(new Counter())).isEqualTo("n");
    assertThatThrownBy(() -> named.and(atLeast(9)).verify(new Counter()))
        .hasMessage("expected named and a count of at least 9; was 1");
  }
}
