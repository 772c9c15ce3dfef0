package org.jgolem.ipfs.exchange;

import java.net.URI;

/**
 * A peer that may serve blocks: an id (for reputation reports) and the base URI of its trustless
 * gateway.
 */
public record Peer(String id, URI gateway) {
  public Peer {
    if (id == null || id.isBlank()) throw new IllegalArgumentException("a peer needs an id");
    if (gateway == null) throw new IllegalArgumentException("peer " + id + " needs a gateway URI");
  }

  @Override
  public String toString() {
    return id + "@" + gateway;
  }
}
