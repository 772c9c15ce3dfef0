package org.jgolem.node.market;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jgolem.compute.TaskComputer;
import org.jgolem.concent.time.Windows;
import org.jgolem.eth.Address;
import org.jgolem.node.P2PNode;
import org.jgolem.node.concent.ConcentFixture;
import org.jgolem.node.concent.ConcentPolicy;
import org.jgolem.node.concent.ConcentState;
import org.jgolem.node.concent.ProviderConcent;
import org.jgolem.node.concent.RequestorConcent;
import org.jgolem.node.market.provider.JobSnapshot;
import org.jgolem.node.market.provider.ProviderAgent;
import org.jgolem.node.market.requestor.RequestorAgent;
import org.jgolem.node.reputation.Reputation;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.concent.ForceGetTaskResult;
import org.jgolem.protocol.messages.concent.ForceReportComputedTaskResponse;
import org.jgolem.protocol.messages.concent.ForceSubtaskResults;
import org.jgolem.protocol.messages.concent.ForceSubtaskResultsResponse;
import org.jgolem.protocol.messages.concent.SettlementMade;
import org.jgolem.protocol.messages.market.AckReportComputedTask;
import org.jgolem.protocol.messages.market.RejectReportComputedTask;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.jgolem.protocol.messages.market.SubtaskResultsRejected;
import org.jgolem.tasks.TaskTemplates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Concent relays between the agents, on {@link MarketFlowTest}'s in-memory network and fake
 * time, with the test playing Concent through {@link ConcentFixture.FakePort}: a verdict relayed to
 * the provider ends its job at once; a forced verdict relayed to an undecided requestor makes it
 * decide now and answer Concent.
 */
@Timeout(120)
class ConcentRelaysTest {
  /** The market fixture: nodes, fake time, the folder store. */
  final MarketFlowTest market = new MarketFlowTest();

  @TempDir Path dir;

  final ConcentFixture concent = new ConcentFixture();
  final ConcentFixture.FakePort port = new ConcentFixture.FakePort();
  final ConcentFixture.MemoryStores kept = new ConcentFixture.MemoryStores();
  MessageCodec codec;

  @BeforeEach
  void setUp() {
    market.dir = dir;
    codec = new MessageCodec(market.chainId, 1 << 20);
  }

  @AfterEach
  void tearDown() throws Exception {
    market.tearDown();
  }

  /** A requestor whose workers are held (it acknowledges reports and never decides). */
  RequestorAgent silentRequestor(P2PNode r, MarketTime.Lane workers) {
    var requestor =
        RequestorAgent.builder()
            .key(market.keyOf(r))
            .network(r.network())
            .gossip(r.gossip())
            .config(market.config())
            .templates(TaskTemplates.load())
            .resources(market.store)
            .payments((task, subtask, payee, amount, at) -> {})
            .funds(cost -> {})
            .reputation(new Reputation(Reputation.inMemory()))
            .dataDir(dir.resolve("requestor"))
            .clock(market.clock)
            .executors(new AgentExecutors(market.time.lane(), workers))
            .build();
    market.closing.add(requestor);
    requestor.start();
    return requestor;
  }

  /** A provider with its side of Concent on, its incomes written to {@code payers}. */
  ProviderAgent provider(P2PNode p, ProviderConcent pc, List<Address> payers) {
    return provider(p, pc, (req, task, subtask, amount, at) -> payers.add(req));
  }

  ProviderAgent provider(P2PNode p, ProviderConcent pc, IncomeRecorder incomes) {
    var provider =
        ProviderAgent.builder()
            .network(p.network())
            .gossip(p.gossip())
            .config(market.config())
            .computer(new TaskComputer(List.of(new MarketFlowTest.FakeWasm(false))))
            .resources(market.store)
            .incomes(incomes)
            .reputation(new Reputation(Reputation.inMemory()))
            .dataDir(dir.resolve("provider-" + p.id()))
            .clock(market.clock)
            .capacity(1, 4, 4096)
            .executors(market.time.executors())
            .concent(ConcentPolicy.off(), pc)
            .build();
    market.closing.add(provider);
    return provider;
  }

  ProviderConcent providerConcent(P2PNode p) {
    return new ProviderConcent(
        port,
        kept,
        kept,
        codec,
        p.id(),
        market.clock,
        market.time.lane(),
        Windows.golem(),
        h -> true);
  }

  /** A one-subtask task whose deadline outlives the forced verdict's window. */
  Path longTask() throws Exception {
    Path file = market.gwasmTask(1, 1);
    Files.writeString(
        file,
        Files.readString(file).replace("\"timeout\": \"0:05:00\"", "\"timeout\": \"2:00:00\""));
    return file;
  }

