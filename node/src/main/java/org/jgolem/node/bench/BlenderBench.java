package org.jgolem.node.bench;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jgolem.eth.Address;
import org.jgolem.node.P2PNode;
import org.jgolem.node.compute.ExecutionResult;
import org.jgolem.node.compute.TaskComputer;
import org.jgolem.node.compute.docker.DockerConfig;
import org.jgolem.node.compute.docker.DockerEnvironment;
import org.jgolem.node.market.MarketConfig;
import org.jgolem.node.market.Programs;
import org.jgolem.node.market.provider.ProviderAgent;
import org.jgolem.node.market.requestor.RequestorAgent;
import org.jgolem.node.market.requestor.RequestorModel;
import org.jgolem.node.p2p.P2PConfig;
import org.jgolem.node.p2p.netty.EventLoops;
import org.jgolem.node.reputation.Reputation;
import org.jgolem.node.resources.IpfsExchange;
import org.jgolem.node.tasks.PlannedSubtask;
import org.jgolem.node.tasks.TaskContext;
import org.jgolem.node.tasks.TaskPlan;
import org.jgolem.node.tasks.TaskTemplates;
import org.jgolem.node.tasks.definition.TaskFileParser;
import org.jgolem.protocol.identity.NodeKey;

/**
 * {@code scripts/bench blender}: one frame of the test scene split into 8 tiles over 4 providers (whole nodes on
 * loopback, rendering in their Docker sandboxes), with the spot-check verification on, against one direct render
 * of the same frame at the same settings in the same sandbox, in the same run.
 *
 * <p>Prints {@code blender tiles=8 distributed-wall-s=<x> local-wall-s=<y> ratio=<x/y> verification-overhead-pct=<z>},
 * where the overhead is the CPU time of the requestor's re-renders over the CPU time of the providers' renders (as the
 * Docker engine measures each container: wall times on 2 shared cores say more about contention than about cost;
 * both are printed on stderr). The frame is rendered at 640x480, 64 samples unless given (scene image [w h samples]).
 * The direct render uses every core of the machine, and so does each provider (four providers on one machine share
 * its cores, as four processes would: a provider whose neighbours are done uses the whole machine, as a provider
 * that has a machine to itself does). Three rounds; the one with the median ratio is printed.
 */
public final class BlenderBench {
  private static final int ROUNDS = 3;

  private BlenderBench() {}

