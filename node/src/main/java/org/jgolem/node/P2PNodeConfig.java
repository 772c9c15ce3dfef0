package org.jgolem.node;

import java.nio.file.Path;
import org.jgolem.node.discovery.DiscoveryConfig;
import org.jgolem.node.gossip.GossipConfig;
import org.jgolem.node.p2p.P2PConfig;

/**
 * What a {@link P2PNode} needs: its data folder (SQLite state) and the settings of its parts.
 * {@link #validate()} names the setting at fault.
 */
public record P2PNodeConfig(
    Path dataDir, P2PConfig p2p, DiscoveryConfig discovery, GossipConfig gossip) {
  public P2PNodeConfig validate() {
    if (dataDir == null) {
      throw new IllegalArgumentException("node.dataDir must be set");
    }
    p2p.validate();
    discovery.validate();
    gossip.validate();
    return this;
  }

  public P2PNodeConfig withDiscovery(DiscoveryConfig d) {
    return new P2PNodeConfig(dataDir, p2p, d, gossip);
  }

  public P2PNodeConfig withP2p(P2PConfig p) {
    return new P2PNodeConfig(dataDir, p, discovery, gossip);
  }
}
