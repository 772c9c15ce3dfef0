package org.jgolem.concent.time;

import java.time.Duration;
import java.util.Objects;

/**
 * Every window of a case, each a named rule over {@link Windows} (Golem's formulas; {@code
 * docs/CONCENT.md} lists them). Times are ms since the epoch; {@code deadline} is the subtask's
 * deadline from its TaskToCompute, {@code assignedAt} the TaskToCompute's timestamp, {@code size}
 * the reported result's size. Sums saturate at {@link Long#MAX_VALUE} rather than overflow.
 */
public final class CaseWindows {
  private final Windows w;

  public CaseWindows(Windows windows) {
    this.w = Objects.requireNonNull(windows, "windows");
  }

  public Windows windows() {
    return w;
  }

  // ---------------------------------------------------------------- use case 1

  /** ForceReportComputedTask is taken while {@code now <= deadline}, else SUBTASK_TIMEOUT. */
  public boolean forceReportOpen(long now, long deadline) {
    return now <= deadline;
  }

  /** The requestor may answer a relayed report until deadline + CMT; then Concent acks. */
  public long reportAnswerDeadline(long deadline) {
    return plus(deadline, w.cmt());
  }

  // ---------------------------------------------------------------- use case 2

  /** ForceGetTaskResult is taken until deadline + 2·CMT + MDT(size) inclusive. */
  public long forceGetResultClosesAt(long deadline, long size) {
    return plus(plus(deadline, w.cmt().multipliedBy(2)), w.mdt(size));
  }

  /** The provider must upload the result by deadline + 3·CMT + 2·MDT(size) (Golem's token). */
  public long uploadDeadline(long deadline, long size) {
    return plus(plus(deadline, w.cmt().multipliedBy(3)), w.mdt(size).multipliedBy(2));
  }

  /** The requestor may download an uploaded result until deadline + SVT (Golem's token). */
  public long downloadDeadline(long assignedAt, long deadline, long size) {
    return plus(deadline, w.svt(assignedAt, deadline, size));
  }

  // ---------------------------------------------------------------- use case 3

  /** ForceSubtaskResults is premature while {@code now <= deadline + SVT}. */
  public long forceAcceptanceOpensAfter(long assignedAt, long deadline, long size) {
    return plus(deadline, w.svt(assignedAt, deadline, size));
  }

  /** ForceSubtaskResults is taken until deadline + SVT + FAT inclusive; later it is too late. */
  public long forceAcceptanceClosesAt(long assignedAt, long deadline, long size) {
    return plus(forceAcceptanceOpensAfter(assignedAt, deadline, size), w.fat());
  }

  /**
   * The requestor may answer forced results until deadline + SVT + FAT (Golem's next deadline: the
   * end of the request window); past it Concent accepts in its place.
   */
  public long acceptanceAnswerDeadline(long assignedAt, long deadline, long size) {
    return forceAcceptanceClosesAt(assignedAt, deadline, size);
  }

  // ---------------------------------------------------------------- use case 4

  /**
   * An acceptance with {@code paymentTs} (seconds) is due for ForcePayment from paymentTs + PDT.
   */
  public long paymentDueAt(long paymentTsSeconds) {
    return plus(Math.multiplyExact(paymentTsSeconds, 1000L), w.pdt());
  }

  // ---------------------------------------------------------------- use case 5

  /**
   * SubtaskResultsVerify is taken until the rejection's timestamp + AVCT + MDT(size) inclusive
   * (Golem's verification window); later it is too late.
   */
  public long verificationDisputeClosesAt(long rejectedAt, long size) {
    return plus(plus(rejectedAt, w.avct()), w.mdt(size));
  }

  /**
   * The provider must upload the result and the resources of an admitted dispute by {@code
   * admittedAt} + CMT + 2·MDT(size) inclusive: a CMT to start, then twice the result's transfer
   * time (the result, and resources that are at most as large are assumed; Golem's token gave
   * SRR.ts + AVCT + MDT, which leaves nothing to a provider disputing at the window's last
   * millisecond).
   */
  public long verificationUploadDeadline(long admittedAt, long size) {
    return plus(plus(admittedAt, w.cmt()), w.mdt(size).multipliedBy(2));
  }

  /**
   * How long the re-computation may take: twice the subtask's own compute time (deadline − TTC
   * time), Golem's {@code (deadline − TTC.ts) × 2.0 / BLENDER_THREADS} with one thread; at least
   * one CMT.
   */
  public Duration verificationTime(long assignedAt, long deadline) {
    Duration d = Duration.ofMillis(Math.max(0, deadline - assignedAt)).multipliedBy(2);
    return d.compareTo(w.cmt()) < 0 ? w.cmt() : d;
  }

  /**
   * The last millisecond of a re-computation started at {@code startedAt}: its time plus a CMT of
   * grace to apply the judgement; past it the verdict is NEUTRAL (TIMEOUT).
   */
  public long verificationDeadline(long startedAt, long assignedAt, long deadline) {
    return plus(plus(startedAt, verificationTime(assignedAt, deadline)), w.cmt());
  }

  private static long plus(long t, Duration d) {
    long r = t + d.toMillis();
    return r < t ? Long.MAX_VALUE : r;
  }
}
