package org.jgolem.node.concent;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jgolem.concent.time.Windows;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.concent.AckSubtaskResultsVerify;
import org.jgolem.protocol.messages.concent.SettlementMade;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled;
import org.jgolem.protocol.messages.concent.SubtaskResultsVerify;
import org.jgolem.protocol.messages.concent.VerificationCheck;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.SubtaskResultsRejected;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.messages.market.WireNote;
import org.jgolem.protocol.notes.NoteSigner;
import org.jgolem.protocol.notes.Purpose;
import org.jgolem.testkit.ManualScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Use case 5, the provider's trigger, on a fake clock: the dispute sent exactly once for a
 * VERIFICATION_NEGATIVE rejection, never for another reason, with disputes off, with a deposit too
 * small or past the window (both edges); the fee note's fields; the uploads on Concent's order;
 * each verdict's effect; a restart.
 */
@Timeout(30)
class ProviderDisputeTest {
  static final BigInteger FEE = new BigInteger("50000000000000000");

  final ConcentFixture f = new ConcentFixture();
  final ConcentFixture.MemoryStores stores = new ConcentFixture.MemoryStores();
  final ConcentFixture.FakePort port = new ConcentFixture.FakePort();
  final FakeDeposits deposits = new FakeDeposits();
  ManualScheduler scheduler = new ManualScheduler(f.clock);
  final Windows times = Windows.golem();
  final List<String> agent = new ArrayList<>();
  boolean disputesOn = true;
  ProviderConcent concent;

  ProviderConcent concent() {
    ProviderConcent c =
        new ProviderConcent(
            port,
            stores,
            stores,
            f.codec,
            f.provider.address(),
            f.clock,
            scheduler,
            times,
            h -> true);
    c.bind(
        new ProviderConcent.Agent() {
          @Override
          public void relayed(Envelope m) {
            agent.add("relayed " + m.type());
          }

          @Override
          public void acknowledgedByConcent(String id) {}

          @Override
          public void acceptedByConcent(String id, Address requestor, BigInteger amount) {}

          @Override
          public void paidByConcent(
              SettlementMade.UseCase u, List<String> ids, Address payer, BigInteger a, String tx) {
            agent.add("paidByConcent " + u + " " + ids + " " + a);
          }

          @Override
          public void overturned(String id, TaskToCompute t, BigInteger amount) {
            agent.add("overturned " + id + " " + amount);
          }
        });
    NoteSigner notes = new NoteSigner(ConcentFixture.CHAIN, f.deposit);
    c.disputes(
        disputesOn
            ? new DisputeSettings(
                true,
                FEE,
                f.deposit,
                n -> WireNote.of(notes.sign(n, f.provider.keyPair())),
                deposits)
            : DisputeSettings.off());
    scheduler.runDue();
    return c;
  }

  TaskToCompute ttc;
  ReportComputedTask report;
  String id;

  /** A subtask taken on, reported and acknowledged; the deposit holds the fee. */
  void reported() {
    deposits.set(f.provider.address(), FEE, 0);
    concent = concent();
    ttc = f.ttc(Duration.ofHours(1));
    id = ConcentFixture.hex(ttc.subtaskId());
    concent.assigned(id, f.seal(ttc, f.requestor));
    report = ConcentFixture.report(ttc, 100_000);
    concent.reported(f.seal(report, f.provider));
    scheduler.runDue();
  }

  Envelope rejection(SubtaskResultsRejected.Reason reason) {
    return f.seal(
        new SubtaskResultsRejected(
            report.structHash(),
            ttc.subtaskId(),
            f.requestor.address(),
            f.provider.address(),
            reason,
            "tile differs"),
        f.requestor);
  }

  long window(Envelope rejection) {
    return rejection.timestamp() + times.avct().toMillis() + times.mdt(report.size()).toMillis();
  }

  List<SubtaskResultsVerify> disputes() {
    return port.sent.stream()
        .filter(SubtaskResultsVerify.class::isInstance)
        .map(SubtaskResultsVerify.class::cast)
        .toList();
  }

  @Test
  void aRejectionAsWrongIsDisputedOnceWithTheKeptFramesAndTheProvidersFeeNote() {
    reported();
    Envelope rej = rejection(SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE);
    concent.answered(id, rej);
    concent.answered(id, rej); // delivered again
    scheduler.runDue();

    assertThat(disputes()).hasSize(1);
    SubtaskResultsVerify d = disputes().get(0);
    assertThat(d.taskToCompute()).isEqualTo(stores.get(id, MessageType.TASK_TO_COMPUTE).get());
    assertThat(d.report()).isEqualTo(stores.get(id, MessageType.REPORT_COMPUTED_TASK).get());
    assertThat(d.rejection()).isEqualTo(f.codec.encode(rej));
    WireNote note = d.verificationNote();
    assertThat(note.payer()).isEqualTo(f.provider.address());
    assertThat(note.payee()).isEqualTo(f.deposit);
    assertThat(note.amount()).isEqualTo(FEE);
    assertThat(note.subtaskId()).isEqualTo(ttc.subtaskId());
    assertThat(note.purpose()).isEqualTo(Purpose.VERIFICATION_COST);
    assertThat(new NoteSigner(ConcentFixture.CHAIN, f.deposit).recover(note.toSignedNote()))
        .isEqualTo(f.provider.address());
    d.validate(); // the message's own rules hold
    assertThat(stores.state(id)).isEqualTo(ConcentState.DISPUTING);

    scheduler.advance(Duration.ofHours(1)); // nothing more is sent
    assertThat(disputes()).hasSize(1);
  }

