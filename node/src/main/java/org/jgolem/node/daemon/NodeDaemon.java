package org.jgolem.node.daemon;

import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.jgolem.chain.Chain;
import org.jgolem.chain.deploy.Deployment;
import org.jgolem.compute.Environment;
import org.jgolem.compute.TaskComputer;
import org.jgolem.compute.docker.DockerConfig;
import org.jgolem.compute.docker.DockerEnvironment;
import org.jgolem.compute.host.HostDirectEnvironment;
import org.jgolem.compute.wasm.WasmEnvironment;
import org.jgolem.concent.client.ConcentClient;
import org.jgolem.eth.Address;
import org.jgolem.node.P2PNode;
import org.jgolem.node.P2PNodeConfig;
import org.jgolem.node.api.ApiConfig;
import org.jgolem.node.api.ApiServer;
import org.jgolem.node.chain.Web3ChainView;
import org.jgolem.node.chain.Web3Deposits;
import org.jgolem.node.chain.Web3PaymentChain;
import org.jgolem.node.concent.ConcentMode;
import org.jgolem.node.concent.ConcentPolicy;
import org.jgolem.node.concent.ConcentStates;
import org.jgolem.node.concent.NodeConcent;
import org.jgolem.node.concent.OwnDeposit;
import org.jgolem.node.concentlink.ClientConcentPort;
import org.jgolem.node.discovery.DiscoveryConfig;
import org.jgolem.node.gossip.GossipConfig;
import org.jgolem.node.market.AgentExecutors;
import org.jgolem.node.market.AgentLoop;
import org.jgolem.node.market.IncomeRecorder;
import org.jgolem.node.market.MarketConfig;
import org.jgolem.node.market.PaymentRecorder;
import org.jgolem.node.market.provider.ProviderAgent;
import org.jgolem.node.market.requestor.RequestorAgent;
import org.jgolem.node.p2p.P2PConfig;
import org.jgolem.node.p2p.netty.EventLoops;
import org.jgolem.node.p2p.netty.NettyP2PNetwork;
import org.jgolem.node.payments.IncomeConfig;
import org.jgolem.node.payments.IncomeKeeper;
import org.jgolem.node.payments.InsufficientFundsException;
import org.jgolem.node.payments.PaymentConfig;
import org.jgolem.node.payments.PaymentProcessor;
import org.jgolem.node.payments.RequestorAccount;
import org.jgolem.node.reputation.Reputation;
import org.jgolem.node.resources.IpfsExchange;
import org.jgolem.node.state.NodeDatabase;
import org.jgolem.node.store.SqliteConcentStore;
import org.jgolem.node.store.SqliteIncomeStore;
import org.jgolem.node.store.SqlitePaymentLedger;
import org.jgolem.node.store.SqliteReputationStore;
import org.jgolem.node.store.SqliteRequestorStore;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.tasks.TaskTemplates;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Credentials;

/**
 * One node process, assembled from its configuration: database, P2P (Netty), resources (ipfs-bridge
 * and its gateway), chain access, the task computer, the requestor and provider agents, payments
 * and incomes, and the REST API. Stopping it closes everything in reverse order.
 */
