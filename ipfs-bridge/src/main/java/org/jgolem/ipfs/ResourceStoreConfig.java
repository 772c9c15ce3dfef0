package org.jgolem.ipfs;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;

/**
 * Configuration of a {@link ResourceStore}. From properties ({@link #fromProperties}): {@code
 * ipfs.backend} (embedded | kubo), {@code ipfs.max-node-bytes}, {@code ipfs.max-task-bytes}, {@code
 * ipfs.kubo-api} (for example http://127.0.0.1:5001), {@code ipfs.timeout-ms} (no progress for this
 * long fails a fetch), {@code ipfs.parallelism} (concurrent block requests), {@code ipfs.durable}
 * (sync results to disk).
 */
public record ResourceStoreConfig(
    Backend backend,
    Path dataDir,
    long maxNodeBytes,
    long maxTaskBytes,
    URI kuboApi,
    Duration timeout,
    int parallelism,
    boolean durable) {

  public enum Backend {
    EMBEDDED,
    KUBO
  }

  public static final long DEFAULT_MAX_NODE_BYTES = 100L << 30;
  public static final long DEFAULT_MAX_TASK_BYTES = 20L << 30;

  public ResourceStoreConfig {
    if (backend == null)
      throw new IllegalArgumentException("ipfs.backend is not set (embedded or kubo)");
    if (dataDir == null) throw new IllegalArgumentException("the data folder is not set");
    if (maxNodeBytes <= 0)
      throw new IllegalArgumentException(
          "ipfs.max-node-bytes must be positive, got " + maxNodeBytes);
    if (maxTaskBytes <= 0)
      throw new IllegalArgumentException(
          "ipfs.max-task-bytes must be positive, got " + maxTaskBytes);
    if (backend == Backend.KUBO && kuboApi == null)
      throw new IllegalArgumentException(
          "ipfs.backend=kubo needs ipfs.kubo-api (e.g. http://127.0.0.1:5001)");
    if (timeout == null || timeout.isNegative() || timeout.isZero())
      throw new IllegalArgumentException("ipfs.timeout-ms must be positive");
    if (parallelism < 1 || parallelism > 256)
      throw new IllegalArgumentException("ipfs.parallelism must be 1..256, got " + parallelism);
  }

  /** The embedded backend with default limits, in dataDir. */
  public static ResourceStoreConfig embedded(Path dataDir) {
    return new ResourceStoreConfig(
        Backend.EMBEDDED,
        dataDir,
        DEFAULT_MAX_NODE_BYTES,
        DEFAULT_MAX_TASK_BYTES,
        null,
        Duration.ofSeconds(30),
        6,
        true);
  }

  public static ResourceStoreConfig kubo(Path dataDir, URI api) {
    return new ResourceStoreConfig(
        Backend.KUBO,
        dataDir,
        DEFAULT_MAX_NODE_BYTES,
        DEFAULT_MAX_TASK_BYTES,
        api,
        Duration.ofSeconds(30),
        6,
        true);
  }

  public ResourceStoreConfig withLimits(long maxNode, long maxTask) {
    return new ResourceStoreConfig(
        backend, dataDir, maxNode, maxTask, kuboApi, timeout, parallelism, durable);
  }

  public ResourceStoreConfig withTimeout(Duration t) {
    return new ResourceStoreConfig(
        backend, dataDir, maxNodeBytes, maxTaskBytes, kuboApi, t, parallelism, durable);
  }

  public ResourceStoreConfig withParallelism(int p) {
    return new ResourceStoreConfig(
        backend, dataDir, maxNodeBytes, maxTaskBytes, kuboApi, timeout, p, durable);
  }

  public ResourceStoreConfig withDurable(boolean d) {
    return new ResourceStoreConfig(
        backend, dataDir, maxNodeBytes, maxTaskBytes, kuboApi, timeout, parallelism, d);
  }

  public static ResourceStoreConfig fromProperties(Properties p, Path dataDir) {
    String b = p.getProperty("ipfs.backend", "embedded").trim().toLowerCase(Locale.ROOT);
    Backend backend =
        switch (b) {
          case "embedded" -> Backend.EMBEDDED;
          case "kubo" -> Backend.KUBO;
          default ->
              throw new IllegalArgumentException(
                  "ipfs.backend must be embedded or kubo, got '" + b + "'");
        };
    String api = p.getProperty("ipfs.kubo-api");
    return new ResourceStoreConfig(
        backend,
        dataDir,
        number(p, "ipfs.max-node-bytes", DEFAULT_MAX_NODE_BYTES),
        number(p, "ipfs.max-task-bytes", DEFAULT_MAX_TASK_BYTES),
        api == null || api.isBlank() ? null : URI.create(api.trim()),
        Duration.ofMillis(number(p, "ipfs.timeout-ms", 30_000)),
        (int) number(p, "ipfs.parallelism", 6),
        Boolean.parseBoolean(p.getProperty("ipfs.durable", "true").trim()));
  }

  private static long number(Properties p, String key, long dflt) {
    String v = p.getProperty(key);
    if (v == null || v.isBlank()) return dflt;
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a whole number, got '" + v + "'");
    }
  }
}
