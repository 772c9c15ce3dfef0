package org.jgolem.protocol.messages;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import org.jgolem.protocol.messages.InvalidMessageException.Reason;

/**
 * Refuses messages older than {@code maxAge} (10 minutes), more than {@code maxSkew} (5 minutes) in
 * the future, and any (sender, message id) seen before. Remembers ids only as long as their
 * messages could still pass the age check, and at most {@code capacity} of them: when full it
 * refuses new messages (fail closed) rather than forget ids that could be replayed.
 */
public final class FreshnessGuard {
  public static final Duration MAX_AGE = Duration.ofMinutes(10);
  public static final Duration MAX_SKEW = Duration.ofMinutes(5);

  private record Seen(String key, long expiresAt) {}

  private final Clock clock;
  private final long maxAgeMillis;
  private final long maxSkewMillis;
  private final int capacity;
  private final Set<String> seen = new HashSet<>();
  private final ArrayDeque<Seen> byExpiry = new ArrayDeque<>();

  public FreshnessGuard(Clock clock) {
    this(clock, MAX_AGE, MAX_SKEW, 1_000_000);
  }

  public FreshnessGuard(Clock clock, Duration maxAge, Duration maxSkew, int capacity) {
    this.clock = clock;
    this.maxAgeMillis = maxAge.toMillis();
    this.maxSkewMillis = maxSkew.toMillis();
    this.capacity = capacity;
  }

  /**
   * Throws {@link InvalidMessageException} (EXPIRED, FROM_THE_FUTURE, REPLAYED, or OVERLOADED when
   * the cache is full, which is no fault of the sender), else records the id.
   */
  public synchronized void check(Envelope e) {
    long now = clock.millis();
    if (e.timestamp() < now - maxAgeMillis) {
      throw new InvalidMessageException(
          Reason.EXPIRED,
          e.type()
              + " is "
              + (now - e.timestamp()) / 1000
              + " s old, limit "
              + maxAgeMillis / 1000
              + " s");
    }
    if (e.timestamp() > now + maxSkewMillis) {
      throw new InvalidMessageException(
          Reason.FROM_THE_FUTURE,
          e.type()
              + " is dated "
              + (e.timestamp() - now) / 1000
              + " s ahead, limit "
              + maxSkewMillis / 1000
              + " s");
    }
    expire(now);
    String key = e.sender().hex() + ":" + e.messageIdHex();
    if (seen.contains(key)) {
      throw new InvalidMessageException(
          Reason.REPLAYED,
          e.type() + " id " + e.messageIdHex() + " from " + e.sender() + " was already received");
    }
    if (seen.size() >= capacity) {
      throw new InvalidMessageException(
          Reason.OVERLOADED, "replay cache full (" + capacity + " ids); refusing until ids expire");
    }
    seen.add(key);
    // Entries are appended in arrival order; expiry is arrival-ordered too, bounded by maxAge +
    // skew.
    byExpiry.addLast(new Seen(key, Math.max(e.timestamp(), now) + maxAgeMillis));
  }

  public synchronized int size() {
    return seen.size();
  }

  private void expire(long now) {
    // An id can be dropped once its message would fail the age check anyway.
    while (!byExpiry.isEmpty() && byExpiry.peekFirst().expiresAt() < now - maxSkewMillis) {
      seen.remove(byExpiry.removeFirst().key());
    }
  }
}
