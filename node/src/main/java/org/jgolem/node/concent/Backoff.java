package org.jgolem.node.concent;

import java.time.Duration;

/** A delay that doubles after each failure, up to a cap, and starts again after a success. */
final class Backoff {
  /** Golem's: 5 s, doubling, at most 300 s. */
  static final Duration FIRST = Duration.ofSeconds(5);

  static final Duration MAX = Duration.ofSeconds(300);

  private final Duration first;
  private final Duration max;
  private Duration next;

  Backoff(Duration first, Duration max) {
    if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
      throw new IllegalArgumentException("back-off must start positive and end above its start");
    }
    this.first = first;
    this.max = max;
    this.next = first;
  }

  /** The delay after this failure; the next one is twice as long, at most the cap. */
  Duration failed() {
    Duration d = next;
    next = next.multipliedBy(2).compareTo(max) > 0 ? max : next.multipliedBy(2);
    return d;
  }

  void succeeded() {
    next = first;
  }
}
