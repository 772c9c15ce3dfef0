package org.jgolem.node.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Random;
import org.jgolem.node.P2PNode;
import org.jgolem.node.P2PNodeConfig;
import org.jgolem.node.discovery.DiscoveryConfig;
import org.jgolem.node.gossip.GossipConfig;
import org.jgolem.node.p2p.P2PConfig;
import org.jgolem.node.p2p.netty.NettyP2PNetwork;
import org.jgolem.protocol.identity.NodeKey;

/**
 * One node in its own JVM: joins through the given seed, idles connected, then prints the heap it
 * uses after garbage collection ({@code heap-used-mb=...}). Run by {@link P2PBench}.
 */
public final class IdleNodeProbe {
  private IdleNodeProbe() {}

  public static void main(String[] args) throws Exception {
    String seed = args[0];
    Path data = Path.of(args[1]);
    Clock clock = Clock.systemUTC();
    P2PNodeConfig config =
        new P2PNodeConfig(
            data,
            P2PConfig.loopback(),
            DiscoveryConfig.defaults(List.of(seed)),
            GossipConfig.defaults());
    P2PNode node =
        P2PNode.create(
            NodeKey.generate(),
            config,
            (key, c) -> new NettyP2PNetwork(key, c, clock),
            clock,
            new Random());
    node.start();
    long deadline = System.currentTimeMillis() + 20_000;
    while (node.network().peers().isEmpty()) {
      if (System.currentTimeMillis() > deadline) {
        System.err.println("probe: no peer connected within 20 s");
        System.exit(2);
      }
      Thread.sleep(20);
    }
    Thread.sleep(3_000); // idle, connected
    var memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(200);
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    System.err.printf(
        "probe: %d peer(s) connected, heap used after GC %.1f MB%n",
        node.network().peers().size(), used / 1048576.0);
    System.out.printf("heap-used-mb=%.2f%n", used / 1048576.0);
    node.stop();
    System.exit(0);
  }
}
