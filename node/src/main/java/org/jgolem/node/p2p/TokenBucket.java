package org.jgolem.node.p2p;

import java.util.function.LongSupplier;

/**
 * Per-peer rate limit: {@code ratePerSecond} tokens a second, at most {@code burst} saved up. Not
 * thread-safe: each session uses its own bucket from the one thread that reads it.
 */
public final class TokenBucket {
  private final double tokensPerNano;
  private final double burst;
  private final LongSupplier nanoTime;
  private double tokens;
  private long last;

  public TokenBucket(int ratePerSecond, int burst, LongSupplier nanoTime) {
    if (ratePerSecond < 1 || burst < 1) {
      throw new IllegalArgumentException("rate and burst must be at least 1");
    }
    this.tokensPerNano = ratePerSecond / 1e9;
    this.burst = burst;
    this.nanoTime = nanoTime;
    this.tokens = burst;
    this.last = nanoTime.getAsLong();
  }

  /** Takes one token; false if none is left. */
  public boolean tryTake() {
    long now = nanoTime.getAsLong();
    long elapsed = now - last;
    if (elapsed > 0) {
      tokens = Math.min(burst, tokens + elapsed * tokensPerNano);
      last = now;
    }
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
