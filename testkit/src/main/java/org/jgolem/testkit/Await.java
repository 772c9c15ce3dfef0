package org.jgolem.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for something that another thread or process makes true, by polling it, and fails with a
 * description on timeout. Only for what must happen; that something does NOT happen is shown by
 * driving a {@link FakeClock} forward, never by waiting.
 */
public final class Await {
  /**
   * How often {@link #until(Duration, BooleanSupplier, Supplier)} polls: in-process state is cheap
   * to read.
   */
  private static final long LOCAL_POLL_MILLIS = 20;

  /** How often the named waits poll: they usually ask another process (over HTTP, SQL, RPC). */
  private static final long REMOTE_POLL_MILLIS = 100;

  private Await() {}

  /** Polls {@code condition} every 20 ms; returns the time it took. */
  public static Duration until(
      Duration timeout, BooleanSupplier condition, Supplier<String> whatIsMissing) {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "not within " + timeout.toMillis() + " ms: " + whatIsMissing.get());
      }
      pause(LOCAL_POLL_MILLIS);
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /**
   * Polls {@code probe} every 100 ms until it returns non-null, and returns that; a probe that
   * throws counts as not yet (its last exception becomes the cause of the timeout's error, with
   * what {@code lastSeen} says).
   */
  public static <T> T until(
      String what, Duration timeout, Supplier<T> probe, Supplier<String> lastSeen) {
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
        throw new AssertionError(
            "timed out after "
                + timeout.toSeconds()
                + " s waiting for "
                + what
                + "; last seen: "
                + seen,
            last);
      }
      pause(REMOTE_POLL_MILLIS);
    }
  }

  /**
   * Waits until {@code condition} holds, polling as {@link #until(String, Duration, Supplier,
   * Supplier)}.
   */
  public static void condition(
      String what, Duration timeout, BooleanSupplier condition, Supplier<String> lastSeen) {
    until(what, timeout, () -> condition.getAsBoolean() ? Boolean.TRUE : null, lastSeen);
  }

  /**
   * Lets real time pass, for tests of separate processes whose clocks a test cannot drive (the
   * integration tests' node daemons). Within one JVM, drive a {@link FakeClock} instead.
   */
  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
