package org.jgolem.node.market.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jgolem.compute.Execution;
import org.jgolem.eth.Address;
import org.jgolem.node.market.MarketConfig;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.MessageHasher;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.market.AckReportComputedTask;
import org.jgolem.protocol.messages.market.CannotComputeTask;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.ResourceLimits;
import org.jgolem.protocol.messages.market.SubtaskDefinition;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.jgolem.protocol.messages.market.SubtaskResultsRejected;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.messages.market.WireNote;
import org.jgolem.protocol.messages.p2p.NodeRecord;
import org.jgolem.protocol.notes.NoteSigner;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.Purpose;
import org.jgolem.testkit.FakeClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The provider's state machine alone ({@link ProviderCore} with its {@link ProviderRecovery}): no
 * threads, no network, no disk. Events go in as calls, what it decides comes out through a
 * recording {@link ProviderEffects}; time is a {@link FakeClock} and the retries are {@link
 * MarketConfig.Timings#reportRetry}'s.
 */
@Timeout(30)
class ProviderCoreTest {
  static final long CHAIN = 1337;
  static final String IMAGE = "sha256:" + "ab".repeat(32);
  static final BigInteger PRICE = BigInteger.TEN.pow(16);

  final FakeClock clock = new FakeClock(1_000_000);
  final NodeKey requestor = NodeKey.generate();
  final NodeKey provider = NodeKey.generate();
  final MarketConfig config = MarketConfig.defaults(CHAIN, NodeKey.generate().address());
  final long retry = config.timings().reportRetry().toMillis();
  final Recorder effects = new Recorder();
  final ProviderCore core = core(2);
  final TaskHeader header = header(requestor, 1);
  int subtasks;

  ProviderCore core(int slots) {
    return new ProviderCore(
        effects,
        config,
        provider.address(),
        new ProviderCore.Capacity(slots, 4, 4096),
        clock,
        Path.of("/nowhere/jobs"));
  }

  /** What the core asked of the world, in order. */
  static final class Recorder implements ProviderEffects {
    final List<String> log = new ArrayList<>();
    final List<Payload> sent = new ArrayList<>();
    final List<String> incomes = new ArrayList<>();
    final Set<Address> connected = new HashSet<>();

    @Override
    public void send(TaskHeader task, Payload p) {
      log.add("send " + p.type());
      sent.add(p);
    }

    @Override
    public boolean sendIfConnected(Address requestor, Payload p) {
      if (!connected.contains(requestor)) return false;
      log.add("send " + p.type());
      sent.add(p);
      return true;
    }

    @Override
    public void dial(TaskHeader task) {
      log.add("dial");
    }

    @Override
    public void save(ProviderJob job) {
      log.add("save " + job.state);
    }

    @Override
    public void settled(ProviderJob job) {
      log.add("settled");
    }

    @Override
    public void incomeExpected(ProviderJob job, long paymentAtMillis) {
      log.add("income");
      incomes.add(job.idHex() + "@" + paymentAtMillis);
    }

    @Override
    public void rejected(ProviderJob job) {
      log.add("rejected");
    }

    @Override
    public void cleanup(ProviderJob job) {
      log.add("cleanup");
    }

    @Override
    public void cancel(ProviderJob job) {
      log.add("cancel " + job.idHex());
    }

    @Override
    public void offer() {
      log.add("offer");
    }

    <T extends Payload> List<T> of(Class<T> type) {
      return sent.stream().filter(type::isInstance).map(type::cast).toList();
    }
  }

  static byte[] id(int n) {
    return ByteBuffer.allocate(32).putInt(28, n).array();
  }

  TaskHeader header(NodeKey by, int n) {
    return TaskHeader.signed(
        id(n),
        by,
        new NodeRecord(by.address(), "127.0.0.1", 1),
        "wasm",
        IMAGE,
        PRICE,
        4,
        60,
        clock.millis() + 600_000,
        256,
        1,
        false,
        new MessageHasher(CHAIN));
  }

  /** An assignment of a fresh subtask of {@code h}, its notes signed by {@code signer}. */
  TaskToCompute ttc(TaskHeader h, NodeKey signer, BigInteger price, long deadline, int cores) {
    byte[] sid = id(1000 + ++subtasks);
    NoteSigner notes = new NoteSigner(config.chainId(), config.depositContract());
    WireNote providerNote =
        WireNote.of(
            notes.sign(
                new PromissoryNote(
                    signer.address(), provider.address(), price, sid, Purpose.SUBTASK_PAYMENT),
                signer.keyPair()));
    WireNote concentNote =
        WireNote.of(
            notes.sign(
                new PromissoryNote(
                    signer.address(),
                    config.depositContract(),
                    config.concentFee(),
                    sid,
                    Purpose.VERIFICATION_COST),
                signer.keyPair()));
    return new TaskToCompute(
        h.taskId(),
        sid,
        h.requestor(),
        provider.address(),
        price,
        deadline,
        new SubtaskDefinition(
            "wasm",
            IMAGE,
            "cid",
            "p.js",
            List.of(),
            List.of(),
            new ResourceLimits(cores, 256, 60, 1 << 20),
            List.of()),
        providerNote,
        concentNote);
  }

  TaskToCompute ttc() {
    return ttc(header, requestor, PRICE, clock.millis() + 120_000, 1);
  }

  ProviderJob taken(TaskToCompute ttc) {
    ProviderCore.Assignment a = core.assigned(requestor.address(), ttc, header, BigInteger.ONE);
    assertThat(a.outcome()).as(String.valueOf(a.refusal())).isEqualTo(ProviderCore.Taken.TAKEN);
    return a.job();
  }

  /** A job taken on and reported; the log is cleared. */
  ProviderJob reportedJob() {
    ProviderJob job = taken(ttc());
    core.reported(job, ReportComputedTask.answering(job.ttc, "bafy-result", new byte[32], 10, 5));
    effects.log.clear();
    effects.sent.clear();
    return job;
  }

  SubtaskResultsAccepted acceptance(ProviderJob job, long paymentTs) {
    return new SubtaskResultsAccepted(
        job.report.structHash(),
        job.ttc.subtaskId(),
        requestor.address(),
        provider.address(),
        job.ttc.price(),
        paymentTs);
  }

  String refusal(TaskToCompute ttc, TaskHeader h, Address sender) {
    ProviderCore.Assignment a = core.assigned(sender, ttc, h, BigInteger.ONE);
    assertThat(a.outcome()).isEqualTo(ProviderCore.Taken.REFUSED);
    return a.refusal();
  }

  @Test
  void aValidAssignmentIsTakenOnAndSavedAsFetching() {
    ProviderJob job = taken(ttc());
    assertThat(effects.log).containsExactly("save FETCHING");
    assertThat(core.computing()).isEqualTo(1);
    assertThat(job.dir).isEqualTo(Path.of("/nowhere/jobs", job.idHex()));
    assertThat(core.snapshots()).extracting(JobSnapshot::state).containsExactly("FETCHING");
    core.started(job, new Execution(job.idHex()));
    assertThat(effects.log).containsExactly("save FETCHING", "save FETCHING");
  }

  @Test
  void assignmentsItCannotHonourAreRefusedWithTheReason() {
    assertThat(refusal(ttc(), null, requestor.address())).startsWith("no announced task");
    assertThat(refusal(ttc(), header, provider.address())).startsWith("not sent by the task's");
    NodeKey other = NodeKey.generate();
    assertThat(
            refusal(
                ttc(header, other, PRICE, clock.millis() + 120_000, 1),
                header,
                requestor.address()))
        .isEqualTo("promissory notes not signed by the requestor");
    assertThat(
            core.assigned(
                    requestor.address(), ttc(), header, PRICE.multiply(BigInteger.valueOf(1000)))
                .refusal())
        .startsWith("price ");
    assertThat(
            refusal(
                ttc(header, requestor, PRICE, clock.millis() + 4_999, 1),
                header,
                requestor.address()))
        .isEqualTo("deadline too close");
    assertThat(
            refusal(
                ttc(header, requestor, PRICE, clock.millis() + 120_000, 5),
                header,
                requestor.address()))
        .isEqualTo("limits beyond this provider");
    assertThat(effects.log).as("nothing taken, nothing saved").isEmpty();
    assertThat(core.computing()).isZero();
  }

  @Test
  void aProviderTakesOnNoMoreJobsThanItHasSlots() {
    taken(ttc());
    taken(ttc());
    assertThat(refusal(ttc(), header, requestor.address())).isEqualTo("no free capacity");
  }

  @Test
  void theSameAssignmentAgainIsNothingNewButItsReportIsSentAgain() {
    TaskToCompute ttc = ttc();
    ProviderJob job = taken(ttc);
    assertThat(core.assigned(requestor.address(), ttc, header, BigInteger.ONE).outcome())
        .isEqualTo(ProviderCore.Taken.AGAIN);
    assertThat(effects.sent).isEmpty();
    core.reported(job, ReportComputedTask.answering(ttc, "bafy", new byte[32], 1, 1));
    assertThat(core.assigned(requestor.address(), ttc, header, BigInteger.ONE).outcome())
        .isEqualTo(ProviderCore.Taken.AGAIN);
    assertThat(effects.of(ReportComputedTask.class)).hasSize(2);
  }

  @Test
  void aReportIsSentAgainEveryReportRetryUntilAcknowledged() {
    ProviderJob job = taken(ttc());
    core.reported(job, ReportComputedTask.answering(job.ttc, "bafy", new byte[32], 1, 1));
    assertThat(effects.log)
        .containsExactly("save FETCHING", "save REPORTED", "send REPORT_COMPUTED_TASK", "offer");
    assertThat(core.computing()).as("a reported job holds no slot").isZero();
    clock.advance(retry);
    core.tick();
    assertThat(effects.of(ReportComputedTask.class))
        .as("not yet: the retry is exceeded, not met")
        .hasSize(1);
    clock.advance(1);
    core.tick();
    assertThat(effects.of(ReportComputedTask.class)).hasSize(2);
    core.acknowledged(
        provider.address(),
        new AckReportComputedTask(job.report.structHash(), job.ttc.subtaskId()));
    assertThat(job.state).as("an ack from someone else is ignored").isEqualTo("REPORTED");
    core.acknowledged(
        requestor.address(),
        new AckReportComputedTask(job.report.structHash(), job.ttc.subtaskId()));
    assertThat(job.state).isEqualTo("ACKNOWLEDGED");
    clock.advance(10 * retry);
    core.tick();
    assertThat(effects.of(ReportComputedTask.class)).hasSize(2);
  }

  @Test
  void anAcceptedResultIsRecordedAsIncomeOnceThenForgotten() {
    ProviderJob job = reportedJob();
    core.accepted(provider.address(), acceptance(job, 77));
    assertThat(effects.log).as("not from the requestor").isEmpty();
    core.accepted(requestor.address(), acceptance(job, 77));
    assertThat(effects.log).containsExactly("income", "settled", "cleanup", "offer");
    assertThat(effects.incomes).containsExactly(job.idHex() + "@77000");
    assertThat(job.state).isEqualTo("ACCEPTED");
    core.accepted(requestor.address(), acceptance(job, 77));
    assertThat(effects.incomes).as("a second acceptance is no second income").hasSize(1);
    assertThat(core.snapshots()).isEmpty();
  }

  @Test
  void aRejectedResultCountsAgainstTheRequestorAndIsForgotten() {
    ProviderJob job = reportedJob();
    core.rejected(
        requestor.address(),
        new SubtaskResultsRejected(
            job.report.structHash(),
            job.ttc.subtaskId(),
            requestor.address(),
            provider.address(),
            SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE,
            "wrong"));
    assertThat(effects.log).containsExactly("rejected", "settled", "cleanup", "offer");
    assertThat(job.state).isEqualTo("REJECTED");
    assertThat(effects.incomes).isEmpty();
    assertThat(core.snapshots()).isEmpty();
  }

  @Test
  void aFailedJobIsReportedAsNotComputedAndForgotten() {
    ProviderJob job = taken(ttc());
    effects.log.clear();
    core.failed(job, CannotComputeTask.Reason.OTHER, "boom");
    assertThat(effects.log)
        .containsExactly("settled", "send CANNOT_COMPUTE_TASK", "cleanup", "offer");
    assertThat(effects.of(CannotComputeTask.class).get(0).detail()).isEqualTo("boom");
    assertThat(core.computing()).isZero();
  }

  @Test
  void aReportWithNoVerdictAnHourAfterItsDeadlineIsGivenUp() {
    ProviderJob job = reportedJob();
    clock.set(job.ttc.deadline() + ProviderCore.VERDICT_GRACE.toMillis());
    core.tick();
    assertThat(effects.log).doesNotContain("settled");
    clock.advance(1);
    core.tick();
    assertThat(effects.log).contains("settled", "cleanup");
    assertThat(core.snapshots()).isEmpty();
  }

  @Test
  void aWithdrawnTaskCancelsOnlyItsJobsWhoseSandboxRuns() {
    ProviderJob fetching = taken(ttc());
    ProviderJob computing = taken(ttc());
    computing.state = "COMPUTING";
    core.started(computing, new Execution(computing.idHex()));
    effects.log.clear();
    core.withdrawn("00".repeat(32));
    assertThat(effects.log).isEmpty();
    core.withdrawn(java.util.HexFormat.of().formatHex(header.taskId()));
    assertThat(effects.log).containsExactly("cancel " + computing.idHex());
    assertThat(fetching.state).isEqualTo("FETCHING");
  }

  @Test
  void afterARestartAReportedJobIsReportedAgainAndALostOneIsToldUntilNoticesRunOut() {
    TaskToCompute reported = ttc();
    TaskToCompute lost = ttc();
    core.resume(
        List.of(
            new ProviderStore.JobRow(
                header,
                reported,
                "REPORTED",
                ReportComputedTask.answering(reported, "bafy", new byte[32], 1, 1)),
            new ProviderStore.JobRow(header, lost, "COMPUTING", null)));
    assertThat(effects.log).containsExactly("cleanup");
    assertThat(core.snapshots())
        .extracting(JobSnapshot::state)
        .containsExactly("REPORTED", JobSnapshot.LOST);
    effects.log.clear();

    // no session to the requestor yet: it is dialled, every reportRetry
    core.tick();
    assertThat(effects.log).containsExactly("dial", "send REPORT_COMPUTED_TASK", "offer");
    effects.log.clear();
    clock.advance(retry - 1);
    core.tick();
    assertThat(effects.log).containsExactly("offer");
    effects.log.clear();

    effects.connected.add(requestor.address());
    for (int i = 0; i < ProviderRecovery.NOTICES; i++) {
      clock.advance(i == 0 ? 1 : retry - 1);
      core.tick();
      clock.advance(1);
      core.tick();
    }
    List<CannotComputeTask> notices = effects.of(CannotComputeTask.class);
    assertThat(notices).hasSize(ProviderRecovery.NOTICES);
    assertThat(notices.get(0).detail())
        .isEqualTo("the provider restarted while the subtask was computing");
    assertThat(effects.log).contains("settled");
    assertThat(core.snapshots()).extracting(JobSnapshot::state).containsExactly("REPORTED");
  }

  @Test
  void aLostJobPastItsDeadlineIsForgottenUntold() {
    TaskToCompute lost = ttc(header, requestor, PRICE, clock.millis() + 10_000, 1);
    core.resume(List.of(new ProviderStore.JobRow(header, lost, "FETCHING", null)));
    clock.advance(10_001);
    effects.connected.add(requestor.address());
    core.tick();
    assertThat(effects.of(CannotComputeTask.class)).isEmpty();
    assertThat(effects.log).containsExactly("cleanup", "settled", "offer");
    assertThat(core.snapshots()).isEmpty();
  }
}
