package org.jgolem.compute.wasm;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Random;

/**
 * The time and randomness a WASM subtask sees: virtual, and fixed by the subtask id, so that two
 * providers running the same subtask give the program exactly the same inputs.
 *
 * <p>Both come from {@code SHA-256("jgolem-wasm:" + subtaskId)}: bytes 0-7 seed a {@link
 * java.util.Random} (whose algorithm the Java specification fixes), bytes 8-11 pick the start of
 * the real-time clock within the year 2020. The clock does not follow the host: every reading
 * advances it by {@link #TICK_NANOS}, and a sleep advances it by the time slept, at once. So time
 * always moves forward, loops that wait for time end, and the readings depend only on what the
 * program did. The monotonic and CPU-time clocks count the same virtual nanoseconds from {@link
 * #MONOTONIC_START}.
 */
final class GuestClock extends Clock {
  static final long TICK_NANOS = 1_000;
  static final long MONOTONIC_START = 1_000_000_000L;
  private static final long YEAR_2020 = Instant.parse("2020-01-01T00:00:00Z").getEpochSecond();

  private final long realtimeStart;
  private final long seed;
  private long elapsed;

  private GuestClock(long realtimeStart, long seed) {
    this.realtimeStart = realtimeStart;
    this.seed = seed;
  }

  static GuestClock forSubtask(String subtaskId) {
    byte[] h;
    try {
      h =
          MessageDigest.getInstance("SHA-256")
              .digest(("jgolem-wasm:" + subtaskId).getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
    ByteBuffer b = ByteBuffer.wrap(h);
    long seed = b.getLong(0);
    long offsetSeconds = Integer.toUnsignedLong(b.getInt(8)) % (366L * 86400);
    return new GuestClock((YEAR_2020 + offsetSeconds) * 1_000_000_000L, seed);
  }

  /** A new random generator for the subtask; each call gives the same sequence. */
  Random random() {
    return new Random(seed);
  }

  /** Virtual nanoseconds since the subtask started, after advancing by one tick. */
  synchronized long tick() {
    elapsed += TICK_NANOS;
    return elapsed;
  }

  /** Virtual nanoseconds since the subtask started, without advancing. */
  synchronized long elapsed() {
    return elapsed;
  }

  /** Moves the clock forward to {@code target} virtual nanoseconds since the start (never back). */
  synchronized void advanceTo(long target) {
    if (target > elapsed) elapsed = target;
  }

  /** Real-time clock reading in nanoseconds since the epoch. */
  long realtimeNanos() {
    return realtimeStart + tick();
  }

  long monotonicNanos() {
    return MONOTONIC_START + tick();
  }

  /** The value of {@code clock} at virtual time {@code elapsed}: the base each clock adds to it. */
  long base(boolean realtime) {
    return realtime ? realtimeStart : MONOTONIC_START;
  }

  /** The virtual start time, used as every file's timestamp. */
  Instant start() {
    return Instant.ofEpochSecond(0, realtimeStart);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("the guest clock is always UTC");
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochSecond(0, realtimeNanos());
  }
}
