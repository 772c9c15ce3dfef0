package org.jgolem.node.p2p.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jgolem.node.p2p.P2PConfig;
import org.jgolem.node.p2p.Peer;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.p2p.FindNode;
import org.jgolem.protocol.messages.p2p.Ping;
import org.jgolem.protocol.messages.p2p.Pong;
import org.junit.jupiter.api.Test;

/** Measures (and prints) round trips and one-way messages per second between two loopback nodes. */
class ThroughputTest {
  @Test
  void roundTripsAndMessagesPerSecond() throws Exception {
    P2PConfig config = P2PConfig.loopback().withRateLimit(1_000_000, 1_000_000);
    try (EventLoops loops = EventLoops.create(2, "bench-p2p");
        NettyP2PNetwork a =
            new NettyP2PNetwork(NettyP2PNetworkTest.key(1), config, Clock.systemUTC(), loops);
        NettyP2PNetwork b =
            new NettyP2PNetwork(NettyP2PNetworkTest.key(2), config, Clock.systemUTC(), loops)) {
      a.start();
      b.start();
      BlockingQueue<Long> pongs = new LinkedBlockingQueue<>();
      a.subscribe(MessageType.PONG, (from, m) -> pongs.add(m.payload(Pong.class).nonce()));
      Peer toB = NettyP2PNetworkTest.connect(a, b);

      int rounds = 300;
      long[] micros = new long[rounds];
      for (int i = 0; i < rounds; i++) {
        long t0 = System.nanoTime();
        toB.send(new Ping(i));
        assertThat(pongs.poll(5, TimeUnit.SECONDS)).isEqualTo((long) i);
        micros[i] = (System.nanoTime() - t0) / 1_000;
      }
      Arrays.sort(micros);

      int messages = 3_000;
      CountDownLatch delivered = new CountDownLatch(messages);
      b.subscribe(MessageType.FIND_NODE, (from, m) -> delivered.countDown());
      FindNode[] payloads = new FindNode[messages];
      for (int i = 0; i < messages; i++) {
        payloads[i] = new FindNode(NettyP2PNetworkTest.key(10 + i % 50).address());
      }
      long t0 = System.nanoTime();
      for (FindNode p : payloads) {
        toB.send(p); // sealed (signed) on this thread, verified on B's event loop
      }
      assertThat(delivered.await(60, TimeUnit.SECONDS)).isTrue();
      double seconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          "ThroughputTest: Ping->Pong round trip median %d us, p90 %d us, p99 %d us over %d rounds; "
              + "%d signed messages one way in %.2f s = %.0f messages/s%n",
          micros[rounds / 2],
          micros[rounds * 9 / 10],
          micros[rounds * 99 / 100],
          rounds,
          messages,
          seconds,
          messages / seconds);
      assertThat(toB.isActive()).isTrue();
    }
  }
}
