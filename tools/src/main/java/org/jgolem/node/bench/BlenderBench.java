package org.jgolem.node.bench;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.Programs;
import org.jgolem.compute.TaskComputer;
import org.jgolem.compute.docker.DockerConfig;
import org.jgolem.compute.docker.DockerEnvironment;
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
import org.jgolem.tasks.PlannedSubtask;
import org.jgolem.tasks.TaskContext;
import org.jgolem.tasks.TaskPlan;
import org.jgolem.tasks.TaskTemplates;
import org.jgolem.tasks.blender.RenderJob;
import org.jgolem.tasks.definition.TaskFileParser;

/**
 * {@code scripts/bench blender}: one frame of the test scene split into 8 tiles over 4 providers
 * (whole nodes on loopback, rendering in their Docker sandboxes), with the spot-check verification
 * on, against one direct render of the same frame at the same settings in the same sandbox, in the
 * same run.
 *
 * <p>Prints {@code blender tiles=8 distributed-wall-s=<x> local-wall-s=<y> ratio=<x/y>
 * verification-overhead-pct=<z>}, where the overhead is the CPU time of the requestor's re-renders
 * over the CPU time of the providers' renders (as the Docker engine measures each container: wall
 * times on a machine with few, shared cores say more about contention than about cost; both are
 * printed on stderr). The frame is rendered at 640x480, 64 samples unless given (scene image [w h
 * samples]). The direct render uses every core of the machine, and so does each provider (four
 * providers on one machine share its cores, as four processes would: a provider whose neighbours
 * are done uses the whole machine, as a provider that has a machine to itself does). Three rounds;
 * the one with the median ratio is printed.
 *
 * <p>Each node keeps a warm Blender sandbox, readied while it is idle ({@link RenderJob#warmUp}),
 * as a node with Blender on its whitelist does: the providers' first tiles and the requestor's
 * first spot check of a task skip the container's start and Blender's. The bench waits for them
 * before each timed run and prints the CPU they took; {@code BENCH_WARM=0} runs without them. The
 * direct render is a cold {@code blender} process, as an artist's is.
 */
public final class BlenderBench {
  private static final int ROUNDS = 3;

  /** The Blender template's default memory per subtask (the bench's task file leaves it out). */
  private static final long DEFAULT_MEMORY_MIB = 1024;

  private BlenderBench() {}

