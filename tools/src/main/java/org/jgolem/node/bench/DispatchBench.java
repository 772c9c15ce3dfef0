package org.jgolem.node.bench;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jgolem.compute.TaskComputer;
import org.jgolem.compute.wasm.WasmEnvironment;
import org.jgolem.eth.Address;
import org.jgolem.node.P2PNode;
import org.jgolem.node.market.MarketConfig;
import org.jgolem.node.market.provider.ProviderAgent;
import org.jgolem.node.market.requestor.RequestorAgent;
import org.jgolem.node.market.requestor.RequestorModel;
import org.jgolem.node.p2p.P2PConfig;
import org.jgolem.node.p2p.netty.EventLoops;
import org.jgolem.node.reputation.Reputation;
import org.jgolem.node.resources.IpfsExchange;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.tasks.TaskTemplates;

/**
 * {@code scripts/bench dispatch}: trivial gWASM subtasks (the C renderer drawing one row of an 8×N
 * image) through the whole signed protocol on loopback — offer, TaskToCompute, resources fetched
 * through the gateway, compute in the WASM sandbox, result published, report, fetch, check, accept
 * — with one requestor and 4 providers, each a full node with its own Netty P2P, resource store and
 * gateway.
 *
 * <p>Prints {@code dispatch subtasks=<n> providers=4 subtasks-per-s=<x> overhead-ms-per-subtask=<y>
 * first-subtask-ms=<z>}, where the overhead is the wall time per subtask beyond the guest's CPU
 * time spread over the cores ({@code wall/n - Σguest CPU/(n·cores)}), and the first-subtask time
 * runs from the call that creates the task to the moment a provider starts computing. The task runs
 * three times after warm-up tasks of the same size (at least eight, until the JIT is quiet: its
 * steady state); the run with the median rate is printed (each run on stderr, with the guest's CPU
 * time, the whole process's CPU time per subtask and the JIT's compile time).
 *
 * <p>The task gives each provider {@code subtasks_per_assignment} (16 by default; the third
 * argument, or {@code -Dbench.per}) subtasks at a time: tiny subtasks are what that option is for
 * (1 measures one signed assignment a subtask). {@code -Dbench.threads=true} also prints, for each
 * measured run, the CPU time a subtask of the process's threads, grouped by name.
 */
public final class DispatchBench {
  private DispatchBench() {}

  private static final int RUNS = 3;

  /**
   * Warm-up tasks: at least, at most, and the JIT's share of a warm-up's wall time under which
   * warming stops.
   */
  private static final int MIN_WARM_UPS = 8;

  private static final int MAX_WARM_UPS = 60;
  private static final double JIT_QUIET = 0.10;

