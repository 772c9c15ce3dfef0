package org.jgolem.tasks.blender;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jgolem.compute.Capabilities;
import org.jgolem.compute.Environment;
import org.jgolem.compute.Execution;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.compute.TaskComputer;
import org.jgolem.compute.docker.DockerConfig;
import org.jgolem.compute.docker.DockerEnvironment;
import org.jgolem.eth.Address;
import org.jgolem.node.P2PNode;
import org.jgolem.node.fixtures.Cluster;
import org.jgolem.node.market.MarketConfig;
import org.jgolem.node.market.ResourceExchange;
import org.jgolem.node.market.provider.ProviderAgent;
import org.jgolem.node.market.requestor.RequestorAgent;
import org.jgolem.node.market.requestor.RequestorModel;
import org.jgolem.node.p2p.P2PConfig;
import org.jgolem.node.p2p.memory.MemoryNetworkHub;
import org.jgolem.node.reputation.Reputation;
import org.jgolem.tasks.FileResults;
import org.jgolem.tasks.TaskTemplates;
import org.jgolem.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Blender task through the market's agents (on the in-memory network, with a folder store for
 * resources): providers render in their Docker sandboxes, the requestor's agent fetches each result
 * and runs the plan's spot check on its worker thread, re-rendering crops through its own task
 * computer (the {@code TaskContext} it passes at planning), then pays and merges; a provider that
 * renders with too few samples is rejected ("verification negative"), unpaid and ranked down.
 *
 * <p>It runs on real threads and the system clock (a threaded hub, the agents' own executors),
 * unlike {@code MarketFlowTest}: the renders are real Docker runs that take real time. It never
 * sleeps; it waits only for what it expects to happen.
 *
 * <p>It lives in node's tests (it runs the market's agents) in the package of the Blender template
 * (module compute), for the template's package-private helpers and compute's test kit ({@code
 * BlenderTestSupport}).
 */
class BlenderMarketTest {
  static final Duration WAIT = Duration.ofSeconds(150);
  @TempDir Path dir;
  final Clock clock = Clock.systemUTC();
  final List<AutoCloseable> closing = new ArrayList<>();
  final List<String> paid = new CopyOnWriteArrayList<>();
  MemoryNetworkHub hub;
  Cluster cluster;
  String imageId;
  Path store;

