package org.jgolem.node.gossip;

import java.time.Duration;

/**
 * Task-header gossip settings; {@link #validate()} names the setting at fault.
 *
 * @param maxHeadersPerRequestor live headers kept per requestor (Golem kept 20); more are refused
 * @param maxHeaders live headers kept in all
 * @param maxLifetime a header whose deadline is further ahead than this is refused; removals are
 *     remembered this long, so a withdrawn header cannot come back while it could still be live
 * @param maxTombstones removals remembered at most (the soonest to expire are forgotten first)
 * @param purgeInterval how often expired headers and removals are dropped
 */
public record GossipConfig(
    int maxHeadersPerRequestor,
    int maxHeaders,
    Duration maxLifetime,
    int maxTombstones,
    Duration purgeInterval) {

  public static GossipConfig defaults() {
    return new GossipConfig(20, 10_000, Duration.ofDays(7), 100_000, Duration.ofSeconds(10));
  }

  public GossipConfig withMaxHeadersPerRequestor(int n) {
    return new GossipConfig(n, maxHeaders, maxLifetime, maxTombstones, purgeInterval);
  }

  public GossipConfig withPurgeInterval(Duration d) {
    return new GossipConfig(maxHeadersPerRequestor, maxHeaders, maxLifetime, maxTombstones, d);
  }

  public GossipConfig validate() {
    require(maxHeadersPerRequestor >= 1, "gossip.maxHeadersPerRequestor", "must be at least 1");
    require(
        maxHeaders >= maxHeadersPerRequestor,
        "gossip.maxHeaders",
        "must be at least maxHeadersPerRequestor");
    require(
        maxLifetime != null && maxLifetime.toMillis() > 0,
        "gossip.maxLifetime",
        "must be positive");
    require(maxTombstones >= 1, "gossip.maxTombstones", "must be at least 1");
    require(
        purgeInterval != null && purgeInterval.toMillis() > 0,
        "gossip.purgeInterval",
        "must be positive");
    return this;
  }

  private static void require(boolean ok, String setting, String rule) {
    if (!ok) {
      throw new IllegalArgumentException(setting + " " + rule);
    }
  }
}
