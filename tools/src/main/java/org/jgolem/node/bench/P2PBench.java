package org.jgolem.node.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jgolem.eth.Address;
import org.jgolem.node.P2PNode;
import org.jgolem.node.P2PNodeConfig;
import org.jgolem.node.discovery.DiscoveryConfig;
import org.jgolem.node.gossip.GossipConfig;
import org.jgolem.node.gossip.TaskHeaderListener;
import org.jgolem.node.p2p.P2PConfig;
import org.jgolem.node.p2p.Peer;
import org.jgolem.node.p2p.netty.EventLoops;
import org.jgolem.node.p2p.netty.NettyP2PNetwork;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.identity.Secp256k1;
import org.jgolem.protocol.messages.MessageHasher;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.market.ResourceLimits;
import org.jgolem.protocol.messages.market.SubtaskDefinition;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.messages.market.WireNote;
import org.jgolem.protocol.messages.p2p.NodeRecord;
import org.jgolem.protocol.notes.NoteSigner;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.Purpose;

/**
 * {@code scripts/bench p2p}: issue #3's three figures, all over real sockets on 127.0.0.1.
 *
 * <ul>
 *   <li>header-reach-p99-ms: 200 nodes in this JVM (2 shared event-loop threads) join from 2 seeds;
 *       a requestor-signed header is published at a random node and the time until 99% of the 200
 *       nodes hold it is measured; the median over 5 headers is printed.
 *   <li>signed-messages-per-s: one node seals (signs) TaskToCompute messages with notes and sends
 *       them; the other decrypts, decodes and verifies each; messages per second end to end.
 *   <li>idle-node-heap-mb: a separate JVM runs exactly one node connected to a peer here, idles,
 *       collects garbage and reports its own used heap: everything a node process holds.
 * </ul>
 */
public final class P2PBench {
  private static final long CHAIN_ID = 31337;

  private P2PBench() {}

  public static void main(String[] args) throws Exception {
    int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    String only = args.length > 1 ? args[1] : "all";
    System.err.printf("[bench] secp256k1 backend: %s%n", Secp256k1.backend());
    if (only.equals("all") || only.equals("reach")) {
      System.out.printf("p2p nodes=%d header-reach-p99-ms=%.0f%n", nodes, headerReach(nodes));
    }
    if (only.equals("all") || only.equals("messages")) {
      System.out.printf("p2p signed-messages-per-s=%.0f%n", signedMessagesPerSecond());
    }
    if (only.equals("all") || only.equals("heap")) {
      System.out.printf("p2p idle-node-heap-mb=%.1f%n", idleNodeHeapMb());
    }
    System.exit(0);
  }

  // ------------------------------------------------------------------ header reach

