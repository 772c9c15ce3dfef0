package org.jgolem.node.bench;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.jgolem.compute.Capabilities;
import org.jgolem.compute.Environment;
import org.jgolem.compute.Execution;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.ipfs.FileTrees;
import org.jgolem.node.P2PNode;
import org.jgolem.node.P2PNodeConfig;
import org.jgolem.node.discovery.DiscoveryConfig;
import org.jgolem.node.gossip.GossipConfig;
import org.jgolem.node.p2p.P2PConfig;
import org.jgolem.node.p2p.netty.EventLoops;
import org.jgolem.node.p2p.netty.NettyP2PNetwork;
import org.jgolem.node.resources.IpfsExchange;
import org.jgolem.protocol.identity.NodeKey;

/**
 * What the market benchmarks share: whole nodes on loopback (Netty P2P, resource store and gateway)
 * and timing.
 */
final class BenchNodes {
  private BenchNodes() {}

  /** A started node with its resource exchange, announcing its gateway in its Hello. */
  record Started(P2PNode node, IpfsExchange resources) {
    String endpoint() {
      return node.self().host() + ":" + node.self().port();
    }
  }

  /**
   * Starts a node in {@code dir}; its resource store and node are added to {@code closing} (see
   * {@link #tearDown}).
   */
  static Started start(
      Path dir,
      NodeKey key,
      P2PConfig p2p,
      List<String> seeds,
      EventLoops loops,
      Clock clock,
      List<AutoCloseable> closing)
      throws java.io.IOException {
    P2PNodeConfig config =
        new P2PNodeConfig(dir, p2p, DiscoveryConfig.defaults(seeds), GossipConfig.defaults());
    P2PNode node =
        P2PNode.create(
            key, config, (k, c) -> new NettyP2PNetwork(k, c, clock, loops), clock, new Random());
    IpfsExchange resources = IpfsExchange.open(dir.resolve("res"), "127.0.0.1", 0);
    closing.add(resources);
    closing.add(node::stop);
    node.network().setCapabilities(List.of("gateway:" + resources.gatewayPort()));
    node.start();
    return new Started(node, resources);
  }

  static void await(Duration timeout, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline)
        throw new IllegalStateException("not reached within " + timeout);
      Thread.sleep(2);
    }
  }

  /**
   * An environment that notes when its first subtask starts and sums the wall time of all of them.
   */
  record Timed(Environment inner, AtomicLong firstStart, AtomicLong nanos, AtomicLong cpuNanos)
      implements Environment {
    Timed(Environment inner, AtomicLong firstStart, AtomicLong nanos) {
      this(inner, firstStart, nanos, new AtomicLong());
    }

    @Override
    public String name() {
      return inner.name();
    }

    @Override
    public Capabilities capabilities() {
      return inner.capabilities();
    }

    @Override
    public Execution start(ExecutionSpec spec) {
      long t = System.nanoTime();
      firstStart.compareAndSet(0, t);
      Execution x = inner.start(spec);
      x.result()
          .whenComplete((r, e) -> {
            nanos.addAndGet(System.nanoTime() - t);
            if (r != null && r.usage().cpuNanos() > 0) cpuNanos.addAndGet(r.usage().cpuNanos());
          });
      return x;
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  /**
   * Closes what a bench opened, newest first (a failure is printed, the rest still closed), and
   * deletes its folder.
   */
  static void tearDown(List<AutoCloseable> closing, Path root) throws java.io.IOException {
    for (AutoCloseable c : closing.reversed()) {
      try {
        c.close();
      } catch (Exception e) {
        System.err.println("[bench] closing: " + e);
      }
    }
    FileTrees.delete(root);
  }
}
