package org.jgolem.node.market;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jgolem.compute.TaskComputer;
import org.jgolem.eth.Address;
import org.jgolem.node.P2PNode;
import org.jgolem.node.concent.ConcentMode;
import org.jgolem.node.concent.ConcentPolicy;
import org.jgolem.node.concent.FakeDeposits;
import org.jgolem.node.fixtures.Headers;
import org.jgolem.node.market.provider.ProviderAgent;
import org.jgolem.node.market.requestor.InsufficientDepositException;
import org.jgolem.node.market.requestor.RequestorAgent;
import org.jgolem.node.reputation.Reputation;
import org.jgolem.protocol.messages.MessageHasher;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.tasks.TaskTemplates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deposit rules in the market, on {@link MarketFlowTest}'s in-memory network and fake time,
 * with deposits in memory ({@link FakeDeposits}): a requestor announces a task with Concent only
 * when its own deposit backs it; a provider offers for one only once the requestor's deposit, read
 * and kept briefly, backs it; a node with Concent off behaves as before and reads no deposit.
 */
@Timeout(120)
class ConcentMarketTest {
  static final BigInteger GNT = BigInteger.TEN.pow(18);

  /** The market fixture: nodes, fake time, the folder store. */
  final MarketFlowTest market = new MarketFlowTest();

  final FakeDeposits deposits = new FakeDeposits();
  final List<TaskHeader> offeredFor = new CopyOnWriteArrayList<>();

  @TempDir Path dir;

  @BeforeEach
  void setUp() {
    market.dir = dir;
  }

  @AfterEach
  void tearDown() throws Exception {
    market.tearDown();
  }

  ProviderAgent provider(P2PNode node, ConcentMode mode) {
    var p =
        ProviderAgent.builder()
            .network(node.network())
            .gossip(node.gossip())
            .config(market.config())
            .computer(new TaskComputer(List.of(new MarketFlowTest.FakeWasm(false))))
            .resources(market.store)
            .incomes((req, task, subtask, amount, at) -> {})
            .reputation(new Reputation(Reputation.inMemory()))
            .dataDir(dir.resolve("provider-" + node.id()))
            .clock(market.clock)
            .capacity(1, 4, 4096)
            .executors(market.time.executors())
            .concent(new ConcentPolicy(mode, deposits), null)
            .build();
    market.closing.add(p);
    return p;
  }

  RequestorAgent requestor(P2PNode node, ConcentMode mode) {
    return requestor(node, mode, null);
  }

  RequestorAgent requestor(
      P2PNode node, ConcentMode mode, org.jgolem.node.market.requestor.RequestorStore db) {
    var r =
        RequestorAgent.builder()
            .key(market.keyOf(node))
            .network(node.network())
            .gossip(node.gossip())
            .config(market.config())
            .templates(TaskTemplates.load())
            .resources(market.store)
            .payments((task, subtask, payee, amount, at) -> {})
            .funds(cost -> {})
            .reputation(new Reputation(Reputation.inMemory()))
            .dataDir(dir.resolve("requestor"))
            .clock(market.clock)
            .store(db)
            .executors(market.time.executors())
            .concent(new ConcentPolicy(mode, deposits), null)
            .build();
    market.closing.add(r);
    r.start();
    return r;
  }

  /** A requestor that only announces (headers signed here) and records the offers it gets. */
  P2PNode silentRequestor(List<P2PNode> nodes) {
    P2PNode silent = nodes.get(0);
    silent
        .network()
        .subscribe(
            MessageType.WANT_TO_COMPUTE_TASK,
            (peer, env) -> {
              byte[] id =
                  ((org.jgolem.protocol.messages.market.WantToComputeTask) env.payload()).taskId();
              silent.knownHeaders().stream()
                  .filter(h -> java.util.Arrays.equals(h.taskId(), id))
                  .forEach(offeredFor::add);
            });
    return silent;
  }

  /**
   * Task {@code n}: 1 GNT an hour, 2 subtasks of 60 s: at most 1/30 GNT, so 1/15 GNT of deposit.
   */
  TaskHeader header(P2PNode silent, int n, boolean concent) {
    byte[] id = new byte[32];
    id[0] = (byte) n;
    return TaskHeader.signed(
        id,
        market.keyOf(silent),
        silent.self(),
        "wasm",
        "bafybeiprogram",
        GNT,
        2,
        60,
        market.clock.millis() + 600_000,
        64,
        1,
        concent,
        new MessageHasher(market.chainId));
  }

