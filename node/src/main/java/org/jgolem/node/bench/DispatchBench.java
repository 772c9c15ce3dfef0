package org.jgolem.node.bench;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.jgolem.eth.Address;
import org.jgolem.node.P2PNode;
import org.jgolem.node.P2PNodeConfig;
import org.jgolem.node.compute.Capabilities;
import org.jgolem.node.compute.Environment;
import org.jgolem.node.compute.Execution;
import org.jgolem.node.compute.ExecutionSpec;
import org.jgolem.node.compute.OutputFiles;
import org.jgolem.node.compute.TaskComputer;
import org.jgolem.node.compute.wasm.WasmEnvironment;
import org.jgolem.node.discovery.DiscoveryConfig;
import org.jgolem.node.gossip.GossipConfig;
import org.jgolem.node.market.MarketConfig;
import org.jgolem.node.market.provider.ProviderAgent;
import org.jgolem.node.market.requestor.RequestorAgent;
import org.jgolem.node.market.requestor.RequestorModel;
import org.jgolem.node.p2p.P2PConfig;
import org.jgolem.node.p2p.netty.EventLoops;
import org.jgolem.node.p2p.netty.NettyP2PNetwork;
import org.jgolem.node.reputation.Reputation;
import org.jgolem.node.resources.IpfsExchange;
import org.jgolem.node.tasks.TaskTemplates;
import org.jgolem.protocol.identity.NodeKey;

/**
 * {@code scripts/bench dispatch}: trivial gWASM subtasks (the C renderer drawing one row of an 8×N
 * image) through the whole signed protocol on loopback — offer, TaskToCompute, resources fetched through
 * the gateway, compute in the WASM sandbox, result published, report, fetch, check, accept — with one
 * requestor and 4 providers, each a full node with its own Netty P2P, resource store and gateway.
 *
 * <p>Prints {@code dispatch subtasks=<n> providers=4 subtasks-per-s=<x> overhead-ms-per-subtask=<y>
 * first-subtask-ms=<z>}, where the overhead is the wall time per subtask beyond the compute time divided
 * over the providers' slots ({@code wall/n - Σcompute/(n·slots)}), and the first-subtask time runs from
 * the call that creates the task to the moment a provider starts computing.
 */
public final class DispatchBench {
  private DispatchBench() {}

  public static void main(String[] args) throws Exception {
    Path programs = Path.of(args[0]);
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 400;
    int providers = 4;
    int slots = 2;
    Path root = Files.createTempDirectory("jgolem-bench-dispatch");
    Clock clock = Clock.systemUTC();
    List<AutoCloseable> closing = new ArrayList<>();
    AtomicLong firstStart = new AtomicLong();
    AtomicLong computeNanos = new AtomicLong();
    EventLoops loops = EventLoops.create(2, "bench-dispatch");
    closing.add(loops::close);
    try {
      P2PConfig p2p = P2PConfig.loopback().withRateLimit(1_000_000, 1_000_000);
      MarketConfig market = MarketConfig.defaults(p2p.chainId(), Address.of("0x" + "de".repeat(20)))
          .withMinPricePerHour(BigInteger.TEN.pow(15));
      NodeKey rkey = NodeKey.generate();
      P2PNode rnode = node(root.resolve("requestor"), rkey, p2p, List.of(), loops, clock);
      IpfsExchange rres = IpfsExchange.open(root.resolve("requestor/res"), "127.0.0.1", 0);
      closing.add(rres);
      rnode.network().setCapabilities(List.of("gateway:" + rres.gatewayPort()));
      rnode.start();
      closing.add(rnode::stop);
      String seed = rnode.self().host() + ":" + rnode.self().port();
      for (int i = 0; i < providers; i++) {
        Path dir = root.resolve("provider-" + i);
        P2PNode pn = node(dir, NodeKey.generate(), p2p, List.of(seed), loops, clock);
        IpfsExchange pres = IpfsExchange.open(dir.resolve("res"), "127.0.0.1", 0);
        closing.add(pres);
        pn.network().setCapabilities(List.of("gateway:" + pres.gatewayPort()));
        pn.start();
        closing.add(pn::stop);
        WasmEnvironment wasm = new WasmEnvironment();
        TaskComputer computer = new TaskComputer(List.of(new Timed(wasm, firstStart, computeNanos)));
        closing.add(computer);
        ProviderAgent agent = new ProviderAgent(pn.network(), pn.gossip(), market, computer, pres,
            (req, task, sub, amount, at) -> {}, new Reputation(Reputation.inMemory()), dir.resolve("work"), clock, slots, 2, 4096);
        closing.add(agent);
      }
      await(Duration.ofSeconds(30), () -> rnode.network().peers().size() >= providers);
      RequestorAgent requestor = new RequestorAgent(rkey, rnode.network(), rnode.gossip(), market, TaskTemplates.load(),
          rres, (task, sub, payee, amount, at) -> {}, cost -> {}, new Reputation(Reputation.inMemory()), null,
          root.resolve("requestor/work"), clock, null);
      closing.add(requestor);
      requestor.start();

      Path taskFile = gwasmTask(root.resolve("task"), programs.resolve("render.wasm"), n);
      // warm-up: compile the module on every provider and open the sessions
      Path warm = gwasmTask(root.resolve("warm"), programs.resolve("render.wasm"), providers * slots);
      var w = requestor.create(warm);
      await(Duration.ofSeconds(120), () -> requestor.read(() -> w.state) != RequestorModel.TaskState.COMPUTING);
      firstStart.set(0);
      computeNanos.set(0);

      long t0 = System.nanoTime();
      var task = requestor.create(taskFile);
      await(Duration.ofSeconds(600), () -> requestor.read(() -> task.state) != RequestorModel.TaskState.COMPUTING);
      long wall = System.nanoTime() - t0;
      if (requestor.read(() -> task.state) != RequestorModel.TaskState.FINISHED) {
        throw new IllegalStateException("task ended " + requestor.read(() -> task.state + ": " + task.detail));
      }
      double perS = n / (wall / 1e9);
      double overheadMs = (wall / 1e6) / n - (computeNanos.get() / 1e6) / ((double) n * providers * slots);
      double firstMs = (firstStart.get() - t0) / 1e6;
      System.err.printf("[bench] %d subtasks in %.2f s; compute %.1f ms in all (%.2f ms each)%n", n, wall / 1e9,
          computeNanos.get() / 1e6, computeNanos.get() / 1e6 / n);
      System.out.printf("dispatch subtasks=%d providers=%d subtasks-per-s=%.0f overhead-ms-per-subtask=%.2f first-subtask-ms=%.0f%n",
          n, providers, perS, overheadMs, firstMs);
    } finally {
      for (AutoCloseable c : closing.reversed()) {
        try {
          c.close();
        } catch (Exception e) {
          System.err.println("[bench] closing: " + e);
        }
      }
      OutputFiles.deleteTree(root);
    }
    System.exit(0);
  }