  public static void main(String[] args) throws Exception {
    Path scene = Path.of(args[0]).toAbsolutePath();
    String imageId = args[1];
    int width = args.length > 2 ? Integer.parseInt(args[2]) : 640;
    int height = args.length > 3 ? Integer.parseInt(args[3]) : 480;
    int samples = args.length > 4 ? Integer.parseInt(args[4]) : 64;
    int tiles = 8;
    int providers = 4;
    // the direct render uses the whole machine, as an artist rendering locally would; each provider
    // one core
    int localCpus = Runtime.getRuntime().availableProcessors();
    boolean warm = !"0".equals(System.getenv("BENCH_WARM"));
    List<DockerEnvironment> sandboxes = new ArrayList<>();
    Path root = Files.createTempDirectory("jgolem-bench-blender");
    Clock clock = Clock.systemUTC();
    List<AutoCloseable> closing = new ArrayList<>();
    AtomicLong renderNanos = new AtomicLong();
    AtomicLong renderCpuNanos = new AtomicLong();
    EventLoops loops = EventLoops.create(2, "bench-blender");
    closing.add(loops::close);
    try {
      P2PConfig p2p = P2PConfig.loopback();
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
        NodeKey key = NodeKey.generate();
        BenchNodes.Started pr =
            BenchNodes.start(dir, key, p2p, List.of(r.endpoint()), loops, clock, closing);
        P2PNode pn = pr.node();
        IpfsExchange pres = pr.resources();
        DockerEnvironment docker =
            new DockerEnvironment(
                DockerConfig.of("bench-" + key.address().hex(), List.of(imageId)));
        sandboxes.add(docker);
        TaskComputer computer =
            new TaskComputer(
                List.of(
                    new BenchNodes.Timed(docker, new AtomicLong(), renderNanos, renderCpuNanos)));
        closing.add(computer);
        closing.add(
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
                .capacity(1, localCpus, 4096)
                .build());
      }
      BenchNodes.await(Duration.ofSeconds(30), () -> rnode.network().peers().size() >= providers);
      DockerEnvironment verifierSandboxes =
          new DockerEnvironment(DockerConfig.of("bench-requestor", List.of(imageId)));
      sandboxes.add(verifierSandboxes);
      TaskComputer verifier = new TaskComputer(List.of(verifierSandboxes));
      if (warm) {
        // as a node with Blender on its whitelist does: a sandbox readied while idle for a task's
        // first subtask (the
        // providers') or first spot check (the requestor's), for subtasks of the bench task's cores
        // and memory
        for (DockerEnvironment e : sandboxes)
          e.keepWarm(RenderJob.warmUp(imageId, localCpus, DEFAULT_MEMORY_MIB));
      }
      closing.add(verifier);
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
              .localComputer(verifier)
              .dataDir(root.resolve("requestor/work"))
              .clock(clock)
              .build();
      closing.add(requestor);
      requestor.start();

      // the local reference: the same frame, one render, same settings, same sandbox
      Path localTask =
          task(root.resolve("local"), scene, imageId, 1, width, height, samples, localCpus);
      TaskPlan localPlan =
          TaskTemplates.load()
              .get("blender")
              .orElseThrow()
              .plan(
                  new TaskFileParser(TaskTemplates.load().types()).parse(localTask),
                  root.resolve("local/staging"),
                  new TaskContext(root.resolve("local/scratch"), java.util.Optional.of(verifier)));
      PlannedSubtask whole = localPlan.subtasks().get(0);
      // other load on the machine varies between rounds: three rounds (a direct render, then the
      // distributed one),
      // the round with the median ratio is printed, every round on stderr
      List<double[]> rounds = new ArrayList<>();
      double warmCpuBefore = 0;
      for (int round = 1; round <= ROUNDS; round++) {
        double warmCpuTotal = awaitWarm(sandboxes, warm);
        double warmCpuS = warmCpuTotal - warmCpuBefore;
        warmCpuBefore = warmCpuTotal;
        Path lw = Files.createDirectories(root.resolve("local/work-" + round));
        Path lo = Files.createDirectories(root.resolve("local/out-" + round));
        long l0 = System.nanoTime();
        ExecutionResult lr =
            verifier
                .run(
                    Programs.spec(
                        "bench-local-" + round,
                        whole.definition("local"),
                        whole.resources(),
                        lw,
                        lo))
                .result()
                .get();
        double localS = (System.nanoTime() - l0) / 1e9;
        if (!lr.succeeded()) throw new IllegalStateException("local render failed: " + lr);
        double localCpuS = lr.usage().cpuNanos() / 1e9;

        Path taskFile =
            task(
                root.resolve("distributed-" + round),
                scene,
                imageId,
                tiles,
                width,
                height,
                samples,
                localCpus);
        renderNanos.set(0);
        renderCpuNanos.set(0);
        double jvm0 = jvmCpuSeconds();
        double engine0 = engineCpuSeconds();
        long t0 = System.nanoTime();
        var t = requestor.create(taskFile);
        BenchNodes.await(
            Duration.ofMinutes(20),
            () -> requestor.state(t.id()).orElseThrow() != RequestorModel.TaskState.COMPUTING);
        double distS = (System.nanoTime() - t0) / 1e9;
        double jvmS = jvmCpuSeconds() - jvm0;
        double engineS = engineCpuSeconds() - engine0;
        if (requestor.state(t.id()).orElseThrow() != RequestorModel.TaskState.FINISHED) {
          throw new IllegalStateException(
              "task ended "
                  + requestor.task(t.id()).map(x -> x.state() + ": " + x.detail()).orElseThrow());
        }
        double verifyS = requestor.task(t.id()).orElseThrow().verificationTime().toNanos() / 1e9;
        double renderS = renderNanos.get() / 1e9;
        var cost =
            ((org.jgolem.tasks.blender.BlenderPlan) requestor.plan(t.id()).orElseThrow())
                .verificationCost();
        double verifyCpuS = cost.cpuTime().toNanos() / 1e9;
        double renderCpuS = renderCpuNanos.get() / 1e9;
        if (verifyCpuS <= 0 || renderCpuS <= 0)
          throw new IllegalStateException("the Docker engine reported no CPU time");
        System.err.printf(
            "[bench] round %d: %dx%d at %d samples; direct render (%d threads) %.2f s wall, %.2f s CPU; "
                + "distributed %.2f s; providers' renders %.2f s wall, %.2f s CPU; requestor's re-renders (%d crops, %d Blender "
                + "process(es)) %.2f s wall, %.2f s CPU%n",
            round,
            width,
            height,
            samples,
            localCpus,
            localS,
            localCpuS,
            distS,
            renderS,
            renderCpuS,
            cost.crops(),
            cost.blenderRuns(),
            verifyS,
            verifyCpuS);
        System.err.printf(
            "[bench] round %d: during the distributed run the nodes' JVM used %.2f s of CPU, dockerd and "
                + "containerd %.2f s%n",
            round, jvmS, engineS);
        if (warm) {
          System.err.printf(
              "[bench] round %d: before it, the 5 nodes readied warm Blender sandboxes while idle: %.2f s of "
                  + "CPU (outside the timings; BENCH_WARM=0 runs without them)%n",
              round, warmCpuS);
        }
        rounds.add(new double[] {distS, localS, distS / localS, 100 * verifyCpuS / renderCpuS});
      }
      rounds.sort(java.util.Comparator.comparingDouble(x -> x[2]));
      double[] m = rounds.get(ROUNDS / 2);
      System.out.printf(
          "blender tiles=%d distributed-wall-s=%.2f local-wall-s=%.2f ratio=%.2f verification-overhead-pct=%.1f%n",
          tiles, m[0], m[1], m[2], m[3]);
    } finally {
      BenchNodes.tearDown(closing, root);
    }
    System.exit(0);
  }

  /**
   * Waits until every environment has its warm sandbox ready (none is readied during a timed run:
   * they are made while a node is idle); returns the CPU seconds all their warm-ups took so far.
   */
  private static double awaitWarm(List<DockerEnvironment> sandboxes, boolean warm)
      throws InterruptedException {
    if (!warm) return 0;
    double cpu = 0;
    for (DockerEnvironment e : sandboxes) {
      // each has one warm-up: ready when a warm sandbox is, or when its warm-up reports so
      var ready = new java.util.concurrent.CompletableFuture<Void>();
      e.onWarmUp(r -> {
        if (r.outcome() == org.jgolem.compute.docker.WarmUpReport.Outcome.READY)
          ready.complete(null);
      });
      try {
        if (e.warmSessions() == 0) ready.get(3, java.util.concurrent.TimeUnit.MINUTES);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException x) {
        throw new IllegalStateException("a warm Blender sandbox was not readied", x);
      } finally {
        e.onWarmUp(null);
      }
      cpu += e.warmUpCpuTime().toNanos() / 1e9;
    }
    return cpu;
  }

  private static double jvmCpuSeconds() {
    return ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime()
        / 1e9;
  }

  /** CPU seconds of the engine's daemons (dockerd, containerd), from /proc. */
  private static double engineCpuSeconds() {
    long ticks = 0;
    try (var procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : procs) {
        try {
          String stat = Files.readString(p.resolve("stat"));
          int close = stat.lastIndexOf(')');
          String comm = stat.substring(stat.indexOf('(') + 1, close);
          if (!comm.equals("dockerd") && !comm.equals("containerd")) continue;
          String[] f = stat.substring(close + 2).split(" ");
          // fields 14 and 15 of stat (utime, stime) are 11 and 12 after the state field; not the
          // children's (the
          // shims', which count their containers' processes)
          ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (java.io.IOException | RuntimeException gone) {
          // the process ended meanwhile
        }
      }
    } catch (java.io.IOException e) {
      return 0;
    }
    return ticks / 100.0;
  }

  /** A one-frame Blender task of the test scene in {@code tiles} tiles. */
  private static Path task(
      Path dir, Path scene, String imageId, int tiles, int width, int height, int samples, int cpus)
      throws Exception {
    Files.createDirectories(dir);
    Files.copy(scene, dir.resolve("scene.blend"));
    return Files.writeString(
        dir.resolve("task.json"),
        """
        {"type": "blender", "name": "bench", "bid": "1", "timeout": "1:00:00", "subtask_timeout": "0:20:00",
         "subtasks_count": %d, "resources": ["scene.blend"],
         "options": {"image_id": "%s", "frames": "1", "resolution": [%d, %d], "format": "PNG", "samples": %d,
                     "cpus": %d, "output_path": "out"}}
        """
            .formatted(tiles, imageId, width, height, samples, cpus));
  }
}
