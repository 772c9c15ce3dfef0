package org.jgolem.node.market;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.jgolem.eth.Address;
import org.jgolem.node.P2PNode;
import org.jgolem.node.P2PNodeConfig;
import org.jgolem.node.compute.Execution;
import org.jgolem.node.compute.ExecutionSpec;
import org.jgolem.node.compute.TaskComputer;
import org.jgolem.node.discovery.DiscoveryConfig;
import org.jgolem.testkit.Await;
import org.jgolem.node.fixtures.StandInWasm;
import org.jgolem.node.gossip.GossipConfig;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a provider puts a WASM subtask's folders: in memory when its inputs are small (nothing of the job on disk),
 * on disk when they are large, or when they only unpack large (many copies of one file: a small DAG). Real nodes on
 * loopback (Netty), real resource stores and gateways; the sandbox is a stand-in that says where it found its folders
 * and writes how many input files and bytes it found.
 */
class ProviderJobFoldersTest {
  static final Duration WAIT = Duration.ofSeconds(60);
  @TempDir Path dir;
  final Clock clock = Clock.systemUTC();
  final List<AutoCloseable> closing = new ArrayList<>();
  final List<String> seen = new CopyOnWriteArrayList<>();
  EventLoops loops;
  RequestorAgent requestor;
  Path providerJobs;

  /** A "wasm" sandbox that notes where its folders are and writes how many input files and bytes it found. */
  final class Lister implements StandInWasm {
    @Override
    public Execution start(ExecutionSpec spec) {
      try {
        boolean onDisk = spec.resources().getFileSystem().equals(FileSystems.getDefault());
        boolean jobOnDisk;
        try (Stream<Path> s = Files.exists(providerJobs) ? Files.list(providerJobs) : Stream.empty()) {
          jobOnDisk = s.findAny().isPresent();
        }
        seen.add((onDisk ? "disk" : "memory") + (jobOnDisk ? " with a job folder" : " with no job folder"));
        long bytes = 0;
        int files = 0;
        try (Stream<Path> s = Files.walk(spec.resources())) {
          for (Path p : s.filter(Files::isRegularFile).toList()) {
            files++;
            bytes += Files.size(p);
          }
        }
        return StandInWasm.wrote(spec, files + " files, " + bytes + " bytes");
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  record Node(NodeKey key, P2PNode node, IpfsExchange resources) {}

  Node node(String name, List<String> seeds, P2PConfig p2p) throws IOException {
    Path d = dir.resolve(name);
    var config = new P2PNodeConfig(d, p2p, DiscoveryConfig.defaults(seeds), GossipConfig.defaults());
    NodeKey key = NodeKey.generate();
    P2PNode n = P2PNode.create(key, config, (k, c) -> new NettyP2PNetwork(k, c, clock, loops), clock,
        new Random());
    IpfsExchange res = IpfsExchange.open(d.resolve("res"), "127.0.0.1", 0);
    closing.add(res);
    closing.add(n::stop);
    n.network().setCapabilities(List.of("gateway:" + res.gatewayPort()));
    n.start();
    return new Node(key, n, res);
  }

  @BeforeEach
  void setUp() throws Exception {
    loops = EventLoops.create(2, "job-folders");
    P2PConfig p2p = P2PConfig.loopback();
    MarketConfig market = MarketConfig.defaults(p2p.chainId(), Address.of("0x" + "de".repeat(20)))
        .withMinPricePerHour(BigInteger.TEN.pow(15));
    Node r = node("requestor", List.of(), p2p);
    Node p = node("provider", List.of(r.node().self().host() + ":" + r.node().self().port()), p2p);
    TaskComputer computer = new TaskComputer(List.of(new Lister()));
    closing.add(computer);
    providerJobs = dir.resolve("provider-work/jobs");
    closing.add(new ProviderAgent(p.node().network(), p.node().gossip(), market, computer, p.resources(),
        (req, task, sub, amount, at) -> {}, new Reputation(Reputation.inMemory()), dir.resolve("provider-work"), clock, 1,
        2, 4096));
    Await.until(WAIT, () -> r.node().network().peers().size() == 1, () -> "provider connected");
    requestor = new RequestorAgent(r.key(), r.node().network(), r.node().gossip(), market,
        TaskTemplates.load(), r.resources(), (task, sub, payee, amount, at) -> {}, cost -> {},
        new Reputation(Reputation.inMemory()), null, dir.resolve("requestor-work"), clock, null);
    closing.add(requestor);
    requestor.start();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closing.reversed()) c.close();
    loops.close();
  }

  /** A one-subtask gWASM task whose input folder gets what {@code inputs} writes; returns its listing when done. */
  String run(IoConsumer<Path> inputs) throws Exception {
    Path in = Files.createDirectories(dir.resolve("task/in"));
    Files.write(in.resolve("prog.wasm"), new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
    inputs.accept(Files.createDirectories(in.resolve("s0")));
    Path file = Files.writeString(dir.resolve("task/task.json"), """
        {"type": "wasm", "name": "folders", "bid": "1", "timeout": "0:05:00", "subtask_timeout": "0:02:00",
         "verification": {"redundancy": 1},
         "options": {"js_name": "p.js", "wasm_name": "prog.wasm", "input_dir": "in", "output_dir": "out",
           "subtasks": {"s0": {"exec_args": [], "output_file_paths": ["band.pgm"]}}}}
        """);
    var task = requestor.create(file);
    Await.until(WAIT, () -> requestor.state(task.id()).orElseThrow() != RequestorModel.TaskState.COMPUTING,
        () -> "task ended; the sandbox saw " + seen + "; " + requestor.task(task.id()).orElseThrow().detail());
    var ended = requestor.task(task.id()).orElseThrow();
    assertThat(ended.state()).as(ended.detail()).isEqualTo(RequestorModel.TaskState.FINISHED);
    return Files.readString(dir.resolve("task/out/s0/band.pgm"));
  }

  interface IoConsumer<T> {
    void accept(T t) throws IOException;
  }

  @Test
  void smallInputsAreComputedFromMemoryWithNoJobFolderOnDisk() throws Exception {
    String listing = run(in -> Files.writeString(in.resolve("scene.txt"), "a small scene"));

    assertThat(seen).containsExactly("memory with no job folder");
    // the program, the scene: what the provider fetched is all there
    assertThat(listing).isEqualTo("2 files, 21 bytes");
  }

  @Test
  void inputsLargerThanTheMemoryLimitGoToDisk() throws Exception {
    byte[] big = new byte[(int) (65L << 20)];
    new Random(1).nextBytes(big);
    String listing = run(in -> Files.write(in.resolve("big.bin"), big));

    assertThat(seen).containsExactly("disk with a job folder");
    assertThat(listing).isEqualTo("2 files, " + (big.length + 8) + " bytes");
  }

  @Test
  void inputsThatUnpackLargerThanTheirBlocksFallBackToDisk() throws Exception {
    // 80 copies of one random MiB: 1 MiB of blocks (the store keeps each block once), 80 MiB once written out, more
    // than the room a small job gets in memory
    byte[] mib = new byte[1 << 20];
    new Random(2).nextBytes(mib);
    String listing = run(in -> {
      for (int i = 0; i < 80; i++) Files.write(in.resolve("copy-" + i + ".bin"), mib);
    });

    assertThat(seen).containsExactly("disk with a job folder");
    assertThat(listing).isEqualTo("81 files, " + (80L * mib.length + 8) + " bytes");
  }
}