  private static P2PNode node(Path dir, NodeKey key, P2PConfig p2p, List<String> seeds, EventLoops loops, Clock clock) {
    P2PNodeConfig config = new P2PNodeConfig(dir, p2p, DiscoveryConfig.defaults(seeds), GossipConfig.defaults());
    return P2PNode.create(key, config, (k, c) -> new NettyP2PNetwork(k, c, clock, loops), clock, new Random());
  }

  /** A gWASM task of n subtasks, each drawing one row of an 8 x n image. */
  static Path gwasmTask(Path dir, Path wasm, int n) throws Exception {
    Path in = Files.createDirectories(dir.resolve("in"));
    Files.copy(wasm, in.resolve("render.wasm"));
    StringBuilder subs = new StringBuilder();
    for (int i = 0; i < n; i++) {
      Path s = Files.createDirectories(in.resolve("s" + i));
      Files.writeString(s.resolve("scene.txt"), "size 8 " + n + "\ncamera 0 1 -4\nlight 2 4 -3\nsphere 0 1 2 1 200\nplane 0 80\n");
      subs.append(i == 0 ? "" : ",").append("\"s").append(i).append("\": {\"exec_args\": [\"/golem/resources/scene.txt\", ")
          .append("\"/golem/output\", \"").append(i).append("\", \"").append(n).append("\"], \"output_file_paths\": [\"band-")
          .append(i).append("-of-").append(n).append(".pgm\"]}");
    }
    return Files.writeString(dir.resolve("task.json"), """
        {"type": "wasm", "name": "dispatch", "bid": "1", "timeout": "1:00:00", "subtask_timeout": "0:05:00",
         "verification": {"redundancy": 1},
         "options": {"js_name": "render.js", "wasm_name": "render.wasm", "input_dir": "in", "output_dir": "out",
           "subtasks": {%s}}}
        """.formatted(subs));
  }

  /** The WASM environment, timing each subtask's compute and noting when the first one starts. */
  private record Timed(WasmEnvironment inner, AtomicLong firstStart, AtomicLong computeNanos) implements Environment {
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
      x.result().whenComplete((r, e) -> computeNanos.addAndGet(System.nanoTime() - t));
      return x;
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  private static void await(Duration timeout, java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new IllegalStateException("not reached within " + timeout);
      Thread.sleep(2);
    }
  }
}
