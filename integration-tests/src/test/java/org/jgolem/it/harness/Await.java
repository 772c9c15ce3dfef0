package org.jgolem.it.harness;

import java.time.Duration;
import java.util.function.Supplier;

/** Polls a condition until it holds, failing with a description of what was last seen. */
public final class Await {
  private Await() {}

  /** Waits until {@code probe} returns non-null, and returns it. */
  public static <T> T until(String what, Duration timeout, Supplier<T> probe, Supplier<String> lastSeen) {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    while (true) {
      try {
        T v = probe.get();
        if (v != null) return v;
        last = null;
      } catch (RuntimeException e) {
        last = e;
      }
      if (System.nanoTime() > deadline) {
        String seen;
        try {
          seen = lastSeen.get();
        } catch (RuntimeException e) {
          seen = "(cannot say: " + e + ")";
        }
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what + "; last seen: "
            + seen, last);
      }
      sleep(100);
    }
  }

  /** Waits until {@code condition} holds. */
  public static void condition(String what, Duration timeout, java.util.function.BooleanSupplier condition,
      Supplier<String> lastSeen) {
    until(what, timeout, () -> condition.getAsBoolean() ? Boolean.TRUE : null, lastSeen);
  }

  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
