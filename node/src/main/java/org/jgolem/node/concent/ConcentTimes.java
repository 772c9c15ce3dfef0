package org.jgolem.node.concent;

import java.time.Duration;
import java.util.Objects;

/**
 * Concent's windows, as the node needs them (Golem's constants by default; a test Concent scales
 * them down and says so in its protocol constants). The formulas are Concent's own ({@code
 * concent.time.Windows}), copied: the node does not depend on the {@code concent} module.
 *
 * @param cmt Concent messaging time (Golem: 4 min)
 * @param fat force acceptance time (16 min)
 * @param pdt payment due time (12 h)
 * @param mmtt maximum message transport time (5 s)
 * @param mat maximum action time (2 min 15 s)
 * @param downloadLeadIn the fixed part of MDT (60 s)
 * @param uploadBytesPerSecond the assumed transfer rate of MDT (48 KiB/s)
 */
public record ConcentTimes(
    Duration cmt,
    Duration fat,
    Duration pdt,
    Duration mmtt,
    Duration mat,
    Duration downloadLeadIn,
    long uploadBytesPerSecond) {

  public ConcentTimes {
    for (Duration d : new Duration[] {cmt, fat, pdt, mmtt, mat, downloadLeadIn}) {
      Objects.requireNonNull(d, "a window");
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("every Concent window must be positive: " + d);
      }
    }
    if (uploadBytesPerSecond <= 0) {
      throw new IllegalArgumentException("uploadBytesPerSecond must be positive");
    }
  }

  /** Golem's values. */
  public static ConcentTimes golem() {
    return new ConcentTimes(
        Duration.ofMinutes(4),
        Duration.ofMinutes(16),
        Duration.ofHours(12),
        Duration.ofSeconds(5),
        Duration.ofSeconds(135),
        Duration.ofSeconds(60),
        48 * 1024);
  }

  /** Every duration divided by {@code factor} (at least 1 ms), the rate multiplied by it. */
  public ConcentTimes scaledBy(long factor) {
    if (factor < 1) throw new IllegalArgumentException("factor must be at least 1");
    return new ConcentTimes(
        div(cmt, factor),
        div(fat, factor),
        div(pdt, factor),
        div(mmtt, factor),
        div(mat, factor),
        div(downloadLeadIn, factor),
        Math.multiplyExact(uploadBytesPerSecond, factor));
  }

  private static Duration div(Duration d, long factor) {
    return Duration.ofMillis(Math.max(1, d.toMillis() / factor));
  }

  /** Maximum download time of {@code size} bytes: lead-in + ceil(size / rate) seconds. */
  public Duration mdt(long size) {
    if (size < 0) throw new IllegalArgumentException("size must not be negative");
    long millis = Math.ceilDiv(Math.multiplyExact(size, 1000L), uploadBytesPerSecond);
    return downloadLeadIn.plusMillis(millis);
  }

  /**
   * Subtask verification time: 4·CMT + 3·MDT(size) + (deadline − assigned)/2 ({@code assignedAt}
   * the TaskToCompute's timestamp, {@code deadline} the subtask's, both ms).
   */
  public Duration svt(long assignedAt, long deadline, long size) {
    long compute = Math.max(0, deadline - assignedAt);
    return cmt.multipliedBy(4).plus(mdt(size).multipliedBy(3)).plusMillis(compute / 2);
  }

  /** How long a report waits for an answer before the provider forces it: 2·MMTT + MAT. */
  public Duration forceReportDelay() {
    return mmtt.multipliedBy(2).plus(mat);
  }

  /**
   * When the provider asks Concent to force a verdict: deadline + SVT + 1 s (Golem's second, so
   * that the request is never early at Concent by a rounding).
   */
  public long forceAcceptanceAt(long assignedAt, long deadline, long size) {
    return deadline + svt(assignedAt, deadline, size).toMillis() + 1000;
  }
}
