package org.jgolem.concent.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jgolem.concent.api.ConcentApi;
import org.jgolem.concent.client.ConcentClient;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.p2p.Ping;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Authorized sends through the client, from 8 threads (8 nodes), to a fake service that answers
 * each with a signed reply: the transport's cost alone (signing and checking the auth, reading the
 * frame, verifying the reply). Prints req/s and p99; asserts only a loose floor (the machine is
 * shared).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ThroughputSmokeTest {
  @TempDir Path dir;

  @Test
  void twoThousandAuthorizedSendsFromEightThreads() throws Exception {
    int threads = 8;
    int total = 2000;
    try (TestConcent concent = new TestConcent(dir)) {
      byte[] reply = concent.api.refusal("busy");
      concent.api.onSend = (c, f) -> ConcentApi.SendResult.reply(reply);
      List<NodeKey> nodes = new ArrayList<>();
      List<ConcentClient> clients = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        NodeKey k = NodeKey.generate();
        nodes.add(k);
        clients.add(concent.client(k));
      }
      run(concent, nodes, clients, 25 * threads); // warm up (JIT, connections)
      long start = System.nanoTime();
      long[] latencies = run(concent, nodes, clients, total);
      double seconds = (System.nanoTime() - start) / 1e9;
      Arrays.sort(latencies);
      double p50 = latencies[total / 2] / 1e6;
      double p99 = latencies[(int) Math.ceil(total * 0.99) - 1] / 1e6;
      double rate = total / seconds;
      System.out.printf(
          "concent-http sends=%d threads=%d req-per-s=%.0f p50-ms=%.2f p99-ms=%.2f"
              + " server-threads=%d secp256k1=%s%n",
          total,
          threads,
          rate,
          p50,
          p99,
          Integer.getInteger("concent.threads", ServerConfig.DEFAULT_THREADS),
          org.jgolem.protocol.identity.Secp256k1.backend());
      clients.forEach(ConcentClient::close);
      assertThat(concent.api.sent).hasSize(total + 25 * threads);
      assertThat(rate).isGreaterThan(50);
    }
  }

  private static long[] run(
      TestConcent concent, List<NodeKey> nodes, List<ConcentClient> clients, int total)
      throws Exception {
    int threads = clients.size();
    long[] latencies = new long[total];
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        NodeKey key = nodes.get(t);
        ConcentClient client = clients.get(t);
        done.add(
            pool.submit(() -> {
              int i;
              while ((i = next.getAndIncrement()) < total) {
                Envelope m = concent.codec.seal(new Ping(i), key, concent.clock);
                long s = System.nanoTime();
                assertThat(client.send(m)).isPresent();
                latencies[i] = System.nanoTime() - s;
              }
              return null;
            }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    return latencies;
  }
}
