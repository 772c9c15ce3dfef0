package org.jgolem.concent.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jgolem.concent.ConcentFixtures.CONCENT;
import static org.jgolem.concent.ConcentFixtures.DEPOSIT;
import static org.jgolem.concent.ConcentFixtures.PRICE;
import static org.jgolem.concent.ConcentFixtures.PROVIDER;
import static org.jgolem.concent.ConcentFixtures.REQUESTOR;
import static org.jgolem.concent.ConcentFixtures.STRANGER;
import static org.jgolem.concent.ConcentFixtures.T0;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.jgolem.concent.ConcentFixtures;
import org.jgolem.concent.ConcentFixtures.Subtask;
import org.jgolem.concent.cases.CaseState;
import org.jgolem.concent.cases.SubtaskCase;
import org.jgolem.eth.Address;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.concent.ForceGetTaskResult;
import org.jgolem.protocol.messages.concent.ForcePayment;
import org.jgolem.protocol.messages.concent.ForceReportComputedTask;
import org.jgolem.protocol.messages.concent.ForceReportComputedTaskResponse;
import org.jgolem.protocol.messages.concent.ForceSubtaskResults;
import org.jgolem.protocol.messages.concent.ServiceRefused.Reason;
import org.jgolem.protocol.messages.market.AckReportComputedTask;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.messages.market.WireNote;
import org.jgolem.protocol.notes.NoteSigner;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.Purpose;
import org.jgolem.protocol.notes.SignedNote;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class EvidenceVerifierTest {
  private final ConcentFixtures fx = new ConcentFixtures();
  private final EvidenceVerifier verifier =
      new EvidenceVerifier(fx.codec(), fx.notes(), CONCENT.address());
  private final Subtask s = fx.subtask(0x22);
  private final long at = T0 + 100_000;

  private Envelope forceReport(byte[] ttc, byte[] rct, NodeKey sender) {
    return fx.open(fx.frame(new ForceReportComputedTask(ttc, rct), sender, at));
  }

  private Envelope forceAcceptance(byte[] ack) {
    return fx.open(
        fx.frame(new ForceSubtaskResults(s.ttcFrame(), s.rctFrame(), ack), PROVIDER, at));
  }

  private static void refused(Runnable r, Reason reason, String... parts) {
    assertThatThrownBy(r::run)
        .isInstanceOfSatisfying(
            EvidenceException.class, e -> assertThat(e.reason()).isEqualTo(reason))
        .message()
        .contains(parts);
  }

  @Test
  void aTrueChainPassesAndIsTyped() {
    ReportEvidence e = verifier.forceReport(forceReport(s.ttcFrame(), s.rctFrame(), PROVIDER));
    assertThat(e.ttc()).isEqualTo(s.ttc());
    assertThat(e.rct()).isEqualTo(s.rct());
    assertThat(e.task().frame()).isEqualTo(s.ttcFrame());
    assertThat(e.task().envelope().timestamp()).isEqualTo(T0);

    ReportEvidence g =
        verifier.forceGetResult(
            fx.open(fx.frame(new ForceGetTaskResult(s.ttcFrame(), s.rctFrame()), REQUESTOR, at)));
    assertThat(g.rct()).isEqualTo(s.rct());

    AcceptanceEvidence a = verifier.forceAcceptance(forceAcceptance(fx.ack(s, at)));
    assertThat(a.ack().payload()).isInstanceOf(AckReportComputedTask.class);
  }

  @Test
  void aTaskToComputeSignedByAnotherThanItsRequestorIsRefused() {
    byte[] forged = fx.frame(s.ttc(), PROVIDER, T0);
    refused(
        () -> verifier.forceReport(forceReport(forged, s.rctFrame(), PROVIDER)),
        Reason.INVALID_EVIDENCE,
        "taskToCompute (TASK_TO_COMPUTE) is signed by " + PROVIDER.address(),
        "not by its requestor " + REQUESTOR.address());
  }

  @Test
  void notesSignedForAnotherDepositContractAreRefused() {
    NoteSigner other = new NoteSigner(ConcentFixtures.CHAIN_ID, STRANGER.address());
    TaskToCompute ttc =
        ConcentFixtures.taskToCompute(0x22, PRICE, T0 + 3_600_000, REQUESTOR, PROVIDER, other);
    byte[] ttcFrame = fx.frame(ttc, REQUESTOR, T0);
    byte[] rct = fx.frame(ConcentFixtures.report(ttc), PROVIDER, T0 + 1);
    refused(
        () -> verifier.forceReport(forceReport(ttcFrame, rct, PROVIDER)),
        Reason.INVALID_EVIDENCE,
        "promissory notes are not signed by the requestor");
  }

  @Test
  void notesSignedByAnotherThanTheRequestorAreRefused() {
    TaskToCompute ttc =
        ConcentFixtures.taskToCompute(0x22, PRICE, T0 + 3_600_000, REQUESTOR, PROVIDER, fx.notes());
    // The requestor's provider note with a stranger's signature (over the stranger's own note).
    PromissoryNote strangers =
        new PromissoryNote(
            STRANGER.address(),
            PROVIDER.address(),
            PRICE,
            ttc.subtaskId(),
            Purpose.SUBTASK_PAYMENT);
    SignedNote sig = fx.notes().sign(strangers, STRANGER.keyPair());
    WireNote forgedNote =
        WireNote.of(
            new SignedNote(ttc.providerNote().toSignedNote().note(), sig.v(), sig.r(), sig.s()));
    TaskToCompute forged =
        new TaskToCompute(
            ttc.taskId(),
            ttc.subtaskId(),
            ttc.requestor(),
            ttc.provider(),
            ttc.price(),
            ttc.deadline(),
            ttc.definition(),
            forgedNote,
            ttc.concentNote());
    byte[] ttcFrame = fx.frame(forged, REQUESTOR, T0);
    byte[] rct = fx.frame(ConcentFixtures.report(forged), PROVIDER, T0 + 1);
    refused(
        () -> verifier.forceReport(forceReport(ttcFrame, rct, PROVIDER)),
        Reason.INVALID_EVIDENCE,
        "promissory notes are not signed by the requestor " + REQUESTOR.address());
  }

  @Test
  void aReportSignedByAnotherThanTheProviderIsRefused() {
    byte[] forged = fx.frame(s.rct(), STRANGER, T0 + 1);
    refused(
        () -> verifier.forceReport(forceReport(s.ttcFrame(), forged, PROVIDER)),
        Reason.INVALID_EVIDENCE,
        "report (REPORT_COMPUTED_TASK) is signed by " + STRANGER.address(),
        "not by the provider " + PROVIDER.address());
  }

  @Test
  void aReportOfAnotherTaskToComputeIsRefused() {
    Subtask other = fx.subtask(0x33);
    refused(
        () -> verifier.forceReport(forceReport(s.ttcFrame(), other.rctFrame(), PROVIDER)),
        Reason.INVALID_EVIDENCE,
        "report does not answer this TaskToCompute (subtask " + s.ttc().subtaskIdHex());
  }

  @Test
  void aReportOfTheSameSubtaskButAnotherPriceIsRefused() {
    // Same subtask id, another TaskToCompute (another price): the report's hash does not match.
    Subtask cheaper = fx.subtask(0x22, BigInteger.ONE, T0, T0 + 3_600_000);
    refused(
        () -> verifier.forceReport(forceReport(s.ttcFrame(), cheaper.rctFrame(), PROVIDER)),
        Reason.INVALID_EVIDENCE,
        "does not answer this TaskToCompute");
  }

  @Test
  void aFrameOfTheWrongTypeIsRefusedNamingBoth() {
    refused(
        () -> verifier.forceReport(forceReport(s.rctFrame(), s.rctFrame(), PROVIDER)),
        Reason.INVALID_EVIDENCE,
        "taskToCompute must be a TaskToCompute, got REPORT_COMPUTED_TASK");
  }

  @Test
  void aTamperedFrameIsRefusedWithTheCodecsReason() {
    byte[] tampered = s.ttcFrame();
    tampered[tampered.length - 70] ^= 1; // the last payload byte
    refused(
        () -> verifier.forceReport(forceReport(tampered, s.rctFrame(), PROVIDER)),
        Reason.INVALID_EVIDENCE,
        "taskToCompute: ");
  }

  @Test
  void aFrameOfAnotherChainIsRefused() {
    ConcentFixtures otherChain = new ConcentFixtures(1, DEPOSIT);
    Subtask foreign = otherChain.subtask(0x22);
    refused(
        () -> verifier.forceReport(forceReport(foreign.ttcFrame(), foreign.rctFrame(), PROVIDER)),
        Reason.INVALID_EVIDENCE,
        "taskToCompute: BAD_SIGNATURE");
  }

  @Test
  void eachRequestMustComeFromItsParty() {
    refused(
        () -> verifier.forceReport(forceReport(s.ttcFrame(), s.rctFrame(), REQUESTOR)),
        Reason.INVALID_REQUEST,
        "FORCE_REPORT_COMPUTED_TASK must come from the provider of the subtask "
            + PROVIDER.address());
    refused(
        () ->
            verifier.forceGetResult(
                fx.open(
                    fx.frame(new ForceGetTaskResult(s.ttcFrame(), s.rctFrame()), PROVIDER, at))),
        Reason.INVALID_REQUEST,
        "must come from the requestor of the subtask " + REQUESTOR.address());
    refused(
        () ->
            verifier.forceAcceptance(
                fx.open(
                    fx.frame(
                        new ForceSubtaskResults(s.ttcFrame(), s.rctFrame(), fx.ack(s, at)),
                        STRANGER,
                        at))),
        Reason.INVALID_REQUEST,
        "not from " + STRANGER.address());
  }

  @Test
  void theAckMustBeTheRequestorsForThisReport() {
    byte[] byProvider =
        fx.frame(new AckReportComputedTask(s.rct().structHash(), s.subtaskId()), PROVIDER, at);
    refused(
        () -> verifier.forceAcceptance(forceAcceptance(byProvider)),
        Reason.INVALID_EVIDENCE,
        "ack (ACK_REPORT_COMPUTED_TASK) is signed by " + PROVIDER.address());
    Subtask other = fx.subtask(0x33);
    refused(
        () -> verifier.forceAcceptance(forceAcceptance(fx.ack(other, at))),
        Reason.INVALID_EVIDENCE,
        "ack does not acknowledge this report");
    refused(
        () -> verifier.forceAcceptance(forceAcceptance(fx.accepted(s, 1_700_000_000L, at))),
        Reason.INVALID_EVIDENCE,
        "ack must be an AckReportComputedTask or Concent's",
        "got SUBTASK_RESULTS_ACCEPTED");
  }

  @Test
  void concentsOwnAckStandsForTheRequestorsOnlyIfItIsConcentsAndForThisReport() {
    ForceReportComputedTaskResponse concentAck =
        new ForceReportComputedTaskResponse(
            s.subtaskId(),
            s.rct().structHash(),
            ForceReportComputedTaskResponse.Outcome.CONCENT_ACK,
            new byte[0]);
    AcceptanceEvidence a =
        verifier.forceAcceptance(forceAcceptance(fx.frame(concentAck, CONCENT, at)));
    assertThat(a.ack().payload()).isEqualTo(concentAck);

    refused(
        () -> verifier.forceAcceptance(forceAcceptance(fx.frame(concentAck, STRANGER, at))),
        Reason.INVALID_EVIDENCE,
        "is signed by " + STRANGER.address(),
        "not by Concent " + CONCENT.address());
    ForceReportComputedTaskResponse timeout =
        new ForceReportComputedTaskResponse(
            s.subtaskId(),
            s.rct().structHash(),
            ForceReportComputedTaskResponse.Outcome.SUBTASK_TIMEOUT,
            new byte[0]);
    refused(
        () -> verifier.forceAcceptance(forceAcceptance(fx.frame(timeout, CONCENT, at))),
        Reason.INVALID_EVIDENCE,
        "is Concent's SUBTASK_TIMEOUT, not its CONCENT_ACK");
    Subtask other = fx.subtask(0x33);
    ForceReportComputedTaskResponse otherAck =
        new ForceReportComputedTaskResponse(
            other.subtaskId(),
            other.rct().structHash(),
            ForceReportComputedTaskResponse.Outcome.CONCENT_ACK,
            new byte[0]);
    refused(
        () -> verifier.forceAcceptance(forceAcceptance(fx.frame(otherAck, CONCENT, at))),
        Reason.INVALID_EVIDENCE,
        "Concent's acknowledgement of another report");
  }

  private Envelope forcePayment(List<byte[]> ttcs, List<byte[]> sras, NodeKey sender) {
    return fx.open(fx.frame(new ForcePayment(ttcs, sras), sender, at));
  }

  @Test
  void forcePaymentPairsEachAcceptanceWithItsTaskToCompute() {
    Subtask b = fx.subtask(0x33, BigInteger.TWO, T0, T0 + 3_600_000);
    PaymentEvidence e =
        verifier.forcePayment(
            forcePayment(
                List.of(s.ttcFrame(), b.ttcFrame()),
                List.of(fx.accepted(s, 1_700_000_500L, at), fx.accepted(b, 1_700_000_400L, at)),
                PROVIDER));
    assertThat(e.requestor()).isEqualTo(REQUESTOR.address());
    assertThat(e.provider()).isEqualTo(PROVIDER.address());
    assertThat(e.owed()).isEqualTo(PRICE.add(BigInteger.TWO));
    assertThat(e.earliestPaymentTs()).isEqualTo(1_700_000_400L);
  }

  @Test
  void forcePaymentRefusesMismatchedAcceptances() {
    SubtaskResultsAccepted cheap =
        new SubtaskResultsAccepted(
            s.rct().structHash(),
            s.subtaskId(),
            REQUESTOR.address(),
            PROVIDER.address(),
            BigInteger.ONE,
            1_700_000_000L);
    refused(
        () ->
            verifier.forcePayment(
                forcePayment(
                    List.of(s.ttcFrame()), List.of(fx.frame(cheap, REQUESTOR, at)), PROVIDER)),
        Reason.INVALID_EVIDENCE,
        "accepted[0] accepts price 1, but the TaskToCompute says " + PRICE);
    Subtask b = fx.subtask(0x33);
    refused(
        () ->
            verifier.forcePayment(
                forcePayment(
                    List.of(s.ttcFrame()), List.of(fx.accepted(b, 1_700_000_000L, at)), PROVIDER)),
        Reason.INVALID_EVIDENCE,
        "accepted[0] accepts subtask " + b.ttc().subtaskIdHex());
    refused(
        () ->
            verifier.forcePayment(
                forcePayment(
                    List.of(s.ttcFrame()),
                    List.of(fx.frame(fx.acceptance(s, 1_700_000_000L), PROVIDER, at)),
                    PROVIDER)),
        Reason.INVALID_EVIDENCE,
        "accepted[0] (SUBTASK_RESULTS_ACCEPTED) is signed by " + PROVIDER.address());
    refused(
        () ->
            verifier.forcePayment(
                forcePayment(
                    List.of(s.ttcFrame(), s.ttcFrame()),
                    List.of(fx.accepted(s, 1_700_000_000L, at), fx.accepted(s, 1_700_000_000L, at)),
                    PROVIDER)),
        Reason.INVALID_EVIDENCE,
        "taskToComputes[1] repeats subtask " + s.ttc().subtaskIdHex());
    refused(
        () ->
            verifier.forcePayment(
                forcePayment(
                    List.of(s.ttcFrame()), List.of(fx.accepted(s, 1_700_000_000L, at)), STRANGER)),
        Reason.INVALID_REQUEST,
        "must come from the provider of subtask");
  }

  @Test
  void forcePaymentNamesOneRequestor() {
    TaskToCompute ttc =
        ConcentFixtures.taskToCompute(0x33, PRICE, T0 + 3_600_000, STRANGER, PROVIDER, fx.notes());
    byte[] ttcFrame = fx.frame(ttc, STRANGER, T0);
    ReportComputedTask rct = ConcentFixtures.report(ttc);
    byte[] sra =
        fx.frame(
            new SubtaskResultsAccepted(
                rct.structHash(),
                ttc.subtaskId(),
                STRANGER.address(),
                PROVIDER.address(),
                PRICE,
                1_700_000_000L),
            STRANGER,
            at);
    refused(
        () ->
            verifier.forcePayment(
                forcePayment(
                    List.of(s.ttcFrame(), ttcFrame),
                    List.of(fx.accepted(s, 1_700_000_000L, at), sra),
                    PROVIDER)),
        Reason.INVALID_EVIDENCE,
        "taskToComputes[1] is from requestor " + STRANGER.address(),
        "one ForcePayment names one requestor");
  }

  private SubtaskCase caseOf(Subtask t) {
    return new SubtaskCase(
        t.subtaskId(),
        t.ttc().taskId(),
        REQUESTOR.address(),
        PROVIDER.address(),
        CaseState.FORCING_ACCEPTANCE,
        T0 + 10_000_000,
        t.assignedAt(),
        t.deadline(),
        t.ttc().price(),
        t.rct().resultCid(),
        t.rct().size(),
        t.rct().structHash(),
        Map.of(),
        1);
  }

  @Test
  void answersMustComeFromTheRequestorAndAnswerTheCasesReport() {
    SubtaskCase c = caseOf(s);
    verifier.reportAnswer(fx.open(fx.ack(s, at)), c);
    verifier.reportAnswer(fx.open(fx.reject(s, at)), c);
    verifier.resultsAnswer(fx.open(fx.accepted(s, 1_700_000_000L, at)), c);
    verifier.resultsAnswer(fx.open(fx.rejected(s, at)), c);

    byte[] byStranger =
        fx.frame(new AckReportComputedTask(s.rct().structHash(), s.subtaskId()), STRANGER, at);
    refused(
        () -> verifier.reportAnswer(fx.open(byStranger), c),
        Reason.INVALID_REQUEST,
        "must come from the requestor of the subtask " + REQUESTOR.address());
    byte[] otherReport =
        fx.frame(
            new AckReportComputedTask(ConcentFixtures.bytes32(0x77), s.subtaskId()), REQUESTOR, at);
    refused(
        () -> verifier.reportAnswer(fx.open(otherReport), c),
        Reason.INVALID_EVIDENCE,
        "ACK_REPORT_COMPUTED_TASK answers report 0x7778",
        "not the case's report");
    refused(
        () -> verifier.reportAnswer(fx.open(fx.accepted(s, 1_700_000_000L, at)), c),
        Reason.INVALID_EVIDENCE,
        "SUBTASK_RESULTS_ACCEPTED is no answer to a ReportComputedTask");
    refused(
        () -> verifier.resultsAnswer(fx.open(fx.ack(s, at)), c),
        Reason.INVALID_EVIDENCE,
        "ACK_REPORT_COMPUTED_TASK is no decision on a subtask's results");
    SubtaskResultsAccepted cheap =
        new SubtaskResultsAccepted(
            s.rct().structHash(),
            s.subtaskId(),
            REQUESTOR.address(),
            PROVIDER.address(),
            BigInteger.ONE,
            1_700_000_000L);
    refused(
        () -> verifier.resultsAnswer(fx.open(fx.frame(cheap, REQUESTOR, at)), c),
        Reason.INVALID_EVIDENCE,
        "accepts price 1, but the TaskToCompute says " + PRICE);
    SubtaskResultsAccepted otherProvider =
        new SubtaskResultsAccepted(
            s.rct().structHash(),
            s.subtaskId(),
            REQUESTOR.address(),
            Address.of(STRANGER.address().toBytes()),
            PRICE,
            1_700_000_000L);
    refused(
        () -> verifier.resultsAnswer(fx.open(fx.frame(otherProvider, REQUESTOR, at)), c),
        Reason.INVALID_EVIDENCE,
        "not the subtask's parties");
  }
}