  @Test
  void anotherReasonDisputesOffOrADepositTooSmallSendNothing() {
    reported();
    concent.answered(id, rejection(SubtaskResultsRejected.Reason.RESOURCES_FAILURE));
    scheduler.advance(Duration.ofHours(1));
    assertThat(disputes()).isEmpty();
    assertThat(stores.state(id)).isEqualTo(ConcentState.NONE);

    disputesOn = false;
    reported();
    concent.answered(id, rejection(SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE));
    scheduler.advance(Duration.ofHours(1));
    assertThat(disputes()).isEmpty();

    disputesOn = true;
    reported();
    deposits.set(f.provider.address(), FEE.subtract(BigInteger.ONE), 0);
    concent.answered(id, rejection(SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE));
    scheduler.runDue();
    assertThat(disputes()).isEmpty();
    assertThat(stores.state(id)).isEqualTo(ConcentState.NOT_DISPUTED);
    assertThat(stores.get(id).get().detail()).startsWith("PROVIDER_DEPOSIT_TOO_SMALL");
  }

  @Test
  void theDisputeIsSentAtTheWindowsLastMillisecondAndNeverAfter() {
    reported();
    Envelope rej = rejection(SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE);
    f.clock.advance(Duration.ofMillis(window(rej) - f.clock.millis()));
    concent.answered(id, rej);
    scheduler.runDue();
    assertThat(disputes()).hasSize(1);

    reported();
    Envelope late = rejection(SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE);
    f.clock.advance(Duration.ofMillis(window(late) + 1 - f.clock.millis()));
    concent.answered(id, late);
    scheduler.runDue();
    assertThat(disputes()).hasSize(1);
    assertThat(stores.state(id)).isEqualTo(ConcentState.NOT_DISPUTED);
    assertThat(stores.get(id).get().detail()).startsWith("TOO_LATE");
  }

  @Test
  void concentUnreachableIsTriedAgainUntilTheWindowsEndThenNoMore() {
    reported();
    Envelope rej = rejection(SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE);
    port.failures = Integer.MAX_VALUE;
    concent.answered(id, rej);
    scheduler.runDue();
    scheduler.advance(Duration.ofMillis(window(rej) - f.clock.millis() - 1));
    assertThat(stores.state(id)).isEqualTo(ConcentState.DISPUTE_PENDING);
    port.failures = 0;
    scheduler.advance(Duration.ofMillis(1)); // the last try, at the window's end
    assertThat(disputes()).hasSize(1);
    assertThat(stores.state(id)).isEqualTo(ConcentState.DISPUTING);

    reported();
    Envelope rej2 = rejection(SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE);
    port.failures = Integer.MAX_VALUE;
    concent.answered(id, rej2);
    scheduler.advance(Duration.ofMillis(window(rej2) - f.clock.millis() + 1));
    port.failures = 0;
    scheduler.advance(Duration.ofHours(1));
    assertThat(disputes()).hasSize(1); // the first subtask's only
    assertThat(stores.state(id)).isEqualTo(ConcentState.NOT_DISPUTED);
  }

  AckSubtaskResultsVerify order(long deadlineIn) {
    return AckSubtaskResultsVerify.ordering(ttc, report, f.clock.millis() + deadlineIn, FEE);
  }

  @Test
  void theOrderUploadsTheResultAndTheResourcesRetriedUntilTheDeadline() {
    reported();
    concent.answered(id, rejection(SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE));
    scheduler.runDue();
    AckSubtaskResultsVerify o = order(60_000);
    port.failures = 1; // the first upload fails
    assertThat(concent.handle(f.fromConcent(o))).isTrue();
    scheduler.runDue();
    assertThat(port.uploads).isEmpty();
    assertThat(stores.state(id)).isEqualTo(ConcentState.UPLOADING_FOR_VERIFICATION);
    assertThat(stores.get(id, MessageType.ACK_SUBTASK_RESULTS_VERIFY)).isPresent();

    scheduler.advance(Backoff.FIRST);
    assertThat(port.uploads).containsExactly(id + " bafy-result", id + " " + "cid");
    assertThat(stores.state(id)).isEqualTo(ConcentState.RESULT_UPLOADED_FOR_VERIFICATION);

    assertThat(concent.handle(f.fromConcent(o))).isTrue(); // delivered again: not again
    scheduler.runDue();
    assertThat(port.uploads).hasSize(2);
  }

