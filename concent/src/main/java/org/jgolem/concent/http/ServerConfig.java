package org.jgolem.concent.http;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import org.jgolem.protocol.messages.FreshnessGuard;

/**
 * How Concent's HTTP server runs.
 *
 * @param bind where it listens (port 0: any free port)
 * @param threads the bounded pool that handles requests (signature checks are the main CPU cost;
 *     store calls wait on the database)
 * @param maxSendBytes the largest {@code send} body (one envelope)
 * @param maxUploadBytes the largest result upload (one CAR)
 * @param maxAge how old a request's {@code Concent-Auth} may be
 * @param maxSkew how far in the future its timestamp may be (the client's clock may be ahead)
 * @param nonceCapacity how many nonces the in-memory replay guard holds before refusing (503)
 */
public record ServerConfig(
    InetSocketAddress bind,
    int threads,
    int maxSendBytes,
    long maxUploadBytes,
    Duration maxAge,
    Duration maxSkew,
    int nonceCapacity) {
  public static final int DEFAULT_THREADS = 16;
  public static final int DEFAULT_MAX_SEND_BYTES = 2 * 1024 * 1024;
  public static final long DEFAULT_MAX_UPLOAD_BYTES = 1L << 30;

  public ServerConfig {
    Objects.requireNonNull(bind, "bind");
    Objects.requireNonNull(maxAge, "maxAge");
    Objects.requireNonNull(maxSkew, "maxSkew");
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
    if (maxSendBytes < 1024 || maxUploadBytes < 1024) {
      throw new IllegalArgumentException("the body limits must be at least 1 KiB");
    }
    if (!maxAge.isPositive() || maxSkew.isNegative()) {
      throw new IllegalArgumentException("maxAge must be positive and maxSkew not negative");
    }
    if (nonceCapacity < 1) {
      throw new IllegalArgumentException("nonceCapacity must be at least 1");
    }
  }

  /** The defaults, listening on {@code bind}: requests valid 10 min, 5 min of clock skew. */
  public static ServerConfig defaults(InetSocketAddress bind) {
    return new ServerConfig(
        bind,
        DEFAULT_THREADS,
        DEFAULT_MAX_SEND_BYTES,
        DEFAULT_MAX_UPLOAD_BYTES,
        FreshnessGuard.MAX_AGE,
        FreshnessGuard.MAX_SKEW,
        1_000_000);
  }

  /**
   * How many result uploads and downloads may run at once: a quarter of the threads (at least one),
   * so that slow transfers never hold every thread and the messages keep flowing.
   */
  public int maxTransfers() {
    return Math.max(1, threads / 4);
  }

  public ServerConfig withMaxUploadBytes(long bytes) {
    return new ServerConfig(bind, threads, maxSendBytes, bytes, maxAge, maxSkew, nonceCapacity);
  }

  public ServerConfig withThreads(int n) {
    return new ServerConfig(bind, n, maxSendBytes, maxUploadBytes, maxAge, maxSkew, nonceCapacity);
  }
}
