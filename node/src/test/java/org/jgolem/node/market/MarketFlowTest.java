package org.jgolem.node.market;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jgolem.compute.Environment;
import org.jgolem.compute.Execution;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.compute.TaskComputer;
import org.jgolem.concent.time.Windows;
import org.jgolem.eth.Address;
import org.jgolem.node.P2PNode;
import org.jgolem.node.P2PNodeConfig;
import org.jgolem.node.concent.ConcentFixture;
import org.jgolem.node.concent.ConcentPolicy;
import org.jgolem.node.concent.ConcentState;
import org.jgolem.node.concent.ProviderConcent;
import org.jgolem.node.concent.RequestorConcent;
import org.jgolem.node.discovery.Discovery;
import org.jgolem.node.fixtures.Cluster;
import org.jgolem.node.fixtures.StandInWasm;
import org.jgolem.node.fixtures.TestKeys;
import org.jgolem.node.gossip.TaskHeaderGossip;
import org.jgolem.node.gossip.TaskHeaderStore;
import org.jgolem.node.market.provider.ProviderAgent;
import org.jgolem.node.market.requestor.AssignmentSnapshot;
import org.jgolem.node.market.requestor.RequestorAgent;
import org.jgolem.node.market.requestor.RequestorModel;
import org.jgolem.node.market.requestor.TaskSnapshot;
import org.jgolem.node.p2p.P2PConfig;
import org.jgolem.node.p2p.P2PNetwork;
import org.jgolem.node.p2p.memory.MemoryNetworkHub;
import org.jgolem.node.reputation.Reputation;
import org.jgolem.node.state.NodeDatabase;
import org.jgolem.node.state.SqlitePeerStore;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.MessageHasher;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.concent.ForceSubtaskResults;
import org.jgolem.protocol.messages.concent.ForceSubtaskResultsResponse;
import org.jgolem.protocol.messages.market.CannotAssignTask;
import org.jgolem.tasks.FileResults;
import org.jgolem.tasks.PlannedSubtask;
import org.jgolem.tasks.TaskContext;
import org.jgolem.tasks.TaskPlan;
import org.jgolem.tasks.TaskTemplate;
import org.jgolem.tasks.TaskTemplates;
import org.jgolem.tasks.Verdict;
import org.jgolem.tasks.definition.TaskFile;
import org.jgolem.tasks.definition.TaskFileException;
import org.jgolem.testkit.FakeClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The market's logic end to end on the in-memory network: header gossip, offers, signed assignment,
 * reports, redundancy, acceptance and payment records. Resources and the sandbox are stand-ins here
 * (a folder store keyed by digest, a deterministic fake "wasm" program); the real ones are
 * exercised by the integration tests.
 *
 * <p>It runs on {@link MarketTime}: every agent loop, worker pool and node timer on one manual
 * scheduler, the network a manual in-memory hub, all on the test's thread. A test waits for what it
 * expects by moving a fake clock (at most {@link #WAIT} of it), and sees what did not happen by
 * moving it past the moment, never by sleeping. Where a stand-in would block its worker (a subtask
 * computing for ever, a merge under way, a publish that is slow), it runs the test's next steps
 * itself, then ends as it would have ended.
 */
@Timeout(120)
class MarketFlowTest {
  /** How long (fake time) a test waits for what it expects. */
  static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;

  /**
   * The market's time: a fake clock, one manual scheduler for every loop, worker pool and node
   * timer, a manual network. Everything runs on the test's thread when the test settles it or moves
   * the clock.
   */
  final MarketTime time = new MarketTime(1_700_000_000_000L);

  final FakeClock clock = time.clock;
  final long chainId = P2PConfig.loopback().chainId();
  final Address deposit = Address.of("0x" + "de".repeat(20));
  final MemoryNetworkHub hub = time.hub;
  final TestKeys keys = new TestKeys(7);
  final Map<Address, NodeKey> keysById = new ConcurrentHashMap<>();
  final List<P2PNode> started = new ArrayList<>();
  final List<AutoCloseable> closing = new ArrayList<>();
  final FolderStore store = new FolderStore();
  final List<String> paid = new CopyOnWriteArrayList<>();
  final Map<Address, BigInteger> owed = new ConcurrentHashMap<>();
  final List<String> incomes = new CopyOnWriteArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closing.reversed()) c.close();
    started.reversed().forEach(P2PNode::stop);
    time.close();
    org.jgolem.ipfs.FileTrees.delete(store.root); // made before the test's own folder is known
  }

  /**
   * A node on the manual network, its timers on the shared scheduler (discovery and gossip with
   * test timings).
   */
  P2PNode node(List<String> seeds) {
    NodeKey key = keys.next();
    P2PNodeConfig config =
        Cluster.config(dir.resolve("nodes/node-" + started.size()), seeds).validate();
    NodeDatabase database = NodeDatabase.open(config.dataDir(), clock);
    MarketTime.Lane timers = time.lane();
    P2PNetwork network = hub.newNode(key, config.p2p(), clock);
    TaskHeaderGossip gossip =
        new TaskHeaderGossip(
            network,
            new TaskHeaderStore(new MessageHasher(chainId), clock, config.gossip()),
            timers,
            config.gossip());
    Discovery discovery =
        new Discovery(
            key.address(),
            network,
            new SqlitePeerStore(database),
            config.discovery(),
            clock,
            timers,
            new Random(7 + started.size()));
    P2PNode node = new P2PNode(key, network, database, discovery, gossip, timers);
    keysById.put(key.address(), key);
    started.add(node);
    node.start();
    return node;
  }

  NodeKey keyOf(P2PNode node) {
    return keysById.get(node.id());
  }

  /** Folders stored under their digest: a stand-in for ipfs-bridge in this logic test. */
  final class FolderStore implements ResourceExchange {
    final Path root;

    FolderStore() {
      try {
        root = Files.createTempDirectory("market-store");
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public String publish(Path folder, String scope) throws IOException {
      String cid = HexFormat.of().formatHex(FileResults.digest(folder));
      Path to = root.resolve(cid);
      if (!Files.exists(to)) FileResults.stage(folder, to);
      return cid;
    }

    @Override
    public void fetch(String cid, Path target, List<URI> sources, long maxBytes, Duration timeout)
        throws IOException {
      Path from = root.resolve(cid);
      if (!Files.isDirectory(from)) throw new IOException("no such content " + cid);
      for (String f : FileResults.list(from)) {
        Files.createDirectories(target.resolve(f).getParent());
        Files.copy(from.resolve(f), target.resolve(f));
      }
      Files.createDirectories(target);
    }

    @Override
    public void release(String scope) {}

    @Override
    public int gatewayPort() {
      return 1;
    }
  }

  /** The test's store, for a requestor: a subclass holds some of its calls. */
  class DelegatingStore implements ResourceExchange {
    @Override
    public String publish(Path folder, String scope) throws IOException {
      return store.publish(folder, scope);
    }

    @Override
    public void fetch(String cid, Path target, List<URI> sources, long maxBytes, Duration timeout)
        throws IOException {
      store.fetch(cid, target, sources, maxBytes, timeout);
    }

    @Override
    public void release(String scope) {}

    @Override
    public int gatewayPort() {
      return 1;
    }
  }

  /**
   * A one-subtask task whose result the provider (one slot, jobs in SQLite) has reported, held at
   * the requestor's fetch: the requestor's workers are held (its first work is that fetch) until
   * {@code workers.release()}.
   */
  record Reported(
      P2PNode provider,
      RequestorAgent requestor,
      MarketTime.Lane workers,
      org.jgolem.node.market.provider.ProviderStore jobs,
      ProviderAgent first,
      TaskSnapshot task) {}

  Reported reportedAndHeld() throws Exception {
    List<P2PNode> nodes = network(1);
    P2PNode r = nodes.get(0);
    P2PNode p = nodes.get(1);
    MarketTime.Lane workers = time.lane();
    workers.hold();
    var requestor =
        RequestorAgent.builder()
            .key(keyOf(r))
            .network(r.network())
            .gossip(r.gossip())
            .config(config())
            .templates(TaskTemplates.load())
            .resources(store)
            .payments(
                (task, subtask, payee, amount, at) -> paid.add(HexFormat.of().formatHex(subtask)))
            .funds(cost -> {})
            .reputation(new Reputation(Reputation.inMemory()))
            .dataDir(dir.resolve("requestor"))
            .clock(clock)
            .executors(new AgentExecutors(time.lane(), workers))
            .build();
    closing.add(requestor);
    requestor.start();
    var database = org.jgolem.node.state.NodeDatabase.open(dir.resolve("provider-db"), clock);
    closing.add(database);
    var jobs = new org.jgolem.node.store.SqliteProviderStore(database, clock);
    ProviderAgent first = provider(p, new FakeWasm(false), 1, jobs);
    var task = requestor.create(gwasmTask(1, 1));
    time.until(WAIT, () -> workers.heldCount() > 0, () -> "the result reported");
    return new Reported(p, requestor, workers, jobs, first, task);
  }

  /** A deterministic stand-in program: output = "band <args> of <scene>"; a liar appends junk. */
  record FakeWasm(boolean liar) implements StandInWasm {
    @Override
    public Execution start(ExecutionSpec spec) {
      try {
        String scene = Files.readString(spec.resources().resolve("scene.txt"));
        return StandInWasm.wrote(
            spec,
            "band " + String.join(" ", spec.args()) + " of " + scene + (liar ? " (made up)" : ""));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /**
   * A sandbox whose subtask runs until its provider is closed: {@code whileRunning} (the test's
   * next steps, which close the provider) runs while it computes, on the worker the provider
   * computes on. The provider's worker waits for the subtask's result, on the test's thread here:
   * the subtask ends as closing would end it (a worker interrupted, its outcome dropped) once
   * {@code whileRunning} is done, so that the thread is not waiting for ever.
   */
  record HangingWasm(Runnable whileRunning) implements StandInWasm {
    @Override
    public Execution start(ExecutionSpec spec) {
      Execution x = new Execution(spec.subtaskId());
      x.onCancel(() -> x.complete(cancelled(spec)));
      whileRunning.run();
      x.complete(cancelled(spec));
      return x;
    }

    static ExecutionResult cancelled(ExecutionSpec spec) {
      return ExecutionResult.failed(
          spec,
          "wasm",
          new org.jgolem.compute.ComputeException(
              org.jgolem.compute.FailureReason.CANCELLED, "cancelled"),
          Duration.ZERO);
    }
  }

  /**
   * A requestor's database (tasks and reputation in SQLite), closed after the test: what a restart
   * finds again.
   */
  record RequestorDb(org.jgolem.node.market.requestor.RequestorStore store, Reputation rep) {}

  RequestorDb requestorDb() {
    var database = org.jgolem.node.state.NodeDatabase.open(dir.resolve("requestor-db"), clock);
    closing.add(database);
    return new RequestorDb(
        new org.jgolem.node.store.SqliteRequestorStore(database),
        new Reputation(new org.jgolem.node.store.SqliteReputationStore(database)));
  }

  /** Results up to this size are kept in memory by the requestors a test makes (0: on disk). */
  long resultsInMemoryUpTo = MarketConfig.defaults(1, deposit).resultsInMemoryUpTo();

  MarketConfig config() {
    return MarketConfig.defaults(chainId, deposit)
        .withMinPricePerHour(BigInteger.TEN.pow(16))
        .withResultsInMemoryUpTo(resultsInMemoryUpTo);
  }

  RequestorAgent requestor(P2PNode node, Reputation rep) {
    return started(requestor(node, rep, null));
  }

  RequestorAgent requestor(
      P2PNode node, Reputation rep, org.jgolem.node.market.requestor.RequestorStore db) {
    return requestor(node, rep, db, TaskTemplates.load());
  }

  RequestorAgent requestor(
      P2PNode node,
      Reputation rep,
      org.jgolem.node.market.requestor.RequestorStore db,
      TaskTemplates templates) {
    var r =
        RequestorAgent.builder()
            .key(keyOf(node))
            .network(node.network())
            .gossip(node.gossip())
            .config(config())
            .templates(templates)
            .resources(store)
            .payments((task, subtask, payee, amount, at) -> {
              paid.add(HexFormat.of().formatHex(subtask));
              owed.merge(payee, amount, BigInteger::add);
            })
            .funds(cost -> {})
            .reputation(rep)
            .dataDir(dir.resolve("requestor"))
            .clock(clock)
            .store(db)
            .executors(time.executors())
            .build();
    closing.add(r);
    return r;
  }

  RequestorAgent started(RequestorAgent r) {
    r.start();
    return r;
  }

  ProviderAgent provider(P2PNode node, boolean liar) {
    return provider(node, new FakeWasm(liar));
  }

  ProviderAgent provider(P2PNode node, Environment sandbox) {
    return provider(node, sandbox, 2);
  }

  ProviderAgent provider(P2PNode node, Environment sandbox, int slots) {
    return provider(node, sandbox, slots, null);
  }

  ProviderAgent provider(
      P2PNode node,
      Environment sandbox,
      int slots,
      org.jgolem.node.market.provider.ProviderStore jobs) {
    return provider(node, sandbox, slots, jobs, time.executors());
  }

  ProviderAgent provider(
      P2PNode node,
      Environment sandbox,
      int slots,
      org.jgolem.node.market.provider.ProviderStore jobs,
      AgentExecutors executors) {
    var computer = new TaskComputer(List.of(sandbox));
    var p =
        ProviderAgent.builder()
            .network(node.network())
            .gossip(node.gossip())
            .config(config())
            .computer(computer)
            .resources(store)
            .incomes((req, task, subtask, amount, at) -> incomes.add(node.id() + ":" + amount))
            .reputation(new Reputation(Reputation.inMemory()))
            .dataDir(dir.resolve("provider-" + node.id()))
            .clock(clock)
            .capacity(slots, 4, 4096)
            .store(jobs)
            .executors(executors)
            .build();
    closing.add(p);
    return p;
  }

  Path gwasmTask(int subtasks, int redundancy) throws IOException {
    return gwasmTask(subtasks, "{\"redundancy\": " + redundancy + "}");
  }

  Path gwasmTask(int subtasks, String verification) throws IOException {
    return gwasmTask(subtasks, verification, 1);
  }

  Path gwasmTask(int subtasks, String verification, int perAssignment) throws IOException {
    return gwasmTask(subtasks, verification, perAssignment, List.of("band.pgm"));
  }

  Path gwasmTask(int subtasks, String verification, int perAssignment, List<String> outputs)
      throws IOException {
    Path in = Files.createDirectories(dir.resolve("in"));
    Files.write(in.resolve("prog.wasm"), new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
    StringBuilder subs = new StringBuilder();
    String outs =
        outputs.stream()
            .map(o -> "\"" + o + "\"")
            .collect(java.util.stream.Collectors.joining(", "));
    for (int i = 0; i < subtasks; i++) {
      Files.writeString(
          Files.createDirectories(in.resolve("s" + i)).resolve("scene.txt"), "scene " + i);
      subs.append(i == 0 ? "" : ",")
          .append("\"s")
          .append(i)
          .append("\": {\"exec_args\": [\"")
          .append(i)
          .append("\"], \"output_file_paths\": [")
          .append(outs)
          .append("]}");
    }
    return Files.writeString(
        dir.resolve("task.json"),
        """
        {"type": "wasm", "name": "bands", "bid": "1", "timeout": "0:05:00", "subtask_timeout": "0:01:00",
         "verification": %s,
         "options": {"js_name": "p.js", "wasm_name": "prog.wasm", "input_dir": "in", "output_dir": "out",
           "subtasks_per_assignment": %d, "subtasks": {%s}}}
        """
            .formatted(verification, perAssignment, subs));
  }

  List<P2PNode> network(int providers) {
    P2PNode r = node(List.of());
    List<P2PNode> all = new ArrayList<>(List.of(r));
    for (int i = 0; i < providers; i++) all.add(node(List.of(Cluster.endpoint(r))));
    time.until(
        WAIT,
        () -> r.network().peers().size() == providers,
        () -> "providers connected to the requestor");
    return all;
  }

  @Test
  void threeProvidersComputeAGwasmTaskWithRedundancyAndEveryAcceptedResultIsPaidOnce()
      throws Exception {
    List<P2PNode> nodes = network(3);
    RequestorAgent requestor = requestor(nodes.get(0), new Reputation(Reputation.inMemory()));
    for (int i = 1; i <= 3; i++) provider(nodes.get(i), false);

    var task = requestor.create(gwasmTask(4, 2));
    time.until(
        WAIT,
        () ->
            requestor.task(task.idHex()).orElseThrow().state() == RequestorModel.TaskState.FINISHED,
        () -> "task finished");

    for (int i = 0; i < 4; i++) {
      assertThat(Files.readString(dir.resolve("out/s" + i + "/band.pgm")))
          .isEqualTo("band " + i + " of scene " + i);
    }
    // 4 subtasks x redundancy 2 = 8 accepted results, each paid once, at 1 GNT/h x 60 s
    assertThat(paid).hasSize(8).doesNotHaveDuplicates();
    BigInteger price =
        BigInteger.TEN.pow(16).multiply(BigInteger.valueOf(60)).divide(BigInteger.valueOf(3600));
    assertThat(owed.values().stream().reduce(BigInteger.ZERO, BigInteger::add))
        .isEqualTo(price.multiply(BigInteger.valueOf(8)));
    time.until(WAIT, () -> incomes.size() == 8, () -> "providers recorded their incomes");
    for (var s : requestor.task(task.idHex()).orElseThrow().subtasks()) {
      assertThat(s.assignments())
          .filteredOn(a -> a.state() == RequestorModel.AssignmentState.ACCEPTED)
          .hasSize(2)
          .extracting(a -> a.provider())
          .doesNotHaveDuplicates();
    }
  }

  /**
   * A finished task computed by two honest providers and a liar; the requestor ranks them in {@code
   * rep}.
   */
  record WithALiar(List<P2PNode> nodes, Reputation rep, Address liar, TaskSnapshot task) {}

  WithALiar computedWithALiar(Path taskFile) throws Exception {
    List<P2PNode> nodes = network(3);
    Reputation rep = new Reputation(Reputation.inMemory());
    RequestorAgent requestor = requestor(nodes.get(0), rep);
    provider(nodes.get(1), false);
    provider(nodes.get(2), false);
    provider(nodes.get(3), true);
    var task = requestor.create(taskFile);
    time.until(
        WAIT,
        () ->
            requestor.task(task.idHex()).orElseThrow().state() == RequestorModel.TaskState.FINISHED,
        () -> "task finished");
    return new WithALiar(nodes, rep, nodes.get(3).id(), requestor.task(task.idHex()).orElseThrow());
  }

  @Test
  void aLyingProviderIsOutvotedRejectedUnpaidAndRankedDown() throws Exception {
    WithALiar w = computedWithALiar(gwasmTask(3, 2));
    List<P2PNode> nodes = w.nodes();
    Reputation rep = w.rep();
    Address liar = w.liar();
    var task = w.task();
    for (int i = 0; i < 3; i++) {
      assertThat(Files.readString(dir.resolve("out/s" + i + "/band.pgm")))
          .isEqualTo("band " + i + " of scene " + i);
    }
    assertThat(owed).doesNotContainKey(liar);
    var liarsWork =
        task.subtasks().stream()
            .flatMap(s -> s.assignments().stream())
            .filter(a -> a.provider().equals(liar))
            .toList();
    assertThat(liarsWork)
        .isNotEmpty()
        .allSatisfy(a ->
            assertThat(a.state())
                .isIn(
                    RequestorModel.AssignmentState.REJECTED,
                    RequestorModel.AssignmentState.CANCELLED));
    assertThat(rep.counters(Reputation.Role.PROVIDER, liar).wrong()).isPositive();
    assertThat(rep.score(Reputation.Role.PROVIDER, liar))
        .isLessThan(rep.score(Reputation.Role.PROVIDER, nodes.get(1).id()));
  }

  @Test
  void
      subtasksAssignedThreeAtATimeAreVerifiedPaidAndMergedPerAssignmentAndALiarsAssignmentsAreRedone()
          throws Exception {
    WithALiar w = computedWithALiar(gwasmTask(7, "{\"redundancy\": 2}", 3));
    Reputation rep = w.rep();
    Address liar = w.liar();
    var task = w.task();
    for (int i = 0; i < 7; i++) {
      assertThat(Files.readString(dir.resolve("out/s" + i + "/band.pgm")))
          .isEqualTo("band " + i + " of scene " + i);
    }
    assertThat(task.subtaskNames())
        .as("assignments, named after their first subtask")
        .containsExactly("s0", "s3", "s6");
    // 3 assignments x redundancy 2, each paid once at its own price: the subtask price times its
    // subtasks
    assertThat(paid).hasSize(6).doesNotHaveDuplicates();
    BigInteger perHour = BigInteger.TEN.pow(16);
    BigInteger expected =
        Pricing.subtaskPrice(perHour, 180)
            .multiply(BigInteger.valueOf(4))
            .add(Pricing.subtaskPrice(perHour, 60).multiply(BigInteger.TWO));
    assertThat(owed.values().stream().reduce(BigInteger.ZERO, BigInteger::add)).isEqualTo(expected);
    assertThat(owed).doesNotContainKey(liar);
    for (var s : task.subtasks()) {
      assertThat(s.assignments())
          .filteredOn(a -> a.state() == RequestorModel.AssignmentState.ACCEPTED)
          .hasSize(2)
          .extracting(a -> a.provider())
          .doesNotHaveDuplicates()
          .doesNotContain(liar);
    }
    assertThat(rep.counters(Reputation.Role.PROVIDER, liar).wrong()).isPositive();
  }

  @Test
  void aRequestorRestartedMidTaskResumesFromItsDatabaseAndPaysEachResultOnce() throws Exception {
    restartedMidTask(6, 1);
  }

  @Test
  void aRequestorRestartedMidTaskOfAssignmentsOfTwoSubtasksResumesAndPaysEachOnce()
      throws Exception {
    restartedMidTask(12, 2);
  }

  /**
   * {@code subtasks} subtasks, {@code per} an assignment, redundancy 2: the requestor is restarted
   * halfway.
   */
  void restartedMidTask(int subtasks, int per) throws Exception {
    List<P2PNode> nodes = network(3);
    RequestorDb persisted = requestorDb();
    var store = persisted.store();
    Reputation rep = persisted.rep();
    RequestorAgent first = started(requestor(nodes.get(0), rep, store));
    for (int i = 1; i <= 3; i++) provider(nodes.get(i), false);
    var task = first.create(gwasmTask(subtasks, "{\"redundancy\": 2}", per));
    time.until(WAIT, () -> paid.size() >= 3, () -> "some results accepted");
    first.close();

    RequestorAgent second = requestor(nodes.get(0), rep, store);
    assertThat(second.start()).isEqualTo(1);
    time.until(
        WAIT,
        () -> second.task(task.idHex()).orElseThrow().state() == RequestorModel.TaskState.FINISHED,
        () ->
            "resumed task finished: "
                + second.task(task.idHex()).orElseThrow().subtasks().stream()
                    .map(s ->
                        s.name()
                            + "="
                            + s.state()
                            + s.assignments().stream().map(a -> a.state().name()).toList())
                    .toList());
    for (int i = 0; i < subtasks; i++) {
      assertThat(Files.readString(dir.resolve("out/s" + i + "/band.pgm")))
          .isEqualTo("band " + i + " of scene " + i);
    }
    // the resumed agent hands every accepted result to the (idempotent) payment processor again;
    // distinct assignment ids are what gets paid: subtasks / per assignments x 2
    assertThat(paid.stream().distinct().count()).isEqualTo(subtasks / per * 2);
    assertThat(paid.size()).isGreaterThanOrEqualTo(subtasks / per * 2);
    var restored = second.task(task.idHex()).orElseThrow();
    assertThat(restored.subtasks())
        .allSatisfy(s -> assertThat(s.state()).isEqualTo(RequestorModel.SubtaskState.ACCEPTED));
    assertThat(restored.subtasks())
        .flatExtracting(s -> s.assignments())
        .filteredOn(a -> a.state() == RequestorModel.AssignmentState.ACCEPTED)
        .isNotEmpty()
        .allSatisfy(a ->
            assertThat(a.acceptedAt())
                .as("when it was accepted, kept across the restart")
                .isPositive());
    assertThat(rep.ranking(Reputation.Role.PROVIDER)).hasSize(3);
  }

  @Test
  void anOfferForATaskStillBeingPublishedWaitsForTheResourcesInsteadOfBeingTurnedAway()
      throws Exception {
    List<P2PNode> nodes = network(1);
    P2PNode r = nodes.get(0);
    AtomicInteger wants = new AtomicInteger();
    List<CannotAssignTask> refusals = new CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicBoolean creating =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicReference<RequestorAgent> agent =
        new java.util.concurrent.atomic.AtomicReference<>();
    // the ninth subtask's resources are published after the task is announced: while the requestor
    // publishes them
    // (inside its create), the market goes on; what this test checks happens there, before the
    // publish returns
    ResourceExchange slow =
        new DelegatingStore() {
          @Override
          public String publish(Path folder, String scope) throws IOException {
            if (folder.getFileName().toString().equals("s8"))
              whilePublishing(agent.get(), wants, refusals, creating);
            return super.publish(folder, scope);
          }
        };
    var requestor =
        RequestorAgent.builder()
            .key(keyOf(r))
            .network(r.network())
            .gossip(r.gossip())
            .config(config())
            .templates(TaskTemplates.load())
            .resources(slow)
            .payments(
                (task, subtask, payee, amount, at) -> paid.add(HexFormat.of().formatHex(subtask)))
            .funds(cost -> {})
            .reputation(new Reputation(Reputation.inMemory()))
            .dataDir(dir.resolve("requestor"))
            .clock(clock)
            .executors(time.executors())
            .build();
    agent.set(requestor);
    closing.add(requestor);
    requestor.start();
    r.network().subscribe(MessageType.WANT_TO_COMPUTE_TASK, (peer, env) -> wants.incrementAndGet());
    nodes
        .get(1)
        .network()
        .subscribe(
            MessageType.CANNOT_ASSIGN_TASK,
            (peer, env) -> refusals.add((CannotAssignTask) env.payload()));
    provider(nodes.get(1), false);

    creating.set(true);
    var task = requestor.create(gwasmTask(9, 1));
    creating.set(false);
    assertThat(checkedWhilePublishing)
        .as("the ninth subtask's resources published after the others were computed")
        .isTrue();
    time.until(
        WAIT,
        () ->
            requestor.task(task.idHex()).orElseThrow().state() == RequestorModel.TaskState.FINISHED,
        () -> "task finished");
    assertThat(Files.readString(dir.resolve("out/s8/band.pgm"))).isEqualTo("band 8 of scene 8");
  }

  /**
   * What happens while the ninth subtask's resources are being published (the requestor in its
   * create).
   */
  void whilePublishing(
      RequestorAgent requestor,
      AtomicInteger wants,
      List<CannotAssignTask> refusals,
      java.util.concurrent.atomic.AtomicBoolean creating) {
    time.until(WAIT, () -> paid.size() == 8, () -> "the eight published subtasks accepted");
    // the provider, idle again, offers for the task: a ninth offer, beyond the eight that got the
    // published
    // subtasks. The requestor's listener (subscribed first) queues it on the loop before this one
    // counts it, so
    // a read on the loop runs after the requestor handled it; then whatever it answered has been
    // delivered
    time.until(
        WAIT, () -> wants.get() >= 9, () -> "the provider offered again; offers: " + wants.get());
    requestor.read(() -> null);
    time.settle();
    assertThat(creating).as("the task still being created").isTrue();
    // (once everything is assigned, a free slot's offer is turned away: that is not what this test
    // is about)
    assertThat(refusals)
        .as("the provider was never told there was nothing for it while the task was publishing")
        .isEmpty();
    checkedWhilePublishing = true;
  }

  boolean checkedWhilePublishing;

  @Test
  void aSmallResultOfMoreFilesThanItsRoomInMemoryIsCheckedOnDiskInstead() throws Exception {
    // 4 subtasks of 60 files each in one assignment: a few KiB of bytes, but 240 files take a block
    // each in memory
    List<String> files =
        java.util.stream.IntStream.range(0, 60).mapToObj(i -> "f" + i + ".txt").toList();
    StandInWasm manyFiles =
        spec -> {
          try {
            for (int i = 1; i < files.size(); i++)
              Files.writeString(spec.output().resolve(files.get(i)), "file " + i);
            return StandInWasm.writeAs(spec, files.get(0), "run " + String.join(" ", spec.args()));
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        };
    List<P2PNode> nodes = network(1);
    RequestorAgent requestor = requestor(nodes.get(0), new Reputation(Reputation.inMemory()));
    provider(nodes.get(1), manyFiles);
    var task = requestor.create(gwasmTask(4, "{\"redundancy\": 1}", 4, files));
    time.until(
        WAIT,
        () ->
            requestor.task(task.idHex()).orElseThrow().state() == RequestorModel.TaskState.FINISHED,
        () ->
            "task finished: "
                + requestor.read(() -> requestor.task(task.idHex()).orElseThrow().detail()));
    AssignmentSnapshot a =
        requestor.read(() ->
            requestor
                .task(task.idHex())
                .orElseThrow()
                .subtask("s0")
                .orElseThrow()
                .acceptedResult());
    assertThat(a.result()).as("on disk").isDirectory();
    assertThat(FileResults.list(a.result())).hasSize(240);
    assertThat(Files.readString(dir.resolve("out/s3/f0.txt"))).isEqualTo("run 3");
    assertThat(Files.readString(dir.resolve("out/s3/f59.txt"))).isEqualTo("file 59");
  }

  @Test
  void aReadThatListsTheTasksReturnsInsteadOfWaitingForItselfOnTheLoop() throws Exception {
    // the daemon's GET /v1/tasks: read(() -> tasks()) used to wait on the loop from the loop, for
    // ever
    List<P2PNode> nodes = network(1);
    RequestorAgent requestor = requestor(nodes.get(0), new Reputation(Reputation.inMemory()));
    var task = requestor.create(gwasmTask(1, 1));
    List<TaskSnapshot> listed =
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
            Duration.ofSeconds(10), () -> requestor.read(requestor::tasks));
    assertThat(listed).extracting(TaskSnapshot::idHex).containsExactly(task.idHex());
    assertThat(requestor.task(task.idHex())).isPresent();
  }

  @Test
  void assignmentsARestartDroppedStayDroppedWhenTheRequestorRestarts() throws Exception {
    List<P2PNode> nodes = network(1);
    RequestorDb persisted = requestorDb();
    var store = persisted.store();
    Reputation rep = persisted.rep();
    RequestorAgent first = started(requestor(nodes.get(0), rep, store));
    java.util.concurrent.atomic.AtomicReference<TaskSnapshot> created =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicReference<ProviderAgent> stuck =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicBoolean stopped =
        new java.util.concurrent.atomic.AtomicBoolean();
    // while the provider computes s0 (for ever)
    stuck.set(
        provider(
            nodes.get(1),
            new HangingWasm(() -> {
              String id = created.get().idHex();
              assertThat(
                      first.read(() ->
                          first
                              .task(id)
                              .orElseThrow()
                              .subtask("s0")
                              .orElseThrow()
                              .assignments()
                              .size()))
                  .as("s0 assigned")
                  .isEqualTo(1);
              first.abort(id); // the only provider's assignment is cancelled
              stuck.get().close();
              stopped.set(true);
            })));
    var task = first.create(gwasmTask(1, 1));
    created.set(task);
    time.until(WAIT, stopped::get, () -> "s0 assigned, its task aborted and its provider stopped");
    first.restart(
        task.idHex()); // computes s0 again: the cancelled assignment is dropped, the provider may
    // retry
    first.close();

    RequestorAgent second = requestor(nodes.get(0), rep, store);
    assertThat(second.start()).isEqualTo(1);
    provider(nodes.get(1), false); // the same provider, back with a working sandbox
    time.until(
        WAIT,
        () -> second.task(task.idHex()).orElseThrow().state() == RequestorModel.TaskState.FINISHED,
        () ->
            "restarted task finished after the requestor restarted: "
                + second.read(() ->
                    second
                        .task(task.idHex())
                        .orElseThrow()
                        .subtask("s0")
                        .orElseThrow()
                        .assignments()
                        .stream()
                        .map(a -> a.provider() + "=" + a.state())
                        .toList()));
    assertThat(Files.readString(dir.resolve("out/s0/band.pgm"))).isEqualTo("band 0 of scene 0");
  }

  @Test
  void localRecomputeAcceptsOnlyResultsEqualToTheRequestorsOwn() throws Exception {
    List<P2PNode> nodes = network(2);
    Reputation rep = new Reputation(Reputation.inMemory());
    var local = new TaskComputer(List.of(new FakeWasm(false)));
    var r =
        RequestorAgent.builder()
            .key(keyOf(nodes.get(0)))
            .network(nodes.get(0).network())
            .gossip(nodes.get(0).gossip())
            .config(config())
            .templates(TaskTemplates.load())
            .resources(store)
            .payments((task, subtask, payee, amount, at) -> {
              paid.add(HexFormat.of().formatHex(subtask));
              owed.merge(payee, amount, BigInteger::add);
            })
            .funds(cost -> {})
            .reputation(rep)
            .localComputer(local)
            .dataDir(dir.resolve("requestor"))
            .clock(clock)
            .build();
    closing.add(r);
    r.start();
    provider(nodes.get(1), false);
    provider(nodes.get(2), true);
    Address liar = nodes.get(2).id();

    // redundancy 1, every subtask recomputed by the requestor itself
    var task = r.create(gwasmTask(4, "{\"redundancy\": 1, \"recompute_fraction\": 1.0}"));
    time.until(
        WAIT,
        () -> r.task(task.idHex()).orElseThrow().state() == RequestorModel.TaskState.FINISHED,
        () -> "task finished");
    for (int i = 0; i < 4; i++) {
      assertThat(Files.readString(dir.resolve("out/s" + i + "/band.pgm")))
          .isEqualTo("band " + i + " of scene " + i);
    }
    assertThat(
            r.read(() ->
                r.task(task.idHex()).orElseThrow().subtasks().stream()
                    .allMatch(s -> s.recompute() && s.localDigest() != null)))
        .isTrue();
    assertThat(owed).doesNotContainKey(liar);
    assertThat(
            r.read(() ->
                r.task(task.idHex()).orElseThrow().subtasks().stream()
                    .flatMap(s -> s.assignments().stream())
                    .filter(a -> a.provider().equals(liar))
                    .map(a -> a.state())
                    .toList()))
        .isNotEmpty()
        .allSatisfy(st ->
            assertThat(st)
                .isIn(
                    RequestorModel.AssignmentState.REJECTED,
                    RequestorModel.AssignmentState.CANCELLED));
    assertThat(rep.counters(Reputation.Role.PROVIDER, liar).wrong()).isPositive();
  }

  /**
   * A verdict answers a report by itself: the result that decides its subtask at once gets no
   * AckReportComputedTask, only its acceptance; a result whose verdict waits longer than the
   * requestor's ack delay (redundancy 2, the other provider's result comes 3 s later) is
   * acknowledged in time for its provider not to report it again: when the ack delay is over, to
   * the millisecond.
   */
  @Test
  void aReportIsAcknowledgedOnlyWhenItsVerdictDoesNotFollowAtOnce() throws Exception {
    List<P2PNode> nodes = network(2);
    Map<Address, List<Long>> acks = new java.util.concurrent.ConcurrentHashMap<>();
    Map<Address, List<Long>> reports = new java.util.concurrent.ConcurrentHashMap<>();
    for (P2PNode p : nodes.subList(1, 3)) {
      p.network()
          .subscribe(
              org.jgolem.protocol.messages.MessageType.ACK_REPORT_COMPUTED_TASK,
              (peer, env) ->
                  acks.computeIfAbsent(p.id(), k -> new CopyOnWriteArrayList<>())
                      .add(clock.millis()));
    }
    nodes
        .get(0)
        .network()
        .subscribe(
            org.jgolem.protocol.messages.MessageType.REPORT_COMPUTED_TASK,
            (peer, env) ->
                reports
                    .computeIfAbsent(env.sender(), k -> new CopyOnWriteArrayList<>())
                    .add(clock.millis()));
    RequestorAgent requestor = requestor(nodes.get(0), new Reputation(Reputation.inMemory()));
    Address fast = nodes.get(1).id();
    Address slow = nodes.get(2).id();
    provider(nodes.get(1), new FakeWasm(false), 1);
    // the slow provider's work (fetch, compute, report) starts 3 s after it is given: its result
    // comes 3 s late
    provider(
        nodes.get(2),
        new FakeWasm(false),
        1,
        null,
        new AgentExecutors(time.lane(), time.lane(Duration.ofSeconds(3))));

    var task = requestor.create(gwasmTask(1, 2));
    time.until(WAIT, () -> reports.containsKey(fast), () -> "the fast provider reported");
    long reported = reports.get(fast).get(0);
    time.advance(
        Duration.ofMillis(reported + RequestorAgent.ACK_DELAY.toMillis() - 1 - clock.millis()));
    assertThat(acks.get(fast)).as("no ack 1 ms before the ack delay is over").isNull();
    time.advance(Duration.ofMillis(1));
    assertThat(acks.get(fast)).as("the ack when the ack delay is over").hasSize(1);
    assertThat(acks.get(fast).get(0) - reported).isEqualTo(RequestorAgent.ACK_DELAY.toMillis());
    time.until(
        WAIT,
        () ->
            requestor.task(task.idHex()).orElseThrow().state() == RequestorModel.TaskState.FINISHED,
        () -> "task finished");
    time.until(WAIT, () -> incomes.size() == 2, () -> "both providers told of their acceptance");
    assertThat(paid).hasSize(2);
    assertThat(acks.getOrDefault(slow, List.of()))
        .as("the deciding result: its acceptance answers it")
        .isEmpty();
    assertThat(acks.get(fast)).as("the result that waited for the other one").hasSize(1);
    assertThat(acks.get(fast).get(0) - reports.get(fast).get(0))
        .as("acknowledged after the ack delay")
        .isGreaterThanOrEqualTo(RequestorAgent.ACK_DELAY.toMillis() - 50);
    assertThat(reports.get(fast))
        .as("acknowledged before its provider would report again (2 s)")
        .hasSize(1);
    assertThat(reports.get(slow)).hasSize(1);
  }

  @Test
  void abortingStopsTheTaskAndWithdrawsItsHeader() throws Exception {
    List<P2PNode> nodes = network(1);
    RequestorAgent requestor = requestor(nodes.get(0), new Reputation(Reputation.inMemory()));
    // no provider agent: nobody computes
    var task = requestor.create(gwasmTask(2, 2));
    time.until(WAIT, () -> nodes.get(1).knownHeaders().size() == 1, () -> "header gossiped");
    assertThat(requestor.busy()).as("a task being computed").isTrue();
    requestor.abort(task.idHex());
    time.until(WAIT, () -> !requestor.busy(), () -> "no task being computed after the abort");
    assertThat(requestor.task(task.idHex()).orElseThrow().state())
        .isEqualTo(RequestorModel.TaskState.ABORTED);
    time.until(WAIT, () -> nodes.get(1).knownHeaders().isEmpty(), () -> "header withdrawn");
    assertThat(paid).isEmpty();
  }

  @Test
  void anOfferItsRequestorNeverAnswersStopsHoldingTheProvidersOnlySlot() throws Exception {
    // a requestor killed right after it read an offer never answers it; the provider (one slot)
    // must offer
    // again once the offer expires, or it would wait for that answer for ever (seen in
    // CrashedRequestorTest).
    // The five seconds pass on the fake clock, without waiting.
    List<P2PNode> nodes = network(1);
    P2PNode silent = nodes.get(0);
    P2PNode pn = nodes.get(1);
    List<Long> offers = new CopyOnWriteArrayList<>();
    silent
        .network()
        .subscribe(
            org.jgolem.protocol.messages.MessageType.WANT_TO_COMPUTE_TASK,
            (peer, env) -> offers.add(clock.millis()));
    provider(pn, new FakeWasm(false), 1);
    byte[] taskId = new byte[32];
    taskId[0] = 7;
    silent.publish(
        org.jgolem.protocol.messages.market.TaskHeader.signed(
            taskId,
            keyOf(silent),
            silent.self(),
            "wasm",
            "bafybeiprogram",
            BigInteger.TEN.pow(18),
            1,
            60,
            clock.millis() + 120_000,
            64,
            1,
            false,
            new org.jgolem.protocol.messages.MessageHasher(chainId)));
    time.until(
        WAIT, () -> !pn.knownHeaders().isEmpty(), () -> "the provider's node knows the task");

    // the provider considers the header it learnt, and offers
    time.until(WAIT, () -> offers.size() == 1, () -> "the first offer");
    long first = offers.get(0);
    while (clock.millis() < first + 4_800) {
      time.advance(Duration.ofMillis(200));
      assertThat(offers)
          .as("no second offer %d ms after the first", clock.millis() - first)
          .hasSize(1);
    }
    time.advance(Duration.ofMillis(200));
    time.until(WAIT, () -> offers.size() >= 2, () -> "a second offer; offers so far at " + offers);
    assertThat(offers.get(1) - offers.get(0))
        .as("the offer is repeated only once it expired (5 s)")
        .isGreaterThanOrEqualTo(4_500);
  }

  @Test
  void anAssignmentSavedButNeverDeliveredBeforeARestartIsSentAgainAndCompleted() throws Exception {
    // the requestor saves an assignment before sending its TaskToCompute; killed in between, the
    // provider never
    // gets it. Resumed, the requestor sends it again instead of waiting for the assignment's
    // deadline (minutes).
    List<P2PNode> nodes = network(1);
    P2PNode r = nodes.get(0);
    P2PNode p = nodes.get(1);
    RequestorDb persisted = requestorDb();
    var db = persisted.store();
    Reputation rep = persisted.rep();
    RequestorAgent first = started(requestor(r, rep, db));
    var task = first.create(gwasmTask(1, 1));
    time.until(WAIT, () -> !p.knownHeaders().isEmpty(), () -> "the provider's node knows the task");
    // an offer from the provider's node while no provider agent listens there: the TaskToCompute is
    // lost
    List<Object> lost = new CopyOnWriteArrayList<>();
    p.network()
        .subscribe(
            org.jgolem.protocol.messages.MessageType.TASK_TO_COMPUTE, (peer, env) -> lost.add(env));
    var want =
        new org.jgolem.protocol.messages.market.WantToComputeTask(
            task.header().taskId(),
            p.id(),
            BigInteger.TEN.pow(16),
            1,
            4,
            4096,
            p.self(),
            List.of("wasm"));
    var sent = p.network().peer(r.id()).orElseThrow().send(want);
    time.settle();
    assertThat(sent).isCompleted();
    time.until(
        WAIT,
        () ->
            first.task(task.idHex()).orElseThrow().subtasks().iterator().next().assignments().size()
                == 1,
        () -> "the subtask assigned");
    time.until(
        WAIT,
        () -> lost.size() == 1,
        () -> "the TaskToCompute delivered (and dropped) before the agent exists");
    first.close();

    ProviderAgent agent = provider(p, new FakeWasm(false), 1);
    RequestorAgent second = requestor(r, rep, db);
    assertThat(second.start()).isEqualTo(1);
    time.until(
        WAIT,
        () -> second.task(task.idHex()).orElseThrow().state() == RequestorModel.TaskState.FINISHED,
        () ->
            "the resumed task finished: "
                + second.task(task.idHex()).orElseThrow().subtasks().stream()
                    .map(s ->
                        s.name()
                            + "="
                            + s.state()
                            + s.assignments().stream().map(a -> a.state().name()).toList())
                    .toList()
                + "; provider jobs "
                + agent.jobs().size());
    var sub = second.task(task.idHex()).orElseThrow().subtasks().iterator().next();
    assertThat(sub.assignments())
        .as("the saved assignment itself was computed, not a new one")
        .hasSize(1)
        .allSatisfy(a -> assertThat(a.state()).isEqualTo(RequestorModel.AssignmentState.ACCEPTED));
    assertThat(paid).hasSize(1);
  }

  @Test
  void aProviderRestartedAfterReportingStillGetsTheVerdictAndExpectsItsIncome() throws Exception {
    Reported held = reportedAndHeld();
    P2PNode p = held.provider();
    var requestor = held.requestor();
    var jobs = held.jobs();
    var task = held.task();
    assertThat(jobs.jobs())
        .extracting(org.jgolem.node.market.provider.ProviderStore.JobRow::state)
        .containsExactly("REPORTED");
    held.first().close();

    ProviderAgent second = provider(p, new FakeWasm(false), 1, jobs);
    time.until(WAIT, () -> second.jobs().size() == 1, () -> "the reported job taken up again");
    held.workers().release();
    time.until(
        WAIT,
        () -> incomes.size() == 1,
        () ->
            "the income of the accepted result expected; jobs "
                + second.jobs().size()
                + ", task "
                + requestor.task(task.idHex()).orElseThrow().state());
    assertThat(paid).hasSize(1);
    time.until(
        WAIT, () -> jobs.jobs().isEmpty(), () -> "the settled job forgotten: " + jobs.jobs());
  }

  @Test
  void aProviderRestartedMidSubtaskTellsTheRequestorAtOnceInsteadOfLettingItWaitForTheDeadline()
      throws Exception {
    List<P2PNode> nodes = network(1);
    RequestorAgent requestor = requestor(nodes.get(0), new Reputation(Reputation.inMemory()));
    var database = org.jgolem.node.state.NodeDatabase.open(dir.resolve("provider-db"), clock);
    closing.add(database);
    var jobs = new org.jgolem.node.store.SqliteProviderStore(database, clock);
    java.util.concurrent.atomic.AtomicReference<ProviderAgent> running =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicBoolean stopped =
        new java.util.concurrent.atomic.AtomicBoolean();
    // stopped while computing
    running.set(
        provider(
            nodes.get(1),
            new HangingWasm(() -> {
              // inside the sandbox's start: the job is taken on and its sandbox starting (it shows
              // as COMPUTING once start has returned and the provider's loop has recorded the run)
              assertThat(running.get().jobs())
                  .as("taken on, its sandbox starting")
                  .singleElement()
                  .satisfies(j -> assertThat(j.state()).isEqualTo("FETCHING"));
              running.get().close();
              stopped.set(true);
            }),
            1,
            jobs));
    var task = requestor.create(gwasmTask(1, 1));
    time.until(WAIT, stopped::get, () -> "computing, then stopped");

    provider(nodes.get(1), new FakeWasm(false), 1, jobs);
    // the subtask's deadline is a minute away: only the restarted provider's word ends the first
    // attempt in time
    time.until(
        WAIT,
        () ->
            requestor.task(task.idHex()).orElseThrow().state() == RequestorModel.TaskState.FINISHED,
        () ->
            "finished: "
                + requestor.task(task.idHex()).orElseThrow().subtasks().stream()
                    .map(s ->
                        s.name()
                            + "="
                            + s.state()
                            + s.assignments().stream()
                                .map(a -> a.state() + " " + a.detail())
                                .toList())
                    .toList());
    var attempts =
        requestor.task(task.idHex()).orElseThrow().subtasks().iterator().next().assignments();
    assertThat(attempts).hasSize(2);
    assertThat(attempts.get(0).state()).isEqualTo(RequestorModel.AssignmentState.FAILED);
    assertThat(attempts.get(0).detail()).contains("the provider restarted while the subtask was");
    assertThat(attempts.get(1).state()).isEqualTo(RequestorModel.AssignmentState.ACCEPTED);
  }

  @Test
  void aTaskLargerThanWhatIsPublishedBeforeTheAnnouncementCompletesAndSavesEveryCid()
      throws Exception {
    // the first 8 subtasks' resources are published before the task is announced, the rest while
    // providers work
    List<P2PNode> nodes = network(3);
    var db = requestorDb().store();
    RequestorAgent requestor =
        started(requestor(nodes.get(0), new Reputation(Reputation.inMemory()), db));
    for (int i = 1; i <= 3; i++) provider(nodes.get(i), false);
    var task = requestor.create(gwasmTask(30, 1));
    time.until(
        WAIT,
        () ->
            requestor.task(task.idHex()).orElseThrow().state() == RequestorModel.TaskState.FINISHED,
        () ->
            "finished: "
                + requestor.task(task.idHex()).orElseThrow().accepted()
                + " of 30 accepted");
    for (int i = 0; i < 30; i++) {
      assertThat(Files.readString(dir.resolve("out/s" + i + "/band.pgm")))
          .isEqualTo("band " + i + " of scene " + i);
    }
    assertThat(paid).hasSize(30);
    assertThat(db.subtasks(task.idHex()))
        .hasSize(30)
        .allSatisfy(r -> assertThat(r.resourcesCid()).as(r.name()).isNotEmpty());
  }

  @Test
  void anAcceptanceLostWhileTheProviderWasDownIsSaidAgainUnchangedWhenItReportsAgain()
      throws Exception {
    Reported held = reportedAndHeld();
    P2PNode p = held.provider();
    var requestor = held.requestor();
    var jobs = held.jobs();
    var task = held.task();
    held.first().close(); // down: the acceptance about to be sent reaches nobody
    held.workers().release();
    time.until(WAIT, () -> paid.size() == 1, () -> "accepted");
    long acceptedAt =
        requestor.read(() ->
            requestor
                .task(task.idHex())
                .orElseThrow()
                .subtasks()
                .iterator()
                .next()
                .assignments()
                .get(0)
                .acceptedAt());
    assertThat(acceptedAt).isPositive();
    time.advance(
        Duration.ofMillis(
            1_100)); // a second later: a re-sent acceptance must still carry the first one's
    // payment_ts

    List<Long> expectedAt = new CopyOnWriteArrayList<>();
    var second =
        ProviderAgent.builder()
            .network(p.network())
            .gossip(p.gossip())
            .config(config())
            .computer(new TaskComputer(List.of(new FakeWasm(false))))
            .resources(store)
            .incomes((req, t, sub, amount, at) -> expectedAt.add(at))
            .reputation(new Reputation(Reputation.inMemory()))
            .dataDir(dir.resolve("provider-" + p.id()))
            .clock(clock)
            .capacity(1, 4, 4096)
            .store(jobs)
            .executors(time.executors())
            .build();
    closing.add(second);
    time.until(
        WAIT,
        () -> expectedAt.size() == 1,
        () -> "the income expected after the acceptance was said again");
    assertThat(expectedAt.get(0)).isEqualTo(acceptedAt / 1000 * 1000);
    assertThat(paid).as("paid once, whatever is said how often").hasSize(1);
    time.until(WAIT, () -> jobs.jobs().isEmpty(), () -> "the settled job forgotten");
  }

  /**
   * What a test does while a merge is under way (on the worker merging); it may end the merge with
   * an exception.
   */
  interface WhileMerging {
    void run() throws IOException;
  }

  /** The gWASM template with its merges counted; each merge runs {@code during} first. */
  static TaskTemplates countingMerges(AtomicInteger merges, WhileMerging during) {
    TaskTemplate gwasm = TaskTemplates.load().get("wasm").orElseThrow();
    return TaskTemplates.of(
        List.of(
            new TaskTemplate() {
              @Override
              public String type() {
                return gwasm.type();
              }

              @Override
              public TaskPlan plan(TaskFile file, Path staging) throws TaskFileException {
                return counted(gwasm.plan(file, staging));
              }

              @Override
              public TaskPlan plan(TaskFile file, Path staging, TaskContext context)
                  throws TaskFileException {
                return counted(gwasm.plan(file, staging, context));
              }

              TaskPlan counted(TaskPlan plan) {
                return new TaskPlan() {
                  @Override
                  public TaskFile file() {
                    return plan.file();
                  }

                  @Override
                  public List<PlannedSubtask> subtasks() {
                    return plan.subtasks();
                  }

                  @Override
                  public void prepare(PlannedSubtask subtask) throws IOException {
                    plan.prepare(subtask);
                  }

                  @Override
                  public TaskFile.Verification defaultVerification() {
                    return plan.defaultVerification();
                  }

                  @Override
                  public Verdict check(PlannedSubtask subtask, Path result) throws IOException {
                    return plan.check(subtask, result);
                  }

                  @Override
                  public Path merge(Map<String, Path> accepted) throws IOException {
                    merges.incrementAndGet();
                    during.run();
                    return plan.merge(accepted);
                  }
                };
              }
            }));
  }

  /**
   * A requestor stopped in the middle of merging a 3-subtask task: every subtask accepted, the task
   * computing.
   */
  record StoppedMidMerge(
      P2PNode node,
      Reputation rep,
      org.jgolem.node.market.requestor.RequestorStore db,
      TaskSnapshot task,
      List<Path> results) {}

  StoppedMidMerge stoppedMidMerge() throws Exception {
    List<P2PNode> nodes = network(1);
    RequestorDb persisted = requestorDb();
    var db = persisted.store();
    Reputation rep = persisted.rep();
    AtomicInteger firstMerges = new AtomicInteger();
    var agent = new java.util.concurrent.atomic.AtomicReference<RequestorAgent>();
    var created = new java.util.concurrent.atomic.AtomicReference<TaskSnapshot>();
    List<Path> results = new CopyOnWriteArrayList<>();
    // the merge began: the requestor is stopped in the middle of it
    RequestorAgent first =
        started(
            requestor(
                nodes.get(0),
                rep,
                db,
                countingMerges(
                    firstMerges,
                    () -> {
                      RequestorAgent a = agent.get();
                      String id = created.get().idHex();
                      assertThat(
                              a.read(() ->
                                  a.task(id).orElseThrow().subtasks().stream()
                                      .map(s -> s.state())
                                      .toList()))
                          .containsOnly(RequestorModel.SubtaskState.ACCEPTED)
                          .hasSize(3);
                      results.addAll(
                          a.read(() ->
                              a.task(id).orElseThrow().subtasks().stream()
                                  .map(s -> s.acceptedResult().result())
                                  .toList()));
                      a.close(); // mid-merge: the merge is interrupted (as closing interrupts
                      // it) and the task stays saved as computing
                      throw new java.io.InterruptedIOException("merge interrupted");
                    })));
    agent.set(first);
    provider(nodes.get(1), false);
    var task = first.create(gwasmTask(3, 1));
    created.set(task);
    time.until(WAIT, () -> firstMerges.get() == 1 && !results.isEmpty(), () -> "the merge began");
    return new StoppedMidMerge(nodes.get(0), rep, db, task, List.copyOf(results));
  }

  /**
   * Resumes the stopped requestor (merges counted, not held) until the task finishes; returns the
   * merge count.
   */
  int resumeToTheEnd(StoppedMidMerge stopped) throws Exception {
    AtomicInteger merges = new AtomicInteger();
    RequestorAgent second =
        requestor(stopped.node(), stopped.rep(), stopped.db(), countingMerges(merges, () -> {}));
    assertThat(second.start()).isEqualTo(1);
    String id = stopped.task().idHex();
    time.until(
        WAIT,
        () -> second.task(id).orElseThrow().state() != RequestorModel.TaskState.COMPUTING,
        () -> "resumed task ended");
    assertThat(second.task(id).orElseThrow().state())
        .as(second.read(() -> second.task(id).orElseThrow().detail()))
        .isEqualTo(RequestorModel.TaskState.FINISHED);
    second.close(); // waits for its workers: a second merge, had one been started, has run by now
    for (int i = 0; i < 3; i++) {
      assertThat(Files.readString(dir.resolve("out/s" + i + "/band.pgm")))
          .isEqualTo("band " + i + " of scene " + i);
    }
    return merges.get();
  }

  @Test
  void aTaskWithEverySubtaskAcceptedIsMergedOnceWhenTheRequestorResumesIt() throws Exception {
    // a requestor stopped while merging leaves a task whose subtasks are all accepted; on resume,
    // each subtask's
    // decision used to start a merge of its own, a later one rewriting the output under the first
    StoppedMidMerge stopped = stoppedMidMerge();
    // small results were checked in memory: the stopped requestor left none on disk, the resumed
    // one writes them there
    // from their content ids for its merge
    assertThat(stopped.results()).allSatisfy(r -> assertThat(r).doesNotExist());
    assertThat(resumeToTheEnd(stopped)).as("merges of the resumed task").isEqualTo(1);
    for (int i = 0; i < 3; i++) {
      assertThat(Files.readString(stopped.results().get(i).resolve("band.pgm")))
          .isEqualTo("band " + i + " of scene " + i);
    }
  }

  @Test
  void
      smallResultsAreCheckedAndMergedFromMemoryAndFreedWhenTheTaskEndsAndARestartedTaskMergesThemAgain()
          throws Exception {
    List<P2PNode> nodes = network(2);
    RequestorAgent requestor = requestor(nodes.get(0), new Reputation(Reputation.inMemory()));
    provider(nodes.get(1), false);
    provider(nodes.get(2), false);
    var task = requestor.create(gwasmTask(4, 2));
    time.until(
        WAIT,
        () ->
            requestor.task(task.idHex()).orElseThrow().state() == RequestorModel.TaskState.FINISHED,
        () -> "task finished");
    for (int i = 0; i < 4; i++) {
      assertThat(Files.readString(dir.resolve("out/s" + i + "/band.pgm")))
          .isEqualTo("band " + i + " of scene " + i);
    }
    List<AssignmentSnapshot> accepted =
        requestor.read(() ->
            requestor.task(task.idHex()).orElseThrow().subtasks().stream()
                .flatMap(s -> s.assignments().stream())
                .filter(a -> a.state() == RequestorModel.AssignmentState.ACCEPTED)
                .toList());
    assertThat(accepted)
        .hasSize(8)
        .allSatisfy(a -> {
          assertThat(a.inMemory()).as("freed when the task ended").isFalse();
          assertThat(a.result()).as("never written to the disk").doesNotExist();
        });

    // the output is removed and the task restarted (nothing to compute again): its accepted
    // results, freed from
    // memory, are written from their content ids and merged again
    org.jgolem.ipfs.FileTrees.delete(dir.resolve("out"));
    requestor.restart(task.idHex());
    time.until(
        WAIT,
        () ->
            Files.isRegularFile(dir.resolve("out/s3/band.pgm"))
                && requestor.task(task.idHex()).orElseThrow().state()
                    == RequestorModel.TaskState.FINISHED,
        () ->
            "restarted task finished: "
                + requestor.read(() -> requestor.task(task.idHex()).orElseThrow().detail()));
    for (int i = 0; i < 4; i++) {
      assertThat(Files.readString(dir.resolve("out/s" + i + "/band.pgm")))
          .isEqualTo("band " + i + " of scene " + i);
    }

    // one subtask computed again: the others' results come from the disk copies the merge wrote
    requestor.restartSubtask(task.idHex(), "s1");
    time.until(
        WAIT,
        () ->
            requestor.task(task.idHex()).orElseThrow().state() == RequestorModel.TaskState.FINISHED
                && requestor.read(() ->
                    requestor.task(task.idHex()).orElseThrow().subtask("s1").orElseThrow().state()
                        == RequestorModel.SubtaskState.ACCEPTED),
        () ->
            "task with s1 restarted finished: "
                + requestor.read(() -> requestor.task(task.idHex()).orElseThrow().detail()));
    assertThat(Files.readString(dir.resolve("out/s1/band.pgm"))).isEqualTo("band 1 of scene 1");
    assertThat(Files.readString(dir.resolve("out/s2/band.pgm"))).isEqualTo("band 2 of scene 2");
  }

  @Test
  void resultFoldersLostOrDamagedBeforeTheMergeAreWrittenAgainFromTheirContentIds()
      throws Exception {
    // a result folder is a scratch copy (not synced): a crash of the machine can take it, but not
    // the result itself
    resultsInMemoryUpTo = 0; // copies on disk, as larger results are
    StoppedMidMerge stopped = stoppedMidMerge();
    org.jgolem.ipfs.FileTrees.delete(stopped.results().get(0));
    Files.writeString(stopped.results().get(1).resolve("band.pgm"), "half a ban");
    Object intact = fileKey(stopped.results().get(2).resolve("band.pgm"));

    assertThat(resumeToTheEnd(stopped)).isEqualTo(1);
    assertThat(Files.readString(stopped.results().get(0).resolve("band.pgm")))
        .isEqualTo("band 0 of scene 0");
    assertThat(Files.readString(stopped.results().get(1).resolve("band.pgm")))
        .isEqualTo("band 1 of scene 1");
    assertThat(fileKey(stopped.results().get(2).resolve("band.pgm")))
        .as("an intact folder is left as it is")
        .isEqualTo(intact);
  }

  static Object fileKey(Path p) throws IOException {
    return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
  }

  @Test
  void withConcentOnBothAgentsKeepTheEvidenceAndAskConcentNothingWhenAllIsWell() throws Exception {
    List<P2PNode> nodes = network(1);
    P2PNode r = nodes.get(0);
    P2PNode p = nodes.get(1);
    ConcentFixture.FakePort port = new ConcentFixture.FakePort();
    ConcentFixture.MemoryStores kept = new ConcentFixture.MemoryStores();
    ConcentFixture.MemoryStores keptByProvider = new ConcentFixture.MemoryStores();
    MessageCodec codec = new MessageCodec(chainId, 1 << 20);
    RequestorConcent rc =
        new RequestorConcent(
            port, kept, kept, codec, r.id(), clock, h -> true, time.lane(), Windows.golem());
    ProviderConcent pc =
        new ProviderConcent(
            port,
            keptByProvider,
            keptByProvider,
            codec,
            p.id(),
            clock,
            time.lane(),
            Windows.golem(),
            h -> true);
    var requestor =
        RequestorAgent.builder()
            .key(keyOf(r))
            .network(r.network())
            .gossip(r.gossip())
            .config(config())
            .templates(TaskTemplates.load())
            .resources(store)
            .payments(
                (task, subtask, payee, amount, at) -> paid.add(HexFormat.of().formatHex(subtask)))
            .funds(cost -> {})
            .reputation(new Reputation(Reputation.inMemory()))
            .dataDir(dir.resolve("requestor"))
            .clock(clock)
            .executors(time.executors())
            .concent(ConcentPolicy.off(), rc)
            .build();
    closing.add(requestor);
    requestor.start();
    var provider =
        ProviderAgent.builder()
            .network(p.network())
            .gossip(p.gossip())
            .config(config())
            .computer(new TaskComputer(List.of(new FakeWasm(false))))
            .resources(store)
            .incomes((req, task, subtask, amount, at) -> incomes.add(p.id() + ":" + amount))
            .reputation(new Reputation(Reputation.inMemory()))
            .dataDir(dir.resolve("provider-" + p.id()))
            .clock(clock)
            .capacity(2, 4, 4096)
            .executors(time.executors())
            .concent(ConcentPolicy.off(), pc)
            .build();
    closing.add(provider);

    var task = requestor.create(gwasmTask(2, 1));
    time.until(
        WAIT,
        () ->
            requestor.task(task.idHex()).orElseThrow().state() == RequestorModel.TaskState.FINISHED,
        () -> "task finished");
    time.until(WAIT, () -> incomes.size() == 2, () -> "the provider recorded its incomes");

    for (var a : requestor.task(task.idHex()).orElseThrow().assignments()) {
      assertThat(kept.all(a.id()))
          .containsKeys(
              MessageType.TASK_TO_COMPUTE,
              MessageType.REPORT_COMPUTED_TASK,
              MessageType.SUBTASK_RESULTS_ACCEPTED);
      assertThat(keptByProvider.all(a.id()))
          .containsKeys(
              MessageType.TASK_TO_COMPUTE,
              MessageType.REPORT_COMPUTED_TASK,
              MessageType.SUBTASK_RESULTS_ACCEPTED);
      // both keep the very frames exchanged: the requestor's TaskToCompute, the provider's report
      assertThat(keptByProvider.get(a.id(), MessageType.TASK_TO_COMPUTE))
          .hasValue(kept.get(a.id(), MessageType.TASK_TO_COMPUTE).orElseThrow());
      assertThat(kept.get(a.id(), MessageType.REPORT_COMPUTED_TASK))
          .hasValue(keptByProvider.get(a.id(), MessageType.REPORT_COMPUTED_TASK).orElseThrow());
    }
    // the requestor answered in time: past every window, nothing was asked of Concent
    clock.advance(Duration.ofHours(6));
    time.settle();
    assertThat(port.sent).isEmpty();
    assertThat(kept.all()).isEmpty();
    assertThat(keptByProvider.all()).isEmpty();
  }

  @Test
  void aRequestorThatNeverDecidesIsForcedAndConcentsAcceptanceIsExpectedFromTheDeposit()
      throws Exception {
    List<P2PNode> nodes = network(1);
    P2PNode r = nodes.get(0);
    P2PNode p = nodes.get(1);
    MarketTime.Lane workers = time.lane();
    workers.hold(); // the requestor acknowledges the report, and never decides
    var requestor =
        RequestorAgent.builder()
            .key(keyOf(r))
            .network(r.network())
            .gossip(r.gossip())
            .config(config())
            .templates(TaskTemplates.load())
            .resources(store)
            .payments(
                (task, subtask, payee, amount, at) -> paid.add(HexFormat.of().formatHex(subtask)))
            .funds(cost -> {})
            .reputation(new Reputation(Reputation.inMemory()))
            .dataDir(dir.resolve("requestor"))
            .clock(clock)
            .executors(new AgentExecutors(time.lane(), workers))
            .build();
    closing.add(requestor);
    requestor.start();
    ConcentFixture.FakePort port = new ConcentFixture.FakePort();
    ConcentFixture.MemoryStores kept = new ConcentFixture.MemoryStores();
    ProviderConcent pc =
        new ProviderConcent(
            port,
            kept,
            kept,
            new MessageCodec(chainId, 1 << 20),
            p.id(),
            clock,
            time.lane(),
            Windows.golem(),
            h -> true);
    List<Address> payers = new CopyOnWriteArrayList<>();
    var provider =
        ProviderAgent.builder()
            .network(p.network())
            .gossip(p.gossip())
            .config(config())
            .computer(new TaskComputer(List.of(new FakeWasm(false))))
            .resources(store)
            .incomes((req, task, subtask, amount, at) -> payers.add(req))
            .reputation(new Reputation(Reputation.inMemory()))
            .dataDir(dir.resolve("provider-" + p.id()))
            .clock(clock)
            .capacity(1, 4, 4096)
            .executors(time.executors())
            .concent(ConcentPolicy.off(), pc)
            .build();
    closing.add(provider);

    // the task outlives the forced verdict's window (its subtask's deadline is a minute away)
    Path file = gwasmTask(1, 1);
    Files.writeString(
        file,
        Files.readString(file).replace("\"timeout\": \"0:05:00\"", "\"timeout\": \"2:00:00\""));
    requestor.create(file);
    time.until(WAIT, () -> workers.heldCount() > 0, () -> "the result reported");
    var job = provider.jobs().get(0);
    time.until(
        WAIT,
        () -> kept.get(job.subtaskId(), MessageType.ACK_REPORT_COMPUTED_TASK).isPresent(),
        () -> "the requestor's ack kept");
    assertThat(port.sent).isEmpty(); // acknowledged: no report is forced

    // past deadline + SVT + 1 s (SVT, Golem's: about 20 minutes here), and no verdict
    clock.set(job.deadline() + Duration.ofMinutes(30).toMillis());
    time.settle();
    assertThat(port.sent).singleElement().isInstanceOf(ForceSubtaskResults.class);
    assertThat(((ForceSubtaskResults) port.sent.get(0)).ack())
        .isEqualTo(kept.get(job.subtaskId(), MessageType.ACK_REPORT_COMPUTED_TASK).orElseThrow());
    assertThat(kept.state(job.subtaskId())).isEqualTo(ConcentState.FORCING_ACCEPTANCE);

    // Concent accepts in the silent requestor's place: the income is the deposit contract's
    ConcentFixture concent = new ConcentFixture();
    BigInteger amount = job.price();
    assertThat(
            pc.handle(
                concent.fromConcent(
                    new ForceSubtaskResultsResponse(
                        HexFormat.of().parseHex(job.subtaskId()),
                        new MessageCodec(chainId, 1 << 20)
                            .decode(
                                kept.get(job.subtaskId(), MessageType.REPORT_COMPUTED_TASK)
                                    .orElseThrow())
                            .payload(org.jgolem.protocol.messages.market.ReportComputedTask.class)
                            .structHash(),
                        ForceSubtaskResultsResponse.Outcome.ACCEPTED_BY_CONCENT,
                        amount,
                        new byte[0]))))
        .isTrue();
    time.settle();
    assertThat(payers).containsExactly(deposit);
    assertThat(provider.jobs()).isEmpty();
    assertThat(kept.get(job.subtaskId()).orElseThrow().label())
        .isEqualTo("ACCEPTED_BY_CONCENT(" + amount + " wei)");
    workers.release();
  }
}