  TaskHeader announce(P2PNode silent, int n, boolean concent) {
    TaskHeader h = header(silent, n, concent);
    silent.publish(h);
    return h;
  }

  static final BigInteger HEADER_NEEDS = new BigInteger("66666666666666664"); // 2 × 2 × ⌊1/60 GNT⌋

  void waitQuietly(Duration d) {
    market.time.advance(d);
  }

  @Test
  void aProviderOffersOnlyOnceTheRequestorsDepositIsLockedAndLargeEnough() {
    List<P2PNode> nodes = market.network(1);
    P2PNode silent = silentRequestor(nodes);
    Address requestor = silent.id();
    assertThat(Pricing.maxTaskCost(header(silent, 0, true))).isEqualTo(HEADER_NEEDS.shiftRight(1));
    deposits.set(requestor, GNT, 1_700_086_400L); // plenty, but being withdrawn
    provider(nodes.get(1), ConcentMode.OPTIONAL);
    TaskHeader h = announce(silent, 1, true);
    market.time.until(
        MarketFlowTest.WAIT, () -> deposits.reads.get() > 0, () -> "the deposit read");
    waitQuietly(Duration.ofSeconds(9));
    assertThat(offeredFor).as("no offer while the deposit is being withdrawn").isEmpty();
    int reads = deposits.reads.get();
    assertThat(reads).as("read once, then trusted for 10 s").isEqualTo(1);

    // locked again, but one wei short of twice the task's maximum cost
    deposits.set(requestor, HEADER_NEEDS.subtract(BigInteger.ONE), 0);
    waitQuietly(Duration.ofSeconds(12));
    assertThat(deposits.reads.get()).isGreaterThan(reads);
    assertThat(offeredFor).as("no offer for a deposit one wei short").isEmpty();

    deposits.set(requestor, HEADER_NEEDS, 0);
    market.time.until(
        MarketFlowTest.WAIT,
        () -> !offeredFor.isEmpty(),
        () -> "an offer once the deposit backs the task");
    assertThat(offeredFor.get(0).taskId()).isEqualTo(h.taskId());
  }

  @Test
  void aProviderWithConcentOffTakesTasksWithConcentAsBeforeAndReadsNoDeposit() {
    List<P2PNode> nodes = market.network(1);
    P2PNode silent = silentRequestor(nodes);
    // no deposit at all
    provider(nodes.get(1), ConcentMode.OFF);
    announce(silent, 1, true);
    market.time.until(MarketFlowTest.WAIT, () -> !offeredFor.isEmpty(), () -> "an offer");
    assertThat(deposits.reads).hasValue(0);
  }

  @Test
  void aProviderWithConcentRequiredTakesOnlyTasksWithConcent() {
    List<P2PNode> nodes = market.network(1);
    P2PNode silent = silentRequestor(nodes);
    deposits.set(silent.id(), GNT, 0);
    provider(nodes.get(1), ConcentMode.REQUIRED);
    announce(silent, 1, false);
    market.time.until(
        MarketFlowTest.WAIT, () -> nodes.get(1).knownHeaders().size() == 1, () -> "header known");
    waitQuietly(Duration.ofSeconds(5));
    assertThat(offeredFor).as("no offer for a task without Concent").isEmpty();
    assertThat(deposits.reads).hasValue(0);
    TaskHeader with = announce(silent, 2, true);
    market.time.until(MarketFlowTest.WAIT, () -> !offeredFor.isEmpty(), () -> "an offer");
    assertThat(offeredFor).extracting(TaskHeader::concentEnabled).containsOnly(true);
    assertThat(offeredFor.get(0).taskId()).isEqualTo(with.taskId());
  }

  /** The fixture's one-subtask gWASM task (1 GNT an hour, 60 s), asking for Concent or not. */
  Path task(boolean asksForConcent) throws IOException {
    Path file = market.gwasmTask(1, 1);
    if (asksForConcent) {
      Files.writeString(
          file,
          Files.readString(file)
              .replaceFirst("\\{\"type\"", "{\"concent_enabled\": true, \"type\""));
    }
    return file;
  }

