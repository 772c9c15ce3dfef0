package org.jgolem.concent.time;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Golem's formulas, with Golem's values, as numbers. */
@Timeout(10)
class CaseWindowsTest {
  private final CaseWindows w = new CaseWindows(Windows.golem());
  private final long d = 10_000_000;

  @Test
  void useCaseOneAcceptsUntilTheDeadlineAndWaitsCmtMore() {
    assertThat(w.forceReportOpen(d, d)).isTrue();
    assertThat(w.forceReportOpen(d + 1, d)).isFalse();
    assertThat(w.reportAnswerDeadline(d)).isEqualTo(d + 240_000);
  }

  @Test
  void useCaseTwoWindowsGrowWithTheResultsSize() {
    assertThat(w.forceGetResultClosesAt(d, 0)).isEqualTo(d + 480_000 + 60_000);
    assertThat(w.forceGetResultClosesAt(d, 49_152)).isEqualTo(d + 480_000 + 61_000);
    assertThat(w.uploadDeadline(d, 49_152)).isEqualTo(d + 720_000 + 2 * 61_000);
    // SVT = 4·CMT + 3·MDT + (deadline - assigned)/2
    assertThat(w.downloadDeadline(d - 3_600_000, d, 0))
        .isEqualTo(d + 960_000 + 180_000 + 1_800_000);
  }

  @Test
  void useCaseThreeWindowIsSvtToSvtPlusFat() {
    long svt = 960_000 + 180_000 + 1_800_000;
    assertThat(w.forceAcceptanceOpensAfter(d - 3_600_000, d, 0)).isEqualTo(d + svt);
    assertThat(w.forceAcceptanceClosesAt(d - 3_600_000, d, 0)).isEqualTo(d + svt + 960_000);
    assertThat(w.acceptanceAnswerDeadline(d - 3_600_000, d, 0)).isEqualTo(d + svt + 960_000);
  }

  @Test
  void useCaseFourIsDueAtPaymentTsPlusPdt() {
    assertThat(w.paymentDueAt(1_700_000_000L)).isEqualTo(1_700_000_000_000L + 43_200_000);
  }

  @Test
  void sumsSaturateInsteadOfOverflowing() {
    assertThat(w.uploadDeadline(Long.MAX_VALUE - 5, 0)).isEqualTo(Long.MAX_VALUE);
    assertThat(w.forceAcceptanceClosesAt(0, Long.MAX_VALUE - 5, 0)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void scaledWindowsKeepTheirProportions() {
    CaseWindows fast = new CaseWindows(Windows.golem().scaledBy(240));
    assertThat(fast.reportAnswerDeadline(d)).isEqualTo(d + 1_000);
  }
}
