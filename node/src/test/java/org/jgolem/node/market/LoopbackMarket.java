package org.jgolem.node.market;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jgolem.compute.TaskComputer;
import org.jgolem.eth.Address;
import org.jgolem.node.P2PNode;
import org.jgolem.node.P2PNodeConfig;
import org.jgolem.node.discovery.DiscoveryConfig;
import org.jgolem.node.fixtures.StandInWasm;
import org.jgolem.node.gossip.GossipConfig;
import org.jgolem.node.market.provider.ProviderAgent;
import org.jgolem.node.market.provider.ProviderStore;
import org.jgolem.node.market.requestor.RequestorAgent;
import org.jgolem.node.p2p.P2PConfig;
import org.jgolem.node.p2p.netty.EventLoops;
import org.jgolem.node.p2p.netty.NettyP2PNetwork;
import org.jgolem.node.reputation.Reputation;
import org.jgolem.node.resources.IpfsExchange;
import org.jgolem.node.state.NodeDatabase;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.tasks.TaskTemplates;
import org.jgolem.testkit.Await;

/**
 * A requestor and one provider (one slot) on loopback: real nodes (Netty), real resource stores and
 * gateways, the provider computing in a stand-in "wasm" sandbox; the provider works in {@code
 * dir/provider-work}.
 */
final class LoopbackMarket implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(60);

  private final Clock clock = Clock.systemUTC();
  private final List<AutoCloseable> closing = new ArrayList<>();
  private final EventLoops loops;
  private final Path dir;
  private final MarketConfig market;
  private final Node providerNode;
  private final TaskComputer computer;
  private final ProviderStore jobs;
  final RequestorAgent requestor;
  ProviderAgent provider;
  final Address requestorId;

  record Node(NodeKey key, P2PNode node, IpfsExchange resources) {}

  LoopbackMarket(Path dir, StandInWasm sandbox) throws Exception {
    this(dir, sandbox, false);
  }

  /**
   * @param keepJobs whether the provider keeps its jobs in a database (in {@code dir/provider-db}),
   *     across restarts
   */
  LoopbackMarket(Path dir, StandInWasm sandbox, boolean keepJobs) throws Exception {
    this.dir = dir;
    loops = EventLoops.create(2, "loopback-market");
    P2PConfig p2p = P2PConfig.loopback();
    market =
        MarketConfig.defaults(p2p.chainId(), Address.of("0x" + "de".repeat(20)))
            .withMinPricePerHour(BigInteger.TEN.pow(15));
    Node r = node(dir, "requestor", List.of(), p2p);
    providerNode =
        node(dir, "provider", List.of(r.node().self().host() + ":" + r.node().self().port()), p2p);
    requestorId = r.key().address();
    computer = new TaskComputer(List.of(sandbox));
    closing.add(computer);
    if (keepJobs) {
      NodeDatabase db = NodeDatabase.open(dir.resolve("provider-db"), clock);
      closing.add(db);
      jobs = new org.jgolem.node.store.SqliteProviderStore(db, clock);
    } else {
      jobs = null;
    }
    provider = provider();
    Await.until(WAIT, () -> r.node().network().peers().size() == 1, () -> "provider connected");
    requestor =
        RequestorAgent.builder()
            .key(r.key())
            .network(r.node().network())
            .gossip(r.node().gossip())
            .config(market)
            .templates(TaskTemplates.load())
            .resources(r.resources())
            .payments((task, sub, payee, amount, at) -> {})
            .funds(cost -> {})
            .reputation(new Reputation(Reputation.inMemory()))
            .dataDir(dir.resolve("requestor-work"))
            .clock(clock)
            .build();
    closing.add(requestor);
    requestor.start();
  }

  private ProviderAgent provider() {
    ProviderAgent p =
        ProviderAgent.builder()
            .network(providerNode.node().network())
            .gossip(providerNode.node().gossip())
            .config(market)
            .computer(computer)
            .resources(providerNode.resources())
            .incomes((req, task, sub, amount, at) -> {})
            .reputation(new Reputation(Reputation.inMemory()))
            .dataDir(dir.resolve("provider-work"))
            .clock(clock)
            .capacity(1, 2, 4096)
            .store(jobs)
            .build();
    closing.add(p);
    return p;
  }

  /**
   * Stops the provider (as a crash would: what it was doing is lost) and starts it again on the
   * same jobs.
   */
  ProviderAgent restartProvider() {
    provider.close();
    provider = provider();
    return provider;
  }

  private Node node(Path dir, String name, List<String> seeds, P2PConfig p2p) throws IOException {
    Path d = dir.resolve(name);
    var config =
        new P2PNodeConfig(d, p2p, DiscoveryConfig.defaults(seeds), GossipConfig.defaults());
    NodeKey key = NodeKey.generate();
    P2PNode n =
        P2PNode.create(
            key, config, (k, c) -> new NettyP2PNetwork(k, c, clock, loops), clock, new Random());
    IpfsExchange res = IpfsExchange.open(d.resolve("res"), "127.0.0.1", 0);
    closing.add(res);
    closing.add(n::stop);
    n.network().setCapabilities(List.of("gateway:" + res.gatewayPort()));
    n.start();
    return new Node(key, n, res);
  }

  /**
   * Writes a one-subtask gWASM task (subtask {@code s0}, output {@code out/s0/band.pgm}) under
   * {@code dir/task}, its input folder filled by {@code inputs}; gives the task file.
   */
  static Path wasmTask(Path dir, IoConsumer<Path> inputs) throws IOException {
    Path in = Files.createDirectories(dir.resolve("task/in"));
    Files.write(in.resolve("prog.wasm"), new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
    inputs.accept(Files.createDirectories(in.resolve("s0")));
    return Files.writeString(
        dir.resolve("task/task.json"),
        """
        {"type": "wasm", "name": "folders", "bid": "1", "timeout": "0:05:00", "subtask_timeout": "0:02:00",
         "verification": {"redundancy": 1},
         "options": {"js_name": "p.js", "wasm_name": "prog.wasm", "input_dir": "in", "output_dir": "out",
           "subtasks": {"s0": {"exec_args": [], "output_file_paths": ["band.pgm"]}}}}
        """);
  }

  interface IoConsumer<T> {
    void accept(T t) throws IOException;
  }

  @Override
  public void close() throws Exception {
    for (AutoCloseable c : closing.reversed()) c.close();
    loops.close();
  }
}