  static final BigInteger TASK_NEEDS = new BigInteger("33333333333333332"); // 2 × 1/60 GNT

  @Test
  void aRequestorAnnouncesATaskWithConcentOnlyWhenItsOwnDepositBacksIt() throws Exception {
    List<P2PNode> nodes = market.network(1);
    P2PNode node = nodes.get(0);
    RequestorAgent requestor = requestor(node, ConcentMode.OPTIONAL);
    deposits.set(node.id(), TASK_NEEDS.subtract(BigInteger.ONE), 0);
    assertThatThrownBy(() -> requestor.create(task(true)))
        .isInstanceOf(InsufficientDepositException.class)
        .hasMessageContaining("the Concent deposit of " + node.id())
        .hasMessageContaining("0.033333333333333331 GNT")
        .hasMessageContaining("below the 0.033333333333333332 GNT")
        .hasMessageContaining("'golem concent deposit 0.000000000000000001'");
    deposits.set(node.id(), TASK_NEEDS, 1_700_086_400L);
    assertThatThrownBy(() -> requestor.create(task(true)))
        .isInstanceOf(InsufficientDepositException.class)
        .hasMessageContaining("being withdrawn");
    assertThat(requestor.tasks()).as("nothing started").isEmpty();

    deposits.set(node.id(), TASK_NEEDS, 0);
    var t = requestor.create(task(true));
    assertThat(t.header().concentEnabled()).isTrue();
    market.time.until(
        MarketFlowTest.WAIT,
        () -> nodes.get(1).knownHeaders().stream().anyMatch(TaskHeader::concentEnabled),
        () -> "the header with Concent gossiped");
    // a task file without the flag: no deposit needed
    deposits.set(node.id(), BigInteger.ZERO, 0);
    assertThat(requestor.create(task(false)).header().concentEnabled()).isFalse();
  }

  @Test
  void aRequestorWithConcentOffIgnoresTheTaskFilesRequestAndOneWithItRequiredAlwaysUsesIt()
      throws Exception {
    List<P2PNode> nodes = market.network(1);
    RequestorAgent off = requestor(nodes.get(0), ConcentMode.OFF);
    assertThat(off.create(task(true)).header().concentEnabled()).isFalse();
    assertThat(deposits.reads).as("off reads no deposit").hasValue(0);

    RequestorAgent required = requestor(nodes.get(1), ConcentMode.REQUIRED);
    assertThatThrownBy(() -> required.create(task(false)))
        .isInstanceOf(InsufficientDepositException.class)
        .hasMessageContaining("this node's concent setting is required");
    deposits.set(nodes.get(1).id(), TASK_NEEDS, 0);
    assertThat(required.create(task(false)).header().concentEnabled()).isTrue();
  }

  @Test
  void aStoredHeaderWhoseSignatureNoLongerChecksIsSignedAgainWhenTheTaskResumes() throws Exception {
    // a header stored before headers carried concentEnabled no longer checks under the current
    // type; the resumed requestor announces its terms signed again (here: a damaged signature)
    List<P2PNode> nodes = market.network(1);
    var store = market.requestorDb().store();
    RequestorAgent first = requestor(nodes.get(0), ConcentMode.OFF, store);
    var task = first.create(task(false));
    TaskHeader good = task.header();
    first.close();
    var row = store.tasks().get(0);
    byte[] sig = good.signature();
    sig[5] ^= 1;
    TaskHeader stale = Headers.withSignature(good, sig);
    MessageHasher hasher = new MessageHasher(market.chainId);
    assertThat(stale.hasValidAuthorSignature(hasher)).isFalse();
    store.save(
        new org.jgolem.node.market.requestor.RequestorStore.TaskRow(
            row.id(),
            row.taskFile(),
            row.workDir(),
            row.state(),
            row.detail(),
            row.createdAt(),
            stale,
            row.output()),
        store.subtasks(row.id()),
        store.assignments(row.id()));

    RequestorAgent second = requestor(nodes.get(0), ConcentMode.OFF, store);
    TaskHeader resumed = second.task(task.idHex()).orElseThrow().header();
    assertThat(resumed.hasValidAuthorSignature(hasher)).isTrue();
    assertThat(resumed).as("the same terms, signed as before (RFC 6979)").isEqualTo(good);
  }

