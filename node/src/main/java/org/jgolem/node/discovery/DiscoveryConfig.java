package org.jgolem.node.discovery;

import java.time.Duration;
import java.util.List;

/**
 * Discovery settings; {@link #validate()} names the setting at fault.
 *
 * @param seeds bootstrap endpoints, "host:port"; may be empty for a node that rejoins from its
 *     stored peers
 * @param k bucket size and lookup width (Kademlia's k; 16 in Golem)
 * @param alpha FindNode requests in flight per lookup (3 in Golem)
 * @param targetOutbound outbound sessions the node keeps open, chosen from the routing table
 * @param maxQuerySessions other outbound sessions (opened for queries) kept open at most; the least
 *     recently used idle one is closed to make room
 * @param requestTimeout time allowed for a connect plus FindNode/Neighbours round trip
 * @param lookupTimeout time allowed for a whole iterative lookup
 * @param maintenanceInterval how often peers are topped up, idle query sessions closed, stale
 *     buckets refreshed and the table re-bootstrapped if empty
 * @param refreshInterval a bucket with no lookup into it for this long is refreshed
 * @param queryLinger an outbound session opened only for queries is closed after this much idleness
 * @param maxFailures consecutive failures that evict a table entry
 * @param storedPeers how many stored peers are loaded and dialled at start
 */
public record DiscoveryConfig(
    List<String> seeds,
    int k,
    int alpha,
    int targetOutbound,
    int maxQuerySessions,
    Duration requestTimeout,
    Duration lookupTimeout,
    Duration maintenanceInterval,
    Duration refreshInterval,
    Duration queryLinger,
    int maxFailures,
    int storedPeers) {

  public DiscoveryConfig {
    seeds = List.copyOf(seeds);
  }

  public static DiscoveryConfig defaults(List<String> seeds) {
    return new DiscoveryConfig(
        seeds,
        16,
        3,
        8,
        8,
        Duration.ofSeconds(5),
        Duration.ofSeconds(30),
        Duration.ofSeconds(5),
        Duration.ofMinutes(10),
        Duration.ofSeconds(30),
        3,
        64);
  }

  public DiscoveryConfig withSeeds(List<String> newSeeds) {
    return new DiscoveryConfig(
        newSeeds,
        k,
        alpha,
        targetOutbound,
        maxQuerySessions,
        requestTimeout,
        lookupTimeout,
        maintenanceInterval,
        refreshInterval,
        queryLinger,
        maxFailures,
        storedPeers);
  }

  public DiscoveryConfig withTimings(
      Duration request, Duration lookup, Duration maintenance, Duration refresh, Duration linger) {
    return new DiscoveryConfig(
        seeds,
        k,
        alpha,
        targetOutbound,
        maxQuerySessions,
        request,
        lookup,
        maintenance,
        refresh,
        linger,
        maxFailures,
        storedPeers);
  }

  public DiscoveryConfig withK(int newK) {
    return new DiscoveryConfig(
        seeds,
        newK,
        alpha,
        targetOutbound,
        maxQuerySessions,
        requestTimeout,
        lookupTimeout,
        maintenanceInterval,
        refreshInterval,
        queryLinger,
        maxFailures,
        storedPeers);
  }

  public DiscoveryConfig withTargetOutbound(int n) {
    return new DiscoveryConfig(
        seeds,
        k,
        alpha,
        n,
        maxQuerySessions,
        requestTimeout,
        lookupTimeout,
        maintenanceInterval,
        refreshInterval,
        queryLinger,
        maxFailures,
        storedPeers);
  }

  /** Seeds parsed; throws naming the bad entry. */
  public List<Endpoint> seedEndpoints() {
    return seeds.stream().map(Endpoint::parse).toList();
  }

  public DiscoveryConfig validate() {
    seedEndpoints();
    require(
        k >= 1 && k <= 16,
        "discovery.k",
        "must be in 1..16 (a Neighbours message lists at most 16 nodes)");
    require(alpha >= 1 && alpha <= k, "discovery.alpha", "must be in 1..k");
    require(targetOutbound >= 0, "discovery.targetOutbound", "must not be negative");
    require(maxQuerySessions >= alpha, "discovery.maxQuerySessions", "must be at least alpha");
    require(positive(requestTimeout), "discovery.requestTimeout", "must be positive");
    require(
        positive(lookupTimeout) && lookupTimeout.compareTo(requestTimeout) >= 0,
        "discovery.lookupTimeout",
        "must be positive and at least requestTimeout");
    require(positive(maintenanceInterval), "discovery.maintenanceInterval", "must be positive");
    require(positive(refreshInterval), "discovery.refreshInterval", "must be positive");
    require(positive(queryLinger), "discovery.queryLinger", "must be positive");
    require(maxFailures >= 1, "discovery.maxFailures", "must be at least 1");
    require(storedPeers >= 0, "discovery.storedPeers", "must not be negative");
    return this;
  }

  /** A host and port to dial. */
  public record Endpoint(String host, int port) {
    public static Endpoint parse(String text) {
      int colon = text == null ? -1 : text.lastIndexOf(':');
      if (colon <= 0 || colon == text.length() - 1) {
        throw new IllegalArgumentException(
            "discovery.seeds entry \"" + text + "\" is not host:port");
      }
      String host = text.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      int port;
      try {
        port = Integer.parseInt(text.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "discovery.seeds entry \"" + text + "\" has no numeric port");
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException(
            "discovery.seeds entry \"" + text + "\" has a port outside 1..65535");
      }
      return new Endpoint(host, port);
    }

    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  private static boolean positive(Duration d) {
    return d != null && !d.isZero() && !d.isNegative();
  }

  private static void require(boolean ok, String setting, String rule) {
    if (!ok) {
      throw new IllegalArgumentException(setting + " " + rule);
    }
  }
}
