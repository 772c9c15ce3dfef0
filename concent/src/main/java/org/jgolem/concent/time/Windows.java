package org.jgolem.concent.time;

import java.time.Duration;
import java.util.Objects;

/**
 * Concent's time windows, Golem's constants by default ({@link #golem()}); tests and the demo scale
 * them down ({@link #scaledBy}). Every rule that uses them is evaluated on an injected clock.
 *
 * @param cmt Concent messaging time (Golem: 4 min)
 * @param fat force acceptance time (16 min)
 * @param pdt payment due time (12 h)
 * @param mmtt maximum message transport time (5 s)
 * @param mat maximum action time (2 min 15 s)
 * @param downloadLeadIn the fixed part of MDT (60 s)
 * @param uploadBytesPerSecond the assumed transfer rate of MDT (48 KiB/s)
 */
public record Windows(
    Duration cmt,
    Duration fat,
    Duration pdt,
    Duration mmtt,
    Duration mat,
    Duration downloadLeadIn,
    long uploadBytesPerSecond) {

  public Windows {
    Objects.requireNonNull(cmt, "cmt");
    Objects.requireNonNull(fat, "fat");
    Objects.requireNonNull(pdt, "pdt");
    Objects.requireNonNull(mmtt, "mmtt");
    Objects.requireNonNull(mat, "mat");
    Objects.requireNonNull(downloadLeadIn, "downloadLeadIn");
    for (Duration d : new Duration[] {cmt, fat, pdt, mmtt, mat, downloadLeadIn}) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("every window must be positive: " + d);
      }
    }
    if (uploadBytesPerSecond <= 0) {
      throw new IllegalArgumentException("uploadBytesPerSecond must be positive");
    }
  }

  /** Golem's values. */
  public static Windows golem() {
    return new Windows(
        Duration.ofMinutes(4),
        Duration.ofMinutes(16),
        Duration.ofHours(12),
        Duration.ofSeconds(5),
        Duration.ofSeconds(135),
        Duration.ofSeconds(60),
        48 * 1024);
  }

  /**
   * Every duration divided by {@code factor} (at least 1 ms), the rate multiplied by it: the same
   * proportions, faster. {@code golem().scaledBy(240)} makes CMT one second.
   */
  public Windows scaledBy(long factor) {
    if (factor < 1) {
      throw new IllegalArgumentException("factor must be at least 1");
    }
    return new Windows(
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

  /** Additional verification call time: 3·CMT + FAT. */
  public Duration avct() {
    return cmt.multipliedBy(3).plus(fat);
  }

  /** Maximum download time of {@code size} bytes: lead-in + ceil(size / rate) seconds. */
  public Duration mdt(long size) {
    if (size < 0) {
      throw new IllegalArgumentException("size must not be negative");
    }
    long millis = Math.ceilDiv(Math.multiplyExact(size, 1000L), uploadBytesPerSecond);
    return downloadLeadIn.plusMillis(millis);
  }

  /**
   * Subtask verification time: 4·CMT + 3·MDT(size) + (deadline − assigned)/2, where {@code
   * assignedAt} is the TaskToCompute's timestamp and {@code deadline} the subtask's (both ms).
   */
  public Duration svt(long assignedAt, long deadline, long size) {
    long compute = Math.max(0, deadline - assignedAt);
    return cmt.multipliedBy(4).plus(mdt(size).multipliedBy(3)).plusMillis(compute / 2);
  }

  /**
   * When a provider asks Concent to force acceptance: deadline + SVT + 1 s (Golem's second, so that
   * the request is never early at Concent by a rounding).
   */
  public long forceAcceptanceAt(long assignedAt, long deadline, long size) {
    return deadline + svt(assignedAt, deadline, size).toMillis() + 1000;
  }

  /** How long the provider waits for an answer to its report before it forces it: 2·MMTT + MAT. */
  public Duration forceReportDelay() {
    return mmtt.multipliedBy(2).plus(mat);
  }
}