  @Test
  void aRejectionConcentRelaysEndsTheProvidersJobAtOnceAsRejected() throws Exception {
    List<P2PNode> nodes = market.network(1);
    P2PNode r = nodes.get(0);
    P2PNode p = nodes.get(1);
    MarketTime.Lane workers = market.time.lane();
    workers.hold();
    RequestorAgent requestor = silentRequestor(r, workers);
    ProviderConcent pc = providerConcent(p);
    List<Address> payers = new CopyOnWriteArrayList<>();
    ProviderAgent provider = provider(p, pc, payers);

    requestor.create(longTask());
    market.time.until(
        MarketFlowTest.WAIT, () -> workers.heldCount() > 0, () -> "the result reported");
    JobSnapshot job = provider.jobs().get(0);
    market.time.until(
        MarketFlowTest.WAIT,
        () -> kept.get(job.subtaskId(), MessageType.ACK_REPORT_COMPUTED_TASK).isPresent(),
        () -> "the requestor's ack kept");
    market.clock.set(job.deadline() + Duration.ofMinutes(30).toMillis());
    market.time.settle();
    assertThat(port.sent).singleElement().isInstanceOf(ForceSubtaskResults.class);

    // the requestor rejects when Concent asks it again; Concent relays its Reject
    ReportComputedTask report =
        codec
            .decode(kept.get(job.subtaskId(), MessageType.REPORT_COMPUTED_TASK).orElseThrow())
            .payload(ReportComputedTask.class);
    byte[] sid = HexFormat.of().parseHex(job.subtaskId());
    Envelope reject =
        codec.seal(
            new SubtaskResultsRejected(
                report.structHash(),
                sid,
                r.id(),
                p.id(),
                SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE,
                "not what was asked"),
            market.keyOf(r),
            market.clock);
    assertThat(
            pc.handle(
                concent.fromConcent(
                    new ForceSubtaskResultsResponse(
                        sid,
                        report.structHash(),
                        ForceSubtaskResultsResponse.Outcome.REJECTED_BY_REQUESTOR,
                        BigInteger.ZERO,
                        codec.encode(reject)))))
        .isTrue();
    market.time.settle();
    assertThat(provider.jobs()).as("the job ends at once, not after its grace").isEmpty();
    assertThat(kept.state(job.subtaskId())).isEqualTo(ConcentState.REJECTED_BY_REQUESTOR);
    assertThat(payers).as("no income for a rejected result").isEmpty();
    // nothing more is asked of Concent for it, however long the provider waits
    market.clock.advance(Duration.ofHours(3));
    market.time.settle();
    assertThat(port.sent).hasSize(1);
    workers.release();
  }

  @Test
  void aReportRejectionConcentRelaysEndsTheProvidersJobAtOnceAsRejected() throws Exception {
    List<P2PNode> nodes = market.network(1);
    P2PNode r = nodes.get(0);
    P2PNode p = nodes.get(1);
    MarketTime.Lane workers = market.time.lane();
    workers.hold();
    RequestorAgent requestor = silentRequestor(r, workers);
    ProviderConcent pc = providerConcent(p);
    ProviderAgent provider = provider(p, pc, new CopyOnWriteArrayList<>());
    requestor.create(longTask());
    market.time.until(
        MarketFlowTest.WAIT, () -> workers.heldCount() > 0, () -> "the result reported");
    JobSnapshot job = provider.jobs().get(0);
    ReportComputedTask report =
        codec
            .decode(kept.get(job.subtaskId(), MessageType.REPORT_COMPUTED_TASK).orElseThrow())
            .payload(ReportComputedTask.class);
    byte[] sid = HexFormat.of().parseHex(job.subtaskId());
    Envelope reject =
        codec.seal(
            new RejectReportComputedTask(
                report.structHash(), sid, RejectReportComputedTask.Reason.SUBTASK_TIMED_OUT),
            market.keyOf(r),
            market.clock);
    assertThat(
            pc.handle(
                concent.fromConcent(
                    new ForceReportComputedTaskResponse(
                        sid,
                        report.structHash(),
                        ForceReportComputedTaskResponse.Outcome.REJECT_FROM_REQUESTOR,
                        codec.encode(reject)))))
        .isTrue();
    market.time.settle();
    assertThat(provider.jobs()).as("the job ends at once, not after its grace").isEmpty();
    assertThat(kept.state(job.subtaskId())).isEqualTo(ConcentState.REPORT_REJECTED);
    market.clock.advance(Duration.ofHours(3));
    market.time.settle();
    assertThat(port.sent).as("nothing forced for a rejected report").isEmpty();
    workers.release();
  }

