package org.jgolem.it.harness;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jgolem.node.P2PNode;
import org.jgolem.node.P2PNodeConfig;
import org.jgolem.node.discovery.DiscoveryConfig;
import org.jgolem.node.gossip.GossipConfig;
import org.jgolem.node.gossip.TaskHeaderListener;
import org.jgolem.node.p2p.P2PConfig;
import org.jgolem.node.p2p.netty.EventLoops;
import org.jgolem.node.p2p.netty.NettyP2PNetwork;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.market.TaskHeader;

/**
 * A plain P2P node (Netty, discovery, header gossip; no market) in the test's JVM, joined to the
 * network through a seed: it records every task header that reaches it, so a test can tell what was
 * announced.
 */
public final class Observer implements AutoCloseable {
  private final EventLoops loops = EventLoops.create(1, "observer");
  private final P2PNode node;
  private final List<TaskHeader> seen = new CopyOnWriteArrayList<>();

  public Observer(Path dataDir, String seed, long chainId) {
    Clock clock = Clock.systemUTC();
    P2PConfig p2p = P2PConfig.loopback().withChainId(chainId);
    node =
        P2PNode.create(
            NodeKey.generate(),
            new P2PNodeConfig(
                dataDir, p2p, DiscoveryConfig.defaults(List.of(seed)), GossipConfig.defaults()),
            (k, c) -> new NettyP2PNetwork(k, c, clock, loops),
            clock,
            new Random());
    node.gossip()
        .addListener(
            new TaskHeaderListener() {
              @Override
              public void headerAdded(TaskHeader header) {
                seen.add(header);
              }

              @Override
              public void headerRemoved(TaskHeader header, RemovalReason reason) {}
            });
    node.start();
  }

  /** Every header added to this node's store since it started (removed ones included). */
  public List<TaskHeader> headersSeen() {
    return List.copyOf(seen);
  }

  public int peers() {
    return node.network().peers().size();
  }

  @Override
  public void close() {
    node.stop();
    loops.close();
  }
}