  @Test
  void aTaskWithConcentIsRestartedOnlyWhileItsDepositStillBacksIt() throws Exception {
    List<P2PNode> nodes = market.network(1);
    P2PNode node = nodes.get(0);
    RequestorAgent requestor = requestor(node, ConcentMode.OPTIONAL);
    deposits.set(node.id(), TASK_NEEDS, 0);
    var task = requestor.create(task(true));
    requestor.abort(task.idHex());
    deposits.set(node.id(), TASK_NEEDS, 1_700_086_400L);
    assertThatThrownBy(() -> requestor.restart(task.idHex()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("being withdrawn");
    assertThat(requestor.task(task.idHex()).orElseThrow().state())
        .isEqualTo(org.jgolem.node.market.requestor.RequestorModel.TaskState.ABORTED);
    deposits.set(node.id(), TASK_NEEDS, 0);
    var again = requestor.restart(task.idHex());
    assertThat(again.state())
        .isEqualTo(org.jgolem.node.market.requestor.RequestorModel.TaskState.COMPUTING);
    assertThat(again.header().concentEnabled()).isTrue();
  }

  @Test
  void anOptionalRequestorKeepsEvidenceOnlyForTheAssignmentsOfItsTasksAnnouncedWithConcent()
      throws Exception {
    List<P2PNode> nodes = market.network(1);
    P2PNode node = nodes.get(0);
    deposits.set(node.id(), TASK_NEEDS.multiply(BigInteger.TEN), 0);
    var port = new org.jgolem.node.concent.ConcentFixture.FakePort();
    var kept = new org.jgolem.node.concent.ConcentFixture.MemoryStores();
    var rc =
        new org.jgolem.node.concent.RequestorConcent(
            port,
            kept,
            kept,
            new org.jgolem.protocol.messages.codec.MessageCodec(market.chainId, 1 << 20),
            node.id(),
            market.clock,
            TaskHeader::concentEnabled, // as the daemon assembles it
            market.time.lane(),
            org.jgolem.concent.time.Windows.golem());
    var requestor =
        RequestorAgent.builder()
            .key(market.keyOf(node))
            .network(node.network())
            .gossip(node.gossip())
            .config(market.config())
            .templates(TaskTemplates.load())
            .resources(market.store)
            .payments((task, subtask, payee, amount, at) -> {})
            .funds(cost -> {})
            .reputation(new Reputation(Reputation.inMemory()))
            .dataDir(dir.resolve("requestor"))
            .clock(market.clock)
            .executors(market.time.executors())
            .concent(new ConcentPolicy(ConcentMode.OPTIONAL, deposits), rc)
            .build();
    market.closing.add(requestor);
    requestor.start();
    provider(nodes.get(1), ConcentMode.OPTIONAL);

    var on = requestor.create(task(true));
    var off = requestor.create(task(false));
    assertThat(on.header().concentEnabled()).isTrue();
    assertThat(off.header().concentEnabled()).isFalse();
    for (var t : List.of(on, off)) {
      market.time.until(
          MarketFlowTest.WAIT,
          () ->
              requestor.task(t.idHex()).orElseThrow().state()
                  == org.jgolem.node.market.requestor.RequestorModel.TaskState.FINISHED,
          () -> "task " + t.idHex() + " finished");
    }
    var withConcent = requestor.task(on.idHex()).orElseThrow().assignments();
    var without = requestor.task(off.idHex()).orElseThrow().assignments();
    assertThat(withConcent).isNotEmpty();
    assertThat(without).isNotEmpty();
    for (var a : withConcent) {
      assertThat(kept.all(a.id()))
          .as("the Concent task's assignment %s", a.id())
          .containsKeys(MessageType.TASK_TO_COMPUTE, MessageType.SUBTASK_RESULTS_ACCEPTED);
    }
    for (var a : without) {
      assertThat(kept.all(a.id())).as("the other task's assignment %s", a.id()).isEmpty();
    }
    assertThat(port.sent).isEmpty();
  }
}