  static double headerReach(int n) throws Exception {
    Path root = Files.createTempDirectory("jgolem-bench-p2p");
    Clock clock = Clock.systemUTC();
    Random random = new Random(20261121L);
    List<P2PNode> all = new ArrayList<>();
    EventLoops loops = EventLoops.create(2, "bench-p2p");
    try {
      P2PNode.NetworkFactory netty =
          (key, config) -> new NettyP2PNetwork(key, config, clock, loops);
      P2PNode seedA = start(root, 0, List.of(), netty, clock, random, 96);
      P2PNode seedB = start(root, 1, List.of(endpoint(seedA)), netty, clock, random, 96);
      all.add(seedA);
      all.add(seedB);
      List<String> seeds = List.of(endpoint(seedA), endpoint(seedB));
      long t0 = System.nanoTime();
      for (int i = 2; i < n; i++) {
        all.add(start(root, i, seeds, netty, clock, random, 32));
      }
      // Joined: every node has at least two sessions (so a flood can reach it by two ways).
      try {
        await(
            Duration.ofMinutes(3),
            () -> all.stream().allMatch(x -> x.network().peers().size() >= 2));
      } finally {
        int[] sessions = all.stream().mapToInt(x -> x.network().peers().size()).sorted().toArray();
        System.err.printf(
            "[bench] %d nodes after %d ms: sessions per node min %d, median %d, max %d%n",
            n,
            (System.nanoTime() - t0) / 1_000_000,
            sessions[0],
            sessions[sessions.length / 2],
            sessions[sessions.length - 1]);
      }
      Thread.sleep(2_000); // let joins settle

      Map<String, long[]> arrivals = new ConcurrentHashMap<>();
      for (int i = 0; i < all.size(); i++) {
        int index = i;
        all.get(i)
            .gossip()
            .addListener(
                new TaskHeaderListener() {
                  @Override
                  public void headerAdded(TaskHeader h) {
                    arrivals.computeIfAbsent(h.id(), k -> new long[n])[index] = System.nanoTime();
                  }
                });
      }
      MessageHasher hasher = new MessageHasher(CHAIN_ID);
      double[] p99s = new double[5];
      for (int r = 0; r < p99s.length; r++) {
        NodeKey requestor = NodeKey.generate();
        P2PNode publisher = all.get(2 + random.nextInt(n - 2));
        byte[] taskId = new byte[32];
        random.nextBytes(taskId);
        TaskHeader header =
            TaskHeader.signed(
                taskId,
                requestor,
                new NodeRecord(requestor.address(), "127.0.0.1", 40102),
                "wasm",
                "bafybeibench",
                BigInteger.TEN.pow(18),
                8,
                600,
                clock.millis() + 3_600_000,
                256,
                1,
                false,
                hasher);
        long start = System.nanoTime();
        publisher.publish(header);
        int need = (int) Math.ceil(n * 0.99);
        await(
            Duration.ofSeconds(30),
            () -> {
              long[] a = arrivals.get(header.id());
              return a != null && Arrays.stream(a).filter(x -> x != 0).count() >= need;
            });
        long[] times =
            Arrays.stream(arrivals.get(header.id()))
                .filter(x -> x != 0)
                .map(x -> Math.max(0, x - start))
                .sorted()
                .toArray();
        p99s[r] = times[need - 1] / 1e6;
        System.err.printf(
            "[bench] header %d from node %s reached 99%% (%d nodes) in %.1f ms, all %d in %.1f ms%n",
            r + 1, publisher.id(), need, p99s[r], times.length, times[times.length - 1] / 1e6);
        Thread.sleep(300);
      }
      Arrays.sort(p99s);
      return p99s[p99s.length / 2];
    } finally {
      // Nodes first: their scheduled work must not outlive the event loops.
      all.forEach(P2PNode::stop);
      loops.close();
    }
  }

  private static P2PNode start(
      Path root,
      int i,
      List<String> seeds,
      P2PNode.NetworkFactory networks,
      Clock clock,
      Random random,
      int maxPeers) {
    P2PConfig p2p = P2PConfig.loopback().withMaxPeers(maxPeers);
    P2PNodeConfig config =
        new P2PNodeConfig(
            root.resolve("node-" + i),
            p2p,
            DiscoveryConfig.defaults(seeds),
            GossipConfig.defaults());
    P2PNode node =
        P2PNode.create(NodeKey.generate(), config, networks, clock, new Random(random.nextLong()));
    node.start();
    return node;
  }

  private static String endpoint(P2PNode node) {
    return node.self().host() + ":" + node.self().port();
  }

  // ------------------------------------------------------------------ signed messages per second