  @BeforeEach
  void setUp() throws Exception {
    imageId = BlenderTestSupport.requireBlenderImage();
    hub = MemoryNetworkHub.threaded();
    cluster =
        new Cluster(
            dir.resolve("nodes"), (key, config) -> hub.newNode(key, config, clock), clock, 11);
    store = Files.createDirectories(dir.resolve("store"));
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closing.reversed()) c.close();
    if (cluster != null) cluster.close();
    if (hub != null) hub.close();
  }

  /** Folders stored under their digest: a stand-in for the IPFS exchange. */
  final class FolderStore implements ResourceExchange {
    @Override
    public String publish(Path folder, String scope) throws IOException {
      String cid = HexFormat.of().formatHex(FileResults.digest(folder));
      Path to = store.resolve(cid);
      if (!Files.exists(to)) FileResults.stage(folder, to);
      return cid;
    }

    @Override
    public void fetch(String cid, Path target, List<URI> sources, long maxBytes, Duration timeout)
        throws IOException {
      Path from = store.resolve(cid);
      if (!Files.isDirectory(from)) throw new IOException("no such content " + cid);
      Files.createDirectories(target);
      for (String f : FileResults.list(from)) {
        Files.createDirectories(target.resolve(f).getParent());
        Files.copy(from.resolve(f), target.resolve(f));
        RenderJob.readable(target.resolve(f));
      }
    }

    @Override
    public void release(String scope) {}

    @Override
    public int gatewayPort() {
      return 1;
    }
  }

  /** A provider's sandbox that renders every job with one sample instead of the task's. */
  record Cheat(DockerEnvironment docker, Path scratch) implements Environment {
    @Override
    public String name() {
      return docker.name();
    }

    @Override
    public Capabilities capabilities() {
      return docker.capabilities();
    }

    @Override
    public Execution start(ExecutionSpec spec) {
      try {
        Path res = Files.createDirectories(scratch.resolve(spec.subtaskId()));
        for (String f : FileResults.list(spec.resources()))
          Files.copy(spec.resources().resolve(f), res.resolve(f));
        Path job = res.resolve(RenderJob.JOB);
        Files.writeString(
            job, Files.readString(job).replaceFirst("\"samples\" : \\d+", "\"samples\" : 1"));
        for (String f : FileResults.list(res)) RenderJob.readable(res.resolve(f));
        return docker.start(
            new ExecutionSpec(
                spec.subtaskId(),
                spec.program(),
                spec.entrypoint(),
                spec.args(),
                spec.env(),
                res,
                spec.work(),
                spec.output(),
                spec.limits()));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void close() {
      docker.close();
    }
  }

  MarketConfig config() {
    return MarketConfig.defaults(P2PConfig.loopback().chainId(), Address.of("0x" + "de".repeat(20)))
        .withMinPricePerHour(BigInteger.TEN.pow(16));
  }

  DockerEnvironment docker(String node) {
    return new DockerEnvironment(DockerConfig.of(node, Set.of(imageId)));
  }

  RequestorAgent requestor(P2PNode node, Reputation rep) {
    TaskComputer local = new TaskComputer(List.of(docker("jgolem-test-market-requestor")));
    closing.add(local);
    var r =
        RequestorAgent.builder()
            .key(cluster.keyOf(node))
            .network(node.network())
            .gossip(node.gossip())
            .config(config())
            .templates(TaskTemplates.load())
            .resources(new FolderStore())
            .payments((task, subtask, payee, amount, at) ->
                paid.add(payee + " " + HexFormat.of().formatHex(subtask)))
            .funds(cost -> {})
            .reputation(rep)
            .localComputer(local)
            .dataDir(dir.resolve("requestor"))
            .clock(clock)
            .build();
    closing.add(r);
    r.start();
    return r;
  }

  void provider(P2PNode node, Environment env) {
    var computer = new TaskComputer(List.of(env));
    closing.add(computer);
    var p =
        ProviderAgent.builder()
            .network(node.network())
            .gossip(node.gossip())
            .config(config())
            .computer(computer)
            .resources(new FolderStore())
            .incomes((req, task, subtask, amount, at) -> {})
            .reputation(new Reputation(Reputation.inMemory()))
            .dataDir(dir.resolve("provider-" + node.id()))
            .clock(clock)
            .capacity(1, 1, 2048)
            .build();
    closing.add(p);
  }

  List<P2PNode> network(int providers) {
    P2PNode r = cluster.start(List.of(), c -> c);
    List<P2PNode> all = new ArrayList<>(List.of(r));
    for (int i = 0; i < providers; i++)
      all.add(cluster.start(List.of(Cluster.endpoint(r)), c -> c));
    Await.until(
        Duration.ofSeconds(20),
        () -> r.network().peers().size() == providers,
        () -> "providers connected");
    return all;
  }

  Path task(int subtasks, String frames) throws Exception {
    Path scene = BlenderTestSupport.scene(docker("jgolem-test-market-scene"), imageId);
    Files.copy(scene, dir.resolve("scene.blend"));
    RenderJob.readable(dir.resolve("scene.blend"));
    return Files.writeString(
        dir.resolve("task.json"),
        """
        {"type": "blender", "name": "market render", "bid": "1", "timeout": "0:10:00", "subtask_timeout": "0:02:00",
         "subtasks_count": %d, "resources": ["scene.blend"],
         "options": {"image_id": "%s", "frames": "%s", "resolution": [64, 48], "samples": 16, "output_path": "out"}}
        """
            .formatted(subtasks, imageId, frames));
  }

  @Test
  void providersRenderTheRequestorSpotChecksPaysAndMerges() throws Exception {
    List<P2PNode> nodes = network(2);
    RequestorAgent requestor = requestor(nodes.get(0), new Reputation(Reputation.inMemory()));
    provider(nodes.get(1), docker("jgolem-test-market-p1"));
    provider(nodes.get(2), docker("jgolem-test-market-p2"));
    var task = requestor.create(task(3, "1-2"));
    assertThat(task.verification().redundancy()).isEqualTo(1);
    Await.until(
        WAIT,
        () ->
            requestor.task(task.idHex()).orElseThrow().state().ordinal()
                >= RequestorModel.TaskState.FINISHED.ordinal(),
        () -> "task finished: " + requestor.task(task.idHex()).orElseThrow().detail());
    var done = requestor.task(task.idHex()).orElseThrow();
    assertThat(done.state()).as(done.detail()).isEqualTo(RequestorModel.TaskState.FINISHED);
    assertThat(paid).hasSize(3);
    try (var files = Files.list(dir.resolve("out"))) {
      assertThat(files.map(f -> f.getFileName().toString()).sorted().toList())
          .containsExactly("frame_0001.png", "frame_0002.png");
    }
    Picture frame =
        Pictures.read(dir.resolve("out/frame_0001.png"), BlenderOptions.Format.PNG, 64, 48);
    assertThat(frame.width()).isEqualTo(64);
    BlenderPlan.VerificationCost cost =
        ((BlenderPlan) requestor.plan(task.idHex()).orElseThrow()).verificationCost();
    System.out.printf(
        Locale.ROOT,
        "[blender] market: 3 subtasks accepted; the requestor re-rendered %d crops in %d checks, %d ms%n",
        cost.crops(),
        cost.checks(),
        cost.renderTime().toMillis());
    assertThat(cost.checks()).isEqualTo(3);
    assertThat(requestor.task(task.idHex()).orElseThrow().verificationTime()).isPositive();
  }

  @Test
  void aProviderRenderingWithTooFewSamplesIsRejectedUnpaidAndRankedDown() throws Exception {
    List<P2PNode> nodes = network(1);
    Reputation rep = new Reputation(Reputation.inMemory());
    RequestorAgent requestor = requestor(nodes.get(0), rep);
    provider(
        nodes.get(1),
        new Cheat(
            docker("jgolem-test-market-cheat"), Files.createDirectories(dir.resolve("cheat"))));
    var task = requestor.create(task(1, "2"));
    Address cheat = nodes.get(1).id();
    Await.until(
        WAIT,
        () ->
            requestor.task(task.idHex()).orElseThrow().assignments().stream()
                .anyMatch(a -> a.state() == RequestorModel.AssignmentState.REJECTED),
        () -> "the cheat's result rejected");
    var rejected =
        requestor.task(task.idHex()).orElseThrow().assignments().stream()
            .filter(a -> a.state() == RequestorModel.AssignmentState.REJECTED)
            .findFirst()
            .orElseThrow();
    System.out.println("[blender] market: the cheat's result: " + rejected.detail());
    assertThat(rejected.provider()).isEqualTo(cheat);
    assertThat(rejected.detail()).startsWith("verification negative: frame 2, crop ");
    assertThat(paid).isEmpty();
    assertThat(rep.counters(Reputation.Role.PROVIDER, cheat).wrong()).isPositive();
    requestor.abort(task.idHex());
  }
}