  public static void main(String[] args) throws Exception {
    Path programs = Path.of(args[0]);
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    int per = args.length > 2 ? Integer.parseInt(args[2]) : Integer.getInteger("bench.per", 16);
    int providers = 4;
    int slots = 2;
    Path root = Files.createTempDirectory("jgolem-bench-dispatch");
    Clock clock = Clock.systemUTC();
    List<AutoCloseable> closing = new ArrayList<>();
    AtomicLong firstStart = new AtomicLong();
    AtomicLong computeNanos = new AtomicLong();
    AtomicLong computeCpuNanos = new AtomicLong();
    EventLoops loops = EventLoops.create(2, "bench-dispatch");
    closing.add(loops::close);
    try {
      P2PConfig p2p = P2PConfig.loopback().withRateLimit(1_000_000, 1_000_000);
      MarketConfig market =
          MarketConfig.defaults(p2p.chainId(), Address.of("0x" + "de".repeat(20)))
              .withMinPricePerHour(BigInteger.TEN.pow(15));
      NodeKey rkey = NodeKey.generate();
      BenchNodes.Started r =
          BenchNodes.start(root.resolve("requestor"), rkey, p2p, List.of(), loops, clock, closing);
      P2PNode rnode = r.node();
      IpfsExchange rres = r.resources();
      for (int i = 0; i < providers; i++) {
        Path dir = root.resolve("provider-" + i);
        BenchNodes.Started pr =
            BenchNodes.start(
                dir, NodeKey.generate(), p2p, List.of(r.endpoint()), loops, clock, closing);
        P2PNode pn = pr.node();
        IpfsExchange pres = pr.resources();
        WasmEnvironment wasm = new WasmEnvironment();
        TaskComputer computer =
            new TaskComputer(
                List.of(new BenchNodes.Timed(wasm, firstStart, computeNanos, computeCpuNanos)));
        closing.add(computer);
        ProviderAgent agent =
            ProviderAgent.builder()
                .network(pn.network())
                .gossip(pn.gossip())
                .config(market)
                .computer(computer)
                .resources(pres)
                .incomes((req, task, sub, amount, at) -> {})
                .reputation(new Reputation(Reputation.inMemory()))
                .dataDir(dir.resolve("work"))
                .clock(clock)
                .capacity(slots, 2, 4096)
                .build();
        closing.add(agent);
      }
      BenchNodes.await(Duration.ofSeconds(30), () -> rnode.network().peers().size() >= providers);
      RequestorAgent requestor =
          RequestorAgent.builder()
              .key(rkey)
              .network(rnode.network())
              .gossip(rnode.gossip())
              .config(market)
              .templates(TaskTemplates.load())
              .resources(rres)
              .payments((task, sub, payee, amount, at) -> {})
              .funds(cost -> {})
              .reputation(new Reputation(Reputation.inMemory()))
              .dataDir(root.resolve("requestor/work"))
              .clock(clock)
              .build();
      closing.add(requestor);
      requestor.start();

      // warm-up: tasks of the measured size until the JIT has compiled the hot paths of the five
      // nodes (and the guest's
      // compiled module), as it has in a node that has been running for a while: at least
      // MIN_WARM_UPS, then until the
      // compilers were busy for less than JIT_QUIET of a warm-up's wall time (a fixed count of
      // warm-ups left the JIT
      // still compiling, at a cost per subtask that counted; see docs/PERFORMANCE.md); then the
      // same task three
      // times: other load on the machine varies, so the run with the median rate is printed
      var jit = java.lang.management.ManagementFactory.getCompilationMXBean();
      int cores = Math.min(Runtime.getRuntime().availableProcessors(), providers * slots);
      List<double[]> runs = new ArrayList<>();
      int warmUps = 0;
      boolean warming = true;
      for (int run = 0; runs.size() < RUNS; run++) {
        boolean measured = !warming;
        Path taskFile =
            gwasmTask(root.resolve("task-" + run), programs.resolve("render.wasm"), n, per);
        firstStart.set(0);
        computeNanos.set(0);
        computeCpuNanos.set(0);
        java.util.Map<String, Long> threads0 = threadCpu();
        long jit0 = jit.getTotalCompilationTime();
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        var task = requestor.create(taskFile);
        BenchNodes.await(
            Duration.ofSeconds(600),
            () -> requestor.state(task.id()).orElseThrow() != RequestorModel.TaskState.COMPUTING);
        long wall = System.nanoTime() - t0;
        long cpu = processCpuNanos() - cpu0;
        long jitMs = jit.getTotalCompilationTime() - jit0;
        if (requestor.state(task.id()).orElseThrow() != RequestorModel.TaskState.FINISHED) {
          throw new IllegalStateException(
              "task ended "
                  + requestor
                      .task(task.id())
                      .map(t -> t.state() + ": " + t.detail())
                      .orElseThrow());
        }
        double perS = n / (wall / 1e9);
        // beyond compute: the wall time a subtask minus the guest's CPU time spread over the cores
        // it can use (the
        // guest's wall time would count its waiting for a core as compute)
        double overheadMs = (wall / 1e6) / n - (computeCpuNanos.get() / 1e6) / ((double) n * cores);
        double firstMs = (firstStart.get() - t0) / 1e6;
        System.err.printf(
            "[bench] %s: %d subtasks (%d an assignment) in %.2f s (%.0f/s); compute %.1f ms in all (%.2f ms each, %.2f ms of "
                + "CPU each); the process's CPU %.2f ms a subtask; the JIT compiled for %d ms; first subtask after %.0f ms%n",
            measured ? "run " + (runs.size() + 1) : "warm-up " + (warmUps + 1),
            n,
            per,
            wall / 1e9,
            perS,
            computeNanos.get() / 1e6,
            computeNanos.get() / 1e6 / n,
            computeCpuNanos.get() / 1e6 / n,
            cpu / 1e6 / n,
            jitMs,
            firstMs);
        if (measured) {
          runs.add(new double[] {perS, overheadMs, firstMs});
        } else if (++warmUps >= MAX_WARM_UPS
            || warmUps >= MIN_WARM_UPS && jitMs < JIT_QUIET * wall / 1e6) {
          warming = false;
        }
        if (measured && Boolean.getBoolean("bench.threads")) {
          java.util.Map<String, Long> threads1 = threadCpu();
          StringBuilder b = new StringBuilder("[threads] CPU a subtask during the run:");
          threads1.entrySet().stream()
              .map(e ->
                  java.util.Map.entry(
                      e.getKey(), e.getValue() - threads0.getOrDefault(e.getKey(), 0L)))
              .filter(e -> e.getValue() > 0)
              .sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed())
              .forEach(
                  e -> b.append(String.format(" %s %.3f ms;", e.getKey(), e.getValue() / 1e6 / n)));
          System.err.println(b);
        }
      }
      runs.sort(java.util.Comparator.comparingDouble(x -> x[0]));
      double[] median = runs.get(RUNS / 2);
      System.out.printf(
          "dispatch subtasks=%d providers=%d subtasks-per-s=%.0f overhead-ms-per-subtask=%.2f first-subtask-ms=%.0f%n",
          n, providers, median[0], median[1], median[2]);
    } finally {
      BenchNodes.tearDown(closing, root);
    }
    System.exit(0);
  }

  /**
   * CPU time of the live threads, summed by name (numbers and ids left out); on Linux also the
   * JVM's own threads (the garbage collector's, the JIT compilers'), from {@code /proc/self/task},
   * named {@code jvm:<name>}.
   */
  private static java.util.Map<String, Long> threadCpu() {
    var mx = java.lang.management.ManagementFactory.getThreadMXBean();
    java.util.Map<String, Long> byName = new java.util.TreeMap<>();
    for (Thread th : Thread.getAllStackTraces().keySet()) {
      long c = mx.getThreadCpuTime(th.threadId());
      if (c > 0) byName.merge(th.getName().replaceAll("[0-9a-f]{6,}|[0-9]+", "#"), c, Long::sum);
    }
    Path tasks = Path.of("/proc/self/task");
    if (Files.isDirectory(tasks)) {
      try (var ids = Files.list(tasks)) {
        for (Path t : (Iterable<Path>) ids::iterator) {
          try {
            String name = Files.readString(t.resolve("comm")).strip();
            if (!(name.startsWith("GC")
                || name.startsWith("C1")
                || name.startsWith("C2")
                || name.startsWith("G1"))) continue;
            String stat = Files.readString(t.resolve("stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
            byName.merge(
                "jvm:" + name.replaceAll("[0-9]+", "#"), ticks * 10_000_000L, Long::sum); // 100 Hz
          } catch (java.io.IOException | RuntimeException e) {
            // a thread that ended meanwhile
          }
        }
      } catch (java.io.IOException e) {
        // not Linux after all
      }
    }
    return byName;
  }

  /** CPU time of this process (every node of the bench), from the operating system. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** A gWASM task of n subtasks, each drawing one row of an 8 x n image. */
  static Path gwasmTask(Path dir, Path wasm, int n, int per) throws Exception {
    Path in = Files.createDirectories(dir.resolve("in"));
    Files.copy(wasm, in.resolve("render.wasm"));
    StringBuilder subs = new StringBuilder();
    for (int i = 0; i < n; i++) {
      Path s = Files.createDirectories(in.resolve("s" + i));
      Files.writeString(
          s.resolve("scene.txt"),
          "size 8 " + n + "\ncamera 0 1 -4\nlight 2 4 -3\nsphere 0 1 2 1 200\nplane 0 80\n");
      subs.append(i == 0 ? "" : ",")
          .append("\"s")
          .append(i)
          .append("\": {\"exec_args\": [\"/golem/resources/scene.txt\", ")
          .append("\"/golem/output\", \"")
          .append(i)
          .append("\", \"")
          .append(n)
          .append("\"], \"output_file_paths\": [\"band-")
          .append(i)
          .append("-of-")
          .append(n)
          .append(".pgm\"]}");
    }
    return Files.writeString(
        dir.resolve("task.json"),
        """
        {"type": "wasm", "name": "dispatch", "bid": "1", "timeout": "1:00:00", "subtask_timeout": "0:05:00",
         "verification": {"redundancy": 1},
         "options": {"js_name": "render.js", "wasm_name": "render.wasm", "input_dir": "in", "output_dir": "out",
           "subtasks_per_assignment": %d, "subtasks": {%s}}}
        """
            .formatted(per, subs));
  }
}
