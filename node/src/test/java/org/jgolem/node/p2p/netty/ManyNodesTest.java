package org.jgolem.node.p2p.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jgolem.node.p2p.P2PConfig;
import org.jgolem.node.p2p.Peer;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.p2p.FindNode;
import org.junit.jupiter.api.Test;

/** 200 nodes in one JVM on one 2-thread group: a ring of sessions, one message along each. */
class ManyNodesTest {
  private static final int NODES = 200;

  @Test
  void twoHundredNodesShareTwoThreads() throws Exception {
    List<NodeKey> keys = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      keys.add(NodeKey.fromPrivateKey(BigInteger.valueOf(9_000 + i)));
    }
    Runtime rt = Runtime.getRuntime();
    List<NettyP2PNetwork> nodes = new ArrayList<>();
    try (EventLoops loops = EventLoops.create(2, "many-p2p")) {
      // the nodes are closed before their event loops (a try-with-resources closes its resource
      // before its finally)
      try {
        long heapBefore = usedHeap(rt);
        for (NodeKey k : keys) {
          NettyP2PNetwork n =
              new NettyP2PNetwork(k, P2PConfig.loopback(), Clock.systemUTC(), loops);
          nodes.add(n);
          n.start();
        }
        CountDownLatch delivered = new CountDownLatch(NODES);
        for (NettyP2PNetwork n : nodes) {
          n.subscribe(MessageType.FIND_NODE, (from, m) -> delivered.countDown());
        }
        long t0 = System.nanoTime();
        List<CompletableFuture<Peer>> dials = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
          NettyP2PNetwork next = nodes.get((i + 1) % NODES);
          dials.add(nodes.get(i).connect("127.0.0.1", next.self().port(), next.self().nodeId()));
        }
        for (CompletableFuture<Peer> d : dials) {
          d.get(60, TimeUnit.SECONDS).send(new FindNode(keys.get(0).address()));
        }
        assertThat(delivered.await(60, TimeUnit.SECONDS)).isTrue();
        long ringMillis = (System.nanoTime() - t0) / 1_000_000;
        long heapAfter = usedHeap(rt);
        long threads =
            Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("many-p2p"))
                .count();
        System.out.printf(
            "ManyNodesTest: %d nodes, %d sessions, ring up and one message each in %d ms; "
                + "%d event loop threads; heap %d KiB more, about %d KiB per node with 2 sessions%n",
            NODES,
            NODES,
            ringMillis,
            threads,
            (heapAfter - heapBefore) / 1024,
            (heapAfter - heapBefore) / 1024 / NODES);
        assertThat(threads).isEqualTo(2);
        for (NettyP2PNetwork n : nodes) {
          assertThat(n.peers()).hasSize(2);
        }
      } finally {
        nodes.parallelStream().forEach(NettyP2PNetwork::close);
      }
    }
  }

  private static long usedHeap(Runtime rt) throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(20);
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