  static double signedMessagesPerSecond() throws Exception {
    P2PConfig config = P2PConfig.loopback().withRateLimit(10_000_000, 10_000_000);
    NodeKey requestor = NodeKey.generate();
    NodeKey provider = NodeKey.generate();
    TaskToCompute ttc = taskToCompute(requestor, provider);
    // Each node has its own event loop, as separate node processes would.
    try (EventLoops loopA = EventLoops.create(1, "bench-sender");
        EventLoops loopB = EventLoops.create(1, "bench-receiver");
        NettyP2PNetwork a = new NettyP2PNetwork(requestor, config, Clock.systemUTC(), loopA);
        NettyP2PNetwork b = new NettyP2PNetwork(provider, config, Clock.systemUTC(), loopB)) {
      a.start();
      b.start();
      Peer toB =
          a.connect(b.self().host(), b.self().port(), b.self().nodeId()).get(10, TimeUnit.SECONDS);
      int[] counter = new int[1];
      CountDownLatch[] done = new CountDownLatch[1];
      b.subscribe(
          MessageType.TASK_TO_COMPUTE,
          (from, m) -> {
            if (m.payload() instanceof TaskToCompute) {
              done[0].countDown();
            }
          });
      int size = a.seal(ttc).payloadBytes().length;
      double best = 0;
      for (int round = 0; round < 4; round++) { // round 0 warms up the JIT
        int messages = round == 0 ? 5_000 : 30_000;
        done[0] = new CountDownLatch(messages);
        long t0 = System.nanoTime();
        for (int i = 0; i < messages; i++) {
          toB.send(ttc); // sealed (signed) on this thread; decoded and verified on b's event loop
        }
        if (!done[0].await(120, TimeUnit.SECONDS)) {
          throw new IllegalStateException(
              "messages lost: " + done[0].getCount() + " of " + messages + " not delivered");
        }
        double rate = messages / ((System.nanoTime() - t0) / 1e9);
        counter[0] += messages;
        if (round > 0) {
          System.err.printf(
              "[bench] round %d: %d TaskToCompute messages (%d-byte payload) in %.0f/s%n",
              round, messages, size, rate);
          best = Math.max(best, rate);
        }
      }
      return best;
    }
  }

  static TaskToCompute taskToCompute(NodeKey requestor, NodeKey provider) {
    Address deposit = Address.of("0x5fbdb2315678afecb367f032d93f642f64180aa3");
    NoteSigner notes = new NoteSigner(CHAIN_ID, deposit);
    byte[] subtask = new byte[32];
    Arrays.fill(subtask, (byte) 0x22);
    byte[] task = new byte[32];
    Arrays.fill(task, (byte) 0x11);
    BigInteger price = new BigInteger("1500000000000000000");
    WireNote providerNote =
        WireNote.of(
            notes.sign(
                new PromissoryNote(
                    requestor.address(),
                    provider.address(),
                    price,
                    subtask,
                    Purpose.SUBTASK_PAYMENT),
                requestor.keyPair()));
    WireNote concentNote =
        WireNote.of(
            notes.sign(
                new PromissoryNote(
                    requestor.address(),
                    deposit,
                    BigInteger.TEN.pow(16),
                    subtask,
                    Purpose.VERIFICATION_COST),
                requestor.keyPair()));
    SubtaskDefinition definition =
        new SubtaskDefinition(
            "wasm",
            "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
            "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
            "main",
            List.of("--frames", "10-19", "--quality=90"),
            List.of("out/frame-*.png", "log.txt"),
            new ResourceLimits(2, 1024, 600, 64L << 20));
    return new TaskToCompute(
        task,
        subtask,
        requestor.address(),
        provider.address(),
        price,
        System.currentTimeMillis() + 3_600_000,
        definition,
        providerNote,
        concentNote);
  }

  // ------------------------------------------------------------------ idle node heap

  static double idleNodeHeapMb() throws Exception {
    Clock clock = Clock.systemUTC();
    Path root = Files.createTempDirectory("jgolem-bench-heap");
    EventLoops loops = EventLoops.create(1, "bench-heap");
    try {
      P2PNode peer =
          start(
              root,
              0,
              List.of(),
              (key, config) -> new NettyP2PNetwork(key, config, clock, loops),
              clock,
              new Random(1),
              32);
      try {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child =
            new ProcessBuilder(
                    java,
                    "--enable-native-access=ALL-UNNAMED",
                    "-cp",
                    System.getProperty("java.class.path"),
                    IdleNodeProbe.class.getName(),
                    endpoint(peer),
                    root.resolve("probe").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try (BufferedReader out =
            new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          double mb = -1;
          while ((line = out.readLine()) != null) {
            if (line.startsWith("heap-used-mb=")) {
              mb = Double.parseDouble(line.substring("heap-used-mb=".length()));
            }
          }
          if (child.waitFor() != 0 || mb < 0) {
            throw new IllegalStateException(
                "the idle-node probe failed (exit " + child.exitValue() + ")");
          }
          return mb;
        }
      } finally {
        peer.stop();
      }
    } finally {
      loops.close();
    }
  }

  static void await(Duration timeout, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("condition not reached within " + timeout);
      }
      Thread.sleep(5);
    }
  }
}