  @Test
  void anUndecidedRequestorDecidesAtOnceWhenConcentRelaysAForcedVerdictAndAnswersConcent()
      throws Exception {
    List<P2PNode> nodes = market.network(1);
    P2PNode r = nodes.get(0);
    P2PNode p = nodes.get(1);
    // the provider's gateway fails until it serves again: the requestor asks Concent for the
    // result (use case 2) and waits, undecided
    java.util.concurrent.atomic.AtomicBoolean serving =
        new java.util.concurrent.atomic.AtomicBoolean(false);
    ResourceExchange gateway =
        market.new DelegatingStore() {
          @Override
          public void fetch(
              String cid, Path target, List<java.net.URI> sources, long maxBytes, Duration t)
              throws java.io.IOException {
            if (!serving.get()) throw new java.io.IOException("the provider's gateway is down");
            super.fetch(cid, target, sources, maxBytes, t);
          }
        };
    var rc =
        new RequestorConcent(
            port,
            kept,
            kept,
            codec,
            r.id(),
            market.clock,
            h -> true,
            market.time.lane(),
            Windows.golem());
    List<String> paid = new CopyOnWriteArrayList<>();
    var requestor =
        RequestorAgent.builder()
            .key(market.keyOf(r))
            .network(r.network())
            .gossip(r.gossip())
            .config(market.config())
            .templates(TaskTemplates.load())
            .resources(gateway)
            .payments(
                (task, subtask, payee, amount, at) -> paid.add(HexFormat.of().formatHex(subtask)))
            .funds(cost -> {})
            .reputation(new Reputation(Reputation.inMemory()))
            .dataDir(dir.resolve("requestor"))
            .clock(market.clock)
            .executors(market.time.executors())
            .concent(ConcentPolicy.off(), rc)
            .build();
    market.closing.add(requestor);
    requestor.start();
    market.provider(p, false);
    var task = requestor.create(market.gwasmTask(1, 1));
    market.time.until(
        MarketFlowTest.WAIT,
        () ->
            !requestor.task(task.idHex()).orElseThrow().assignments().isEmpty()
                && kept.state(requestor.task(task.idHex()).orElseThrow().assignments().get(0).id())
                    == ConcentState.FORCING_RESULT,
        () -> "the result asked of Concent");
    String id = requestor.task(task.idHex()).orElseThrow().assignments().get(0).id();
    assertThat(port.sent).singleElement().isInstanceOf(ForceGetTaskResult.class);
    market.time.settle();
    assertThat(paid).as("undecided").isEmpty();

    // the provider forces a verdict; its gateway serves again
    serving.set(true);
    byte[] reportFrame = kept.get(id, MessageType.REPORT_COMPUTED_TASK).orElseThrow();
    ReportComputedTask report = codec.decode(reportFrame).payload(ReportComputedTask.class);
    Envelope ack =
        codec.seal(
            new AckReportComputedTask(report.structHash(), report.subtaskId()),
            market.keyOf(r),
            market.clock);
    assertThat(
            rc.handle(
                concent.fromConcent(
                    new ForceSubtaskResults(
                        kept.get(id, MessageType.TASK_TO_COMPUTE).orElseThrow(),
                        reportFrame,
                        codec.encode(ack)))))
        .isTrue();
    market.time.settle();
    assertThat(paid).as("decided now: accepted, and paid once").containsExactly(id);
    assertThat(port.sent).hasSize(2);
    assertThat(port.sent.get(1))
        .isInstanceOfSatisfying(
            SubtaskResultsAccepted.class,
            a -> assertThat(a.reportHash()).isEqualTo(report.structHash()));
    assertThat(kept.get(id).orElseThrow().label()).isEqualTo("ANSWERED(SUBTASK_RESULTS_ACCEPTED)");
    market.time.until(
        MarketFlowTest.WAIT,
        () ->
            requestor.task(task.idHex()).orElseThrow().state()
                == org.jgolem.node.market.requestor.RequestorModel.TaskState.FINISHED,
        () -> "the task finished");
  }

  @Test
  void concentsSettlementMakesTheProvidersIncomesTheDepositContractsForExactlyWhatItPaid()
      throws Exception {
    List<P2PNode> nodes = market.network(1);
    P2PNode r = nodes.get(0);
    P2PNode p = nodes.get(1);
    MarketTime.Lane workers = market.time.lane();
    workers.hold();
    RequestorAgent requestor = silentRequestor(r, workers);
    ProviderConcent pc = providerConcent(p);
    List<String> settled = new CopyOnWriteArrayList<>();
    ProviderAgent provider =
        provider(
            p,
            pc,
            new IncomeRecorder() {
              @Override
              public void incomeExpected(
                  Address req, byte[] task, byte[] subtask, BigInteger amount, long at) {}

              @Override
              public void paidByConcent(
                  String txHash, Address payer, List<String> ids, BigInteger amount) {
                settled.add(txHash + " " + payer + " " + ids + " " + amount);
              }
            });
    requestor.create(longTask());
    market.time.until(
        MarketFlowTest.WAIT, () -> workers.heldCount() > 0, () -> "the result reported");
    JobSnapshot job = provider.jobs().get(0);
    String tx = "0x" + "5e".repeat(32);
    BigInteger paid = job.price().subtract(BigInteger.ONE); // Concent pays what it found missing
    assertThat(
            pc.handle(
                concent.fromConcent(
                    new SettlementMade(
                        SettlementMade.UseCase.FORCED_PAYMENT,
                        r.id(),
                        p.id(),
                        List.of(HexFormat.of().parseHex(job.subtaskId())),
                        paid,
                        tx))))
        .isTrue();
    assertThat(settled)
        .as("from the deposit contract, not the requestor, for the exact amount")
        .containsExactly(tx + " " + market.deposit + " [" + job.subtaskId() + "] " + paid);
    assertThat(kept.state(job.subtaskId())).isEqualTo(ConcentState.PAID_BY_CONCENT);
    workers.release();
  }
}