  public static void main(String[] args) throws Exception {
    Path scene = Path.of(args[0]).toAbsolutePath();
    String imageId = args[1];
    int width = args.length > 2 ? Integer.parseInt(args[2]) : 640;
    int height = args.length > 3 ? Integer.parseInt(args[3]) : 480;
    int samples = args.length > 4 ? Integer.parseInt(args[4]) : 64;
    int tiles = 8;
    int providers = 4;
    // the direct render uses the whole machine, as an artist rendering locally would; each provider one core
    int localCpus = Runtime.getRuntime().availableProcessors();
    Path root = Files.createTempDirectory("jgolem-bench-blender");
    Clock clock = Clock.systemUTC();
    List<AutoCloseable> closing = new ArrayList<>();
    AtomicLong renderNanos = new AtomicLong();
    AtomicLong renderCpuNanos = new AtomicLong();
    EventLoops loops = EventLoops.create(2, "bench-blender");
    closing.add(loops::close);
    try {
      P2PConfig p2p = P2PConfig.loopback();
      MarketConfig market = MarketConfig.defaults(p2p.chainId(), Address.of("0x" + "de".repeat(20)))
          .withMinPricePerHour(BigInteger.TEN.pow(15));
      NodeKey rkey = NodeKey.generate();
      BenchNodes.Started r = BenchNodes.start(root.resolve("requestor"), rkey, p2p, List.of(), loops, clock, closing);
      P2PNode rnode = r.node();
      IpfsExchange rres = r.resources();
      for (int i = 0; i < providers; i++) {
        Path dir = root.resolve("provider-" + i);
        NodeKey key = NodeKey.generate();
        BenchNodes.Started pr = BenchNodes.start(dir, key, p2p, List.of(r.endpoint()), loops, clock, closing);
        P2PNode pn = pr.node();
        IpfsExchange pres = pr.resources();
        DockerEnvironment docker = new DockerEnvironment(DockerConfig.of("bench-" + key.address().hex(), List.of(imageId)));
        TaskComputer computer = new TaskComputer(List.of(new BenchNodes.Timed(docker, new AtomicLong(), renderNanos, renderCpuNanos)));
        closing.add(computer);
        closing.add(new ProviderAgent(pn.network(), pn.gossip(), market, computer, pres, (req, task, sub, amount, at) -> {},
            new Reputation(Reputation.inMemory()), dir.resolve("work"), clock, 1, localCpus, 4096));
      }
      BenchNodes.await(Duration.ofSeconds(30), () -> rnode.network().peers().size() >= providers);
      TaskComputer verifier = new TaskComputer(List.of(new DockerEnvironment(DockerConfig.of("bench-requestor", List.of(imageId)))));
      closing.add(verifier);
      RequestorAgent requestor = new RequestorAgent(rkey, rnode.network(), rnode.gossip(), market, TaskTemplates.load(),
          rres, (task, sub, payee, amount, at) -> {}, cost -> {}, new Reputation(Reputation.inMemory()), verifier,
          root.resolve("requestor/work"), clock, null);
      closing.add(requestor);
      requestor.start();

      // the local reference: the same frame, one render, same settings, same sandbox
      Path localTask = task(root.resolve("local"), scene, imageId, 1, width, height, samples, localCpus);
      TaskPlan localPlan = TaskTemplates.load().get("blender").orElseThrow().plan(
          new TaskFileParser(TaskTemplates.load().types()).parse(localTask), root.resolve("local/staging"),
          new TaskContext(root.resolve("local/scratch"), java.util.Optional.of(verifier)));
      PlannedSubtask whole = localPlan.subtasks().get(0);
      // this host is shared and noisy: three rounds (a direct render, then the distributed one), the round with the
      // median ratio is printed, every round on stderr
      List<double[]> rounds = new ArrayList<>();
      for (int round = 1; round <= ROUNDS; round++) {
        Path lw = Files.createDirectories(root.resolve("local/work-" + round));
        Path lo = Files.createDirectories(root.resolve("local/out-" + round));
        long l0 = System.nanoTime();
        ExecutionResult lr = verifier.run(Programs.spec("bench-local-" + round, whole.definition("local"), whole.resources(),
            lw, lo)).result().get();
        double localS = (System.nanoTime() - l0) / 1e9;
        if (!lr.succeeded()) throw new IllegalStateException("local render failed: " + lr);
        double localCpuS = lr.usage().cpuNanos() / 1e9;

        Path taskFile = task(root.resolve("distributed-" + round), scene, imageId, tiles, width, height, samples, localCpus);
        renderNanos.set(0);
        renderCpuNanos.set(0);
        long t0 = System.nanoTime();
        var t = requestor.create(taskFile);
        BenchNodes.await(Duration.ofMinutes(20), () -> requestor.read(() -> t.state) != RequestorModel.TaskState.COMPUTING);
        double distS = (System.nanoTime() - t0) / 1e9;
        if (requestor.read(() -> t.state) != RequestorModel.TaskState.FINISHED) {
          throw new IllegalStateException("task ended " + requestor.read(() -> t.state + ": " + t.detail));
        }
        double verifyS = requestor.read(() -> t.plan.verificationTime()).toNanos() / 1e9;
        double renderS = renderNanos.get() / 1e9;
        var cost = requestor.read(() -> ((org.jgolem.node.tasks.blender.BlenderPlan) t.plan).verificationCost());
        double verifyCpuS = cost.cpuTime().toNanos() / 1e9;
        double renderCpuS = renderCpuNanos.get() / 1e9;
        if (verifyCpuS <= 0 || renderCpuS <= 0) throw new IllegalStateException("the Docker engine reported no CPU time");
        System.err.printf("[bench] round %d: %dx%d at %d samples; direct render (%d threads) %.2f s wall, %.2f s CPU; "
            + "distributed %.2f s; providers' renders %.2f s wall, %.2f s CPU; requestor's re-renders (%d crops, %d Blender "
            + "process(es)) %.2f s wall, %.2f s CPU%n", round, width, height, samples, localCpus, localS, localCpuS, distS,
            renderS, renderCpuS, cost.crops(), cost.blenderRuns(), verifyS, verifyCpuS);
        rounds.add(new double[] {distS, localS, distS / localS, 100 * verifyCpuS / renderCpuS});
      }
      rounds.sort(java.util.Comparator.comparingDouble(x -> x[2]));
      double[] m = rounds.get(ROUNDS / 2);
      System.out.printf("blender tiles=%d distributed-wall-s=%.2f local-wall-s=%.2f ratio=%.2f verification-overhead-pct=%.1f%n",
          tiles, m[0], m[1], m[2], m[3]);
    } finally {
      BenchNodes.tearDown(closing, root);
    }
    System.exit(0);
  }

  /** A one-frame Blender task of the test scene in {@code tiles} tiles. */
  private static Path task(Path dir, Path scene, String imageId, int tiles, int width, int height, int samples, int cpus)
      throws Exception {
    Files.createDirectories(dir);
    Files.copy(scene, dir.resolve("scene.blend"));
    return Files.writeString(dir.resolve("task.json"), """
        {"type": "blender", "name": "bench", "bid": "1", "timeout": "1:00:00", "subtask_timeout": "0:20:00",
         "subtasks_count": %d, "resources": ["scene.blend"],
         "options": {"image_id": "%s", "frames": "1", "resolution": [%d, %d], "format": "PNG", "samples": %d,
                     "cpus": %d, "output_path": "out"}}
        """.formatted(tiles, imageId, width, height, samples, cpus));
  }



}