  @Test
  void noUploadAfterTheUploadDeadline() {
    reported();
    concent.answered(id, rejection(SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE));
    scheduler.runDue();
    port.failures = Integer.MAX_VALUE;
    concent.handle(f.fromConcent(order(10_000)));
    scheduler.advance(Duration.ofMillis(10_000));
    port.failures = 0;
    scheduler.advance(Duration.ofMinutes(10));
    assertThat(port.uploads).isEmpty();
  }

  SubtaskResultsSettled verdict(SubtaskResultsSettled.Outcome outcome) {
    boolean right = outcome == SubtaskResultsSettled.Outcome.PROVIDER_RIGHT;
    boolean neutral = outcome == SubtaskResultsSettled.Outcome.NEUTRAL;
    return new SubtaskResultsSettled(
        ttc.subtaskId(),
        f.requestor.address(),
        f.provider.address(),
        report.structHash(),
        ttc.subtaskId(), // stands for the rejection's struct hash (not checked here)
        report.resultCid(),
        List.of("cid"),
        neutral ? SubtaskResultsSettled.Method.NONE : SubtaskResultsSettled.Method.GWASM_DIGEST,
        outcome,
        neutral
            ? SubtaskResultsSettled.NeutralReason.ENGINE_UNAVAILABLE
            : SubtaskResultsSettled.NeutralReason.NONE,
        "judged",
        neutral
            ? List.of()
            : List.of(
                VerificationCheck.digest(
                    "digest", "out", digest(7), right ? digest(7) : digest(8))),
        right ? ConcentFixture.PRICE : BigInteger.ZERO,
        right ? FEE : BigInteger.ZERO,
        outcome == SubtaskResultsSettled.Outcome.PROVIDER_WRONG ? FEE : BigInteger.ZERO);
  }

  static byte[] digest(int b) {
    byte[] d = new byte[32];
    java.util.Arrays.fill(d, (byte) b);
    return d;
  }

  void disputed() {
    reported();
    concent.answered(id, rejection(SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE));
    scheduler.runDue();
    concent.handle(f.fromConcent(order(60_000)));
    scheduler.runDue();
  }

  @Test
  void providerRightExpectsTheIncomeFromTheDepositOnce() {
    disputed();
    assertThat(concent.handle(f.fromConcent(verdict(SubtaskResultsSettled.Outcome.PROVIDER_RIGHT))))
        .isTrue();
    assertThat(concent.handle(f.fromConcent(verdict(SubtaskResultsSettled.Outcome.PROVIDER_RIGHT))))
        .isTrue();
    assertThat(agent).containsExactly("overturned " + id + " " + ConcentFixture.PRICE);
    assertThat(stores.state(id)).isEqualTo(ConcentState.OVERTURNED);
  }

  @Test
  void providerWrongAndNeutralLeaveTheRejectionStanding() {
    disputed();
    concent.handle(f.fromConcent(verdict(SubtaskResultsSettled.Outcome.PROVIDER_WRONG)));
    assertThat(stores.state(id)).isEqualTo(ConcentState.REJECTION_UPHELD);
    assertThat(stores.get(id).get().detail()).contains(FEE.toString());
    assertThat(agent).isEmpty();

    disputed();
    concent.handle(f.fromConcent(verdict(SubtaskResultsSettled.Outcome.NEUTRAL)));
    assertThat(stores.state(id)).isEqualTo(ConcentState.VERIFICATION_NEUTRAL);
    assertThat(stores.get(id).get().detail()).startsWith("ENGINE_UNAVAILABLE");
    assertThat(agent).isEmpty();
  }

  @Test
  void aRestartSendsADisputeDecidedButNotSentAndNeverOneSent() {
    reported();
    port.failures = Integer.MAX_VALUE;
    concent.answered(id, rejection(SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE));
    scheduler.runDue();
    assertThat(stores.state(id)).isEqualTo(ConcentState.DISPUTE_PENDING);

    port.failures = 0; // the process stops; its timers die with it
    scheduler = new ManualScheduler(f.clock);
    concent = concent();
    assertThat(disputes()).hasSize(1);
    assertThat(stores.state(id)).isEqualTo(ConcentState.DISPUTING);

    scheduler = new ManualScheduler(f.clock);
    concent = concent(); // again: already sent
    scheduler.advance(Duration.ofHours(1));
    assertThat(disputes()).hasSize(1);
  }

  @Test
  void aRestartGoesOnWithTheUploads() {
    disputed();
    // the uploads were done before: back to the middle of them, as a crash would leave it
    stores.set(id, new ConcentStatus(ConcentState.UPLOADING_FOR_VERIFICATION, "", 0));
    int before = port.uploads.size();
    scheduler = new ManualScheduler(f.clock);
    concent = concent();
    scheduler.runDue();
    assertThat(port.uploads).hasSize(before + 2);
    assertThat(stores.state(id)).isEqualTo(ConcentState.RESULT_UPLOADED_FOR_VERIFICATION);
  }
}
