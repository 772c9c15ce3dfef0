package org.jgolem.node.p2p;

import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jgolem.eth.Address;

/**
 * Peers banned for breaking the protocol, each for the same duration. Node ids are banned once they
 * are proven (a session's handshake succeeded); an endpoint (host:port) that this node dialled is
 * banned when it sent junk before proving any identity. Unauthenticated junk on inbound connections
 * bans nothing: the remote port is ephemeral and the remote address may be shared (NAT, loopback),
 * so such connections are just closed. Bounded: when full, the ban closest to expiry is dropped
 * first, so that minting node ids cannot grow it without bound.
 */
public final class BanList {
  public static final int DEFAULT_CAPACITY = 10_000;

  private final Clock clock;
  private final long durationMillis;
  private final int capacity;
  // Insertion order is expiry order, since every ban lasts the same time.
  private final LinkedHashMap<String, Long> until = new LinkedHashMap<>();

  public BanList(Clock clock, Duration duration) {
    this(clock, duration, DEFAULT_CAPACITY);
  }

  public BanList(Clock clock, Duration duration, int capacity) {
    this.clock = clock;
    this.durationMillis = duration.toMillis();
    this.capacity = capacity;
  }

  public void ban(Address nodeId) {
    put("id:" + nodeId.hex());
  }

  public void banEndpoint(String host, int port) {
    put("ep:" + host + ":" + port);
  }

  public boolean isBanned(Address nodeId) {
    return nodeId != null && banned("id:" + nodeId.hex());
  }

  public boolean isEndpointBanned(String host, int port) {
    return banned("ep:" + host + ":" + port);
  }

  public synchronized int size() {
    expire(clock.millis());
    return until.size();
  }

  private synchronized void put(String key) {
    if (durationMillis <= 0) {
      return;
    }
    long now = clock.millis();
    expire(now);
    until.remove(key);
    until.put(key, now + durationMillis);
    while (until.size() > capacity) {
      Iterator<Map.Entry<String, Long>> it = until.entrySet().iterator();
      it.next();
      it.remove();
    }
  }

  private synchronized boolean banned(String key) {
    Long t = until.get(key);
    if (t == null) {
      return false;
    }
    if (t <= clock.millis()) {
      until.remove(key);
      return false;
    }
    return true;
  }

  private void expire(long now) {
    Iterator<Map.Entry<String, Long>> it = until.entrySet().iterator();
    while (it.hasNext() && it.next().getValue() <= now) {
      it.remove();
    }
  }
}