public final class NodeDaemon implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeDaemon.class);

  final NodeKey key;
  final NodeConfig config;
  final Path dataDir;
  NodeDatabase db;

  /** Each subtask's Concent state (empty while Concent is off), for the API's views. */
  ConcentStates concentStates;

  P2PNode p2p;
  IpfsExchange resources;
  TaskComputer computer;
  Reputation reputation;
  RequestorAgent requestor;
  ProviderAgent provider;
  PaymentProcessor payments;
  RequestorAccount account;
  IncomeKeeper incomes;
  ConcentPolicy concent;

  /** The node's side of Concent, when {@code concent.url} is set and the mode is not off. */
  NodeConcent nodeConcent;

  /** The node's own Concent deposit; null without a chain. */
  OwnDeposit deposit;

  ApiServer api;
  private final List<AutoCloseable> closing = new ArrayList<>();
  private final ScheduledExecutorService scheduler;

  private NodeDaemon(NodeKey key, NodeConfig config, Path dataDir) {
    this.key = key;
    this.config = config;
    this.dataDir = dataDir;
    this.scheduler =
        Executors.newScheduledThreadPool(
            2, r -> Thread.ofPlatform().name("node-timers").daemon().unstarted(r));
    closing.add(scheduler::shutdownNow);
  }

  private void assemble(Clock clock, UnaryOperator<Environment> sandboxes) throws Exception {
    Files.createDirectories(dataDir);
    db = NodeDatabase.open(dataDir, clock);
    closing.add(db);
    reputation = new Reputation(new SqliteReputationStore(db));
    concentStates = new SqliteConcentStore(db);

    resources =
        IpfsExchange.open(dataDir.resolve("resources"), config.p2pHost(), config.gatewayPort());
    closing.add(resources);

    Deployment deployment =
        config.deployment() == null ? null : Deployment.read(config.deployment());
    Chain chain = null;
    if (deployment != null) {
      chain = Chain.connect(deployment.rpcUrl());
      deployment.verify(chain);
    } else if (config.requestor()) {
      throw new NodeConfig.ConfigException(
          "a requestor pays on chain: set chain.deployment to a deployment file");
    }
    long chainId = deployment == null ? P2PConfig.loopback().chainId() : deployment.chainId();
    Address depositContract =
        deployment == null ? Address.of("0x" + "00".repeat(19) + "01") : deployment.deposit();
    if (chain != null) {
      Web3Deposits deposits =
          new Web3Deposits(
              chain, deployment.deposit(), deployment.token(), Credentials.create(key.keyPair()));
      this.deposit = new OwnDeposit(deposits);
      this.concent = new ConcentPolicy(config.concent(), deposits);
    } else {
      this.concent = new ConcentPolicy(config.concent(), null); // off: NodeConfig requires a chain
    }
    NodeConcent nodeConcent = null;
    if (config.concent() != ConcentMode.OFF && config.concentUrl() != null && chain != null) {
      ConcentClient client =
          new ConcentClient(
              ConcentClient.Config.of(
                  URI.create(config.concentUrl()),
                  Address.of(deployment.roles().concent()),
                  chainId),
              key,
              clock);
      ClientConcentPort port =
          new ClientConcentPort(client, key, clock, resources, dataDir.resolve("concent-results"));
      closing.add(port);
      SqliteConcentStore evidence = (SqliteConcentStore) concentStates;
      nodeConcent =
          NodeConcent.create(
              port,
              evidence,
              evidence,
              new MessageCodec(chainId, ConcentClient.MAX_PAYLOAD_BYTES),
              key.address(),
              clock,
              AgentLoop.singleThread("concent"),
              config.concentPoll(),
              header -> header.concentEnabled(),
              // the requestor's own tasks: as each was announced (optional follows the task file)
              header -> header.concentEnabled());
      closing.add(nodeConcent);
    }
    this.nodeConcent = nodeConcent;
    MarketConfig market =
        MarketConfig.defaults(chainId, depositContract)
            .withMinPricePerHour(config.minPricePerHour())
            .withTransferSlack(config.transferSlack());

    EventLoops loops = EventLoops.create(2, "p2p");
    closing.add(loops::close);
    P2PConfig p2pConfig = P2PConfig.loopback().withListenPort(config.p2pPort());
    if (p2pConfig.chainId() != chainId) p2pConfig = p2pConfig.withChainId(chainId);
    P2PNodeConfig nodeConfig =
        new P2PNodeConfig(
            dataDir, p2pConfig, DiscoveryConfig.defaults(config.seeds()), GossipConfig.defaults());
    p2p =
        P2PNode.create(
            key,
            nodeConfig,
            (k, c) -> new NettyP2PNetwork(k, c, clock, loops),
            clock,
            new Random());
    p2p.network().setCapabilities(List.of("gateway:" + resources.gatewayPort()));
    p2p.start();
    closing.add(p2p::stop);

    List<Environment> envs = new ArrayList<>();
    DockerEnvironment warmDocker = null;
    if (config.wasm()) envs.add(sandboxes.apply(new WasmEnvironment()));
    if (config.docker()) {
      DockerEnvironment docker =
          new DockerEnvironment(
              DockerConfig.of(key.address().hex(), config.dockerImages()), clock, scheduler);
      docker.sessionFolder(dataDir.resolve("provider").resolve("sessions"));
      warmDocker = docker;
      envs.add(sandboxes.apply(docker));
    }
    envs.add(
        config.host()
            ? sandboxes.apply(
                HostDirectEnvironment.enabledForTrustedCode(
                    Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory()))
            : HostDirectEnvironment.disabled());
    computer = new TaskComputer(envs);
    closing.add(computer);

    if (config.requestor()) {
      Credentials credentials = Credentials.create(key.keyPair());
      var paymentChain = new Web3PaymentChain(chain, deployment.token(), credentials);
      PaymentConfig pc =
          PaymentConfig.demo(config.paymentWindow()).withConfirmations(config.confirmations());
      payments = new PaymentProcessor(new SqlitePaymentLedger(db), paymentChain, clock, pc);
      payments.start(scheduler, Duration.ofMillis(500));
      closing.add(payments);
      account = new RequestorAccount(paymentChain, payments, pc);
      requestor =
          RequestorAgent.builder()
              .key(key)
              .network(p2p.network())
              .gossip(p2p.gossip())
              .config(market)
              .templates(TaskTemplates.load())
              .resources(resources)
              .payments(
                  new PaymentRecorder() {
                    @Override
                    public void paymentDue(
                        byte[] task, byte[] subtask, Address payee, BigInteger amount, long at) {
                      payments.record(
                          HexFormat.of().formatHex(task),
                          HexFormat.of().formatHex(subtask),
                          payee,
                          amount,
                          Instant.ofEpochMilli(at));
                    }

                    @Override
                    public void settledByConcent(List<String> subtaskIds, String reason) {
                      payments.settledByConcent(subtaskIds, reason);
                    }
                  })
              .funds(cost -> {
                try {
                  account.requireAffordable(cost, "task");
                } catch (InsufficientFundsException e) {
                  throw new RequestorAgent.InsufficientFundsException(e.getMessage());
                }
              })
              .reputation(reputation)
              .localComputer(computer)
              .dataDir(dataDir.resolve("requestor"))
              .clock(clock)
              .store(new SqliteRequestorStore(db))
              .executors(
                  AgentExecutors.requestor()) // the loop and its workers on threads of their own
              .concent(concent, nodeConcent == null ? null : nodeConcent.requestor())
              .build();
      closing.add(requestor);
      int resumed = requestor.start();
      if (resumed > 0) LOG.info("Resumed {} task(s) from {}", resumed, db.file());
    } else {
    }

    if (config.provider()) {
      if (chain != null) {
        var view = new Web3ChainView(chain, deployment.token(), Credentials.create(key.keyPair()));
        incomes =
            new IncomeKeeper(
                new SqliteIncomeStore(db),
                view,
                key.address(),
                clock,
                IncomeConfig.defaults(deployment.deploymentBlock())
                    .withConfirmations(config.confirmations()),
                (requestorId, subtaskId, amount) -> {
                  reputation.record(
                      Reputation.Role.REQUESTOR, requestorId, Reputation.Event.LATE_PAYMENT);
                  NodeConcent c = this.nodeConcent;
                  if (c != null) {
                    c.provider().overdue(requestorId, subtaskId); // ForcePayment after PDT
                  }
                });
        scheduler.scheduleWithFixedDelay(
            () -> {
              try {
                incomes.tick();
              } catch (RuntimeException e) {
                LOG.warn("Income check failed: {}", e.toString());
              }
            },
            1,
            1,
            TimeUnit.SECONDS);
      } else {
        LOG.warn("No chain configured: incomes are not watched");
      }
      // offer what the sandboxes give a subtask, not what the JVM has
      long memMib =
          computer.capabilities().stream()
              .filter(c -> c.available())
              .mapToLong(c -> c.memoryBytes() >> 20)
              .max()
              .orElse(0);
      provider =
          ProviderAgent.builder()
              .network(p2p.network())
              .gossip(p2p.gossip())
              .config(market)
              .computer(computer)
              .resources(resources)
              .incomes(
                  new IncomeRecorder() {
                    @Override
                    public void incomeExpected(
                        Address requestorId,
                        byte[] task,
                        byte[] subtask,
                        BigInteger amount,
                        long at) {
                      IncomeKeeper incomes = NodeDaemon.this.incomes;
                      if (incomes != null) {
                        incomes.expect(
                            requestorId,
                            HexFormat.of().formatHex(task),
                            HexFormat.of().formatHex(subtask),
                            amount,
                            Instant.ofEpochMilli(at));
                      }
                    }

                    @Override
                    public void paidByConcent(
                        String txHash, Address payer, List<String> subtaskIds, BigInteger amount) {
                      IncomeKeeper incomes = NodeDaemon.this.incomes;
                      if (incomes != null) incomes.paidByConcent(txHash, payer, subtaskIds, amount);
                    }
                  })
              .reputation(reputation)
              .dataDir(dataDir.resolve("provider"))
              .clock(clock)
              .capacity(
                  config.slots(),
                  Math.max(1, Runtime.getRuntime().availableProcessors()),
                  Math.max(1, memMib))
              .store(new org.jgolem.node.store.SqliteProviderStore(db, clock))
              .executors(AgentExecutors.provider())
              .concent(concent, nodeConcent == null ? null : nodeConcent.provider())
              .build();
      closing.add(provider);
    }
    if (nodeConcent != null) {
      if (provider != null) {
        // use case 5: a rejection as wrong disputed by itself, the fee note signed by the node key
        org.jgolem.protocol.notes.NoteSigner notes =
            new org.jgolem.protocol.notes.NoteSigner(chainId, depositContract);
        nodeConcent
            .provider()
            .disputes(
                config.concentDispute()
                    ? new org.jgolem.node.concent.DisputeSettings(
                        true,
                        config.concentVerificationFee(),
                        depositContract,
                        n ->
                            org.jgolem.protocol.messages.market.WireNote.of(
                                notes.sign(n, key.keyPair())),
                        concent.deposits().orElseThrow())
                    : org.jgolem.node.concent.DisputeSettings.off());
      }
      nodeConcent.startPolling(); // once the agents are bound to their Concent sides
    }
    if (warmDocker != null && config.warmBlender() != null) {
      // readied only while the whole node is idle: no subtask in any sandbox, no task of its own
      // being computed
      TaskComputer sandboxesOfNode = computer;
      RequestorAgent ownTasks = requestor;
      warmDocker.idleWhen(
          () -> sandboxesOfNode.running().isEmpty() && (ownTasks == null || !ownTasks.busy()));
      var w = config.warmBlender();
      warmDocker.keepWarm(
          org.jgolem.tasks.blender.RenderJob.warmUp(w.imageId(), w.cpus(), w.memoryMib()));
    }

    api =
        ApiServer.start(
            new DaemonService(this),
            ApiConfig.defaults(dataDir).withHost(config.apiHost()).withPort(config.apiPort()));
    closing.add(api);
    LOG.info(
        "Node {} up: p2p {}:{}, gateway {}, API {} ({}{})",
        key.address(),
        p2p.self().host(),
        p2p.self().port(),
        resources.gatewayPort(),
        api.address(),
        config.requestor() ? "requestor" : "",
        config.provider() ? (config.requestor() ? "+provider" : "provider") : "");
  }

  /** Starts a node; on any failure, what was started is stopped again and the failure is thrown. */
  public static NodeDaemon start(NodeKey key, NodeConfig config, Path dataDir, Clock clock)
      throws Exception {
    return start(key, config, dataDir, clock, UnaryOperator.identity());
  }

  /**
   * The same, with every enabled sandbox environment passed through {@code sandboxes} before the
   * task computer gets it. For programs that embed the daemon (the integration tests wrap the WASM
   * environment to make a provider return wrong results); neither the configuration file nor the
   * CLI can reach it.
   */
  public static NodeDaemon start(
      NodeKey key,
      NodeConfig config,
      Path dataDir,
      Clock clock,
      UnaryOperator<Environment> sandboxes)
      throws Exception {
    NodeDaemon d = new NodeDaemon(key, config, dataDir);
    try {
      d.assemble(clock, sandboxes);
      return d;
    } catch (Exception | Error e) {
      d.close();
      throw e;
    }
  }

  public BigInteger gntBalance() {
    return account == null ? BigInteger.ZERO : account.balances().gnt();
  }

  @Override
  public void close() {
    for (AutoCloseable c : closing.reversed()) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("Stopping {} failed: {}", c, e.toString());
      }
    }
  }

  /** The folder where the daemon keeps its results and logs: useful to people reading the logs. */
  public Path dataDir() {
    return dataDir;
  }
}
