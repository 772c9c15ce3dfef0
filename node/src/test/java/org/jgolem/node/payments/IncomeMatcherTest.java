package org.jgolem.node.payments;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.jgolem.node.payments.IncomeMatcher.Allocation;
import org.jgolem.node.payments.IncomeMatcher.Candidate;
import org.jgolem.node.payments.IncomeMatcher.Rule;
import org.junit.jupiter.api.Test;

class IncomeMatcherTest {
  static final long T0 = 1_700_000_000_000L;
  static final Duration SKEW = Duration.ofSeconds(30);

  static Candidate c(String id, long amount, long secondsAfterT0) {
    return new Candidate(id, BigInteger.valueOf(amount), T0 + secondsAfterT0 * 1000);
  }

  static Allocation match(long amount, Long closureSecondsAfterT0, List<Candidate> candidates) {
    OptionalLong closure =
        closureSecondsAfterT0 == null
            ? OptionalLong.empty()
            : OptionalLong.of(T0 / 1000 + closureSecondsAfterT0);
    return IncomeMatcher.allocate(BigInteger.valueOf(amount), closure, SKEW, candidates);
  }

  @Test
  void aBatchCoversEverythingUpToItsClosureTime() {
    Allocation a =
        match(60, 100L, List.of(c("a", 10, 0), c("b", 20, 50), c("c", 30, 110), c("d", 40, 500)));
    assertThat(a.rule()).isEqualTo(Rule.CLOSURE);
    assertThat(a.subtaskIds()).containsExactly("a", "b", "c"); // c is within the 30 s skew
    assertThat(a.remainder()).isZero();
  }

  @Test
  void anExactSubsetIsFoundWhenTheBatchSkippedAnOlderIncome() {
    // "a" was held back by the requestor; the batch paid b + c.
    Allocation a = match(50, 200L, List.of(c("a", 7, 0), c("b", 20, 10), c("c", 30, 20)));
    assertThat(a.rule()).isEqualTo(Rule.EXACT);
    assertThat(a.subtaskIds()).containsExactly("b", "c");
    assertThat(a.remainder()).isZero();
  }

  @Test
  void anExactSubsetPrefersOlderIncomes() {
    Allocation a = match(10, null, List.of(c("a", 10, 0), c("b", 10, 1)));
    assertThat(a.subtaskIds()).containsExactly("a");
  }

  @Test
  void withoutAnExactMatchOlderIncomesAreCoveredAsFarAsTheAmountGoesAndTheRestIsCredit() {
    Allocation a = match(45, null, List.of(c("a", 10, 0), c("b", 40, 1), c("c", 20, 2)));
    assertThat(a.rule()).isEqualTo(Rule.COVER);
    assertThat(a.subtaskIds()).containsExactly("a", "c");
    assertThat(a.remainder()).isEqualTo(BigInteger.valueOf(15));
  }

  @Test
  void aPaymentWithNoCandidateIsAllCredit() {
    Allocation a = match(45, 0L, List.of());
    assertThat(a.subtaskIds()).isEmpty();
    assertThat(a.remainder()).isEqualTo(BigInteger.valueOf(45));
  }

  @Test
  void theExactSearchIsBoundedAndStillFast() {
    List<Candidate> many = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      many.add(
          c(
              "s" + i,
              1_000_003L * (i + 1),
              i)); // no subset of the first 16 sums to the amount below
    }
    long start = System.nanoTime();
    Allocation a = match(7, null, many);
    assertThat(System.nanoTime() - start).isLessThan(2_000_000_000L);
    assertThat(a.subtaskIds()).isEmpty();
    assertThat(a.remainder()).isEqualTo(BigInteger.valueOf(7));
  }

  @Test
  void largeAmountsAreExact() {
    BigInteger big = BigInteger.TEN.pow(27).add(BigInteger.ONE);
    Allocation a =
        IncomeMatcher.allocate(
            big.add(big),
            OptionalLong.empty(),
            SKEW,
            List.of(new Candidate("a", big, T0), new Candidate("b", big, T0 + 1)));
    assertThat(a.subtaskIds()).containsExactly("a", "b");
    assertThat(a.remainder()).isZero();
  }
}
