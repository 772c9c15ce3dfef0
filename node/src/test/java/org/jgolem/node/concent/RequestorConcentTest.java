package org.jgolem.node.concent;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jgolem.concent.time.Windows;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.concent.ForceGetTaskResult;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultDownload;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultFailed;
import org.jgolem.protocol.messages.concent.ForceReportComputedTask;
import org.jgolem.protocol.messages.concent.ForceReportComputedTaskResponse;
import org.jgolem.protocol.messages.concent.ForceSubtaskResults;
import org.jgolem.protocol.messages.concent.SettlementMade;
import org.jgolem.protocol.messages.market.AckReportComputedTask;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.testkit.ManualScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The requestor's evidence and its answers to what Concent relays, with a fake port and agent. */
@Timeout(30)
class RequestorConcentTest {
  final ConcentFixture f = new ConcentFixture();
  final ConcentFixture.MemoryStores stores = new ConcentFixture.MemoryStores();
  final ConcentFixture.FakePort port = new ConcentFixture.FakePort();
  final List<Envelope> forced = new ArrayList<>();
  final List<Envelope> decideNow = new ArrayList<>();
  final List<String> paid = new ArrayList<>();
  boolean on = true;
  Optional<Payload> answer = Optional.empty();

  final ManualScheduler scheduler = new ManualScheduler(f.clock);
  final Windows times = Windows.golem();
  final List<String> results = new ArrayList<>();
  final RequestorConcent concent =
      new RequestorConcent(
          port, stores, stores, f.codec, f.requestor.address(), f.clock, h -> on, scheduler, times);

  final List<String> settledDisputes = new ArrayList<>();

  {
    concent.bind(
        new RequestorConcent.Agent() {
          @Override
          public Optional<Payload> forcedReport(Envelope report) {
            forced.add(report);
            return answer;
          }

          @Override
          public void forcedVerdict(Envelope report) {
            decideNow.add(report);
          }

          @Override
          public void resultAtConcent(String id) {
            results.add("at concent " + id);
          }

          @Override
          public void resultNotAvailable(String id, String why) {
            results.add("not available " + id + ": " + why);
          }

          @Override
          public void paidByConcent(
              SettlementMade.UseCase u, List<String> ids, BigInteger amount, String tx) {
            paid.add(u + " " + ids + " " + amount);
          }

          @Override
          public void disputeSettled(
              String id,
              Address provider,
              org.jgolem.protocol.messages.concent.SubtaskResultsSettled.Outcome outcome,
              String detail) {
            settledDisputes.add(id + " " + provider + " " + outcome);
          }
        });
  }

  {
    concent.announced(f.header(true)); // as the requestor's agent does before assigning
  }

  TaskToCompute ttc = f.ttc(Duration.ofHours(1));
  Envelope ttcEnv = f.seal(ttc, f.requestor);
  String id = ConcentFixture.hex(ttc.subtaskId());
  ReportComputedTask report = ConcentFixture.report(ttc, 10);
  Envelope reportEnv = f.seal(report, f.provider);

  @Test
  void keepsTheTaskToComputeItSentAndTheReportThatAnswersIt() {
    concent.sent(ttcEnv);
    concent.received(f.seal(report, f.concent)); // signed by another than the provider
    assertThat(stores.get(id, MessageType.REPORT_COMPUTED_TASK)).isEmpty();
    concent.received(reportEnv);
    assertThat(stores.get(id, MessageType.TASK_TO_COMPUTE)).hasValue(f.codec.encode(ttcEnv));
    assertThat(stores.get(id, MessageType.REPORT_COMPUTED_TASK))
        .hasValue(f.codec.encode(reportEnv));
  }

  @Test
  void keepsNothingWithConcentOff() {
    on = false;
    concent.announced(f.header(false));
    concent.sent(ttcEnv);
    concent.received(reportEnv);
    assertThat(stores.all(id)).isEmpty();
    assertThat(
            concent.handle(
                f.fromConcent(
                    new ForceReportComputedTask(
                        f.codec.encode(ttcEnv), f.codec.encode(reportEnv)))))
        .isFalse();
  }

  @Test
  void answersAForcedReportWithWhatTheAgentDecides() {
    concent.sent(ttcEnv);
    answer = Optional.of(new AckReportComputedTask(report.structHash(), ttc.subtaskId()));
    ConcentMessage relayed =
        f.fromConcent(
            new ForceReportComputedTask(f.codec.encode(ttcEnv), f.codec.encode(reportEnv)));
    assertThat(concent.handle(relayed)).isTrue();
    assertThat(forced).hasSize(1);
    assertThat(forced.get(0).payload()).isEqualTo(report);
    assertThat(port.sent).containsExactly(answer.get());
    assertThat(stores.get(id).orElseThrow().label())
        .isEqualTo("ANSWERED(ACK_REPORT_COMPUTED_TASK)");
    assertThat(stores.get(id, MessageType.REPORT_COMPUTED_TASK)).isPresent();
  }

  @Test
  void takesConcentsVerdictsOnItsOwnSubtasksWithoutChangingTheirStateAndNoOthers() {
    concent.sent(ttcEnv);
    concent.handle(
        f.fromConcent(
            new ForceReportComputedTask(f.codec.encode(ttcEnv), f.codec.encode(reportEnv))));
    ConcentState before = stores.state(id);
    assertThat(
            concent.handle(
                f.fromConcent(
                    new ForceReportComputedTaskResponse(
                        ttc.subtaskId(),
                        report.structHash(),
                        ForceReportComputedTaskResponse.Outcome.CONCENT_ACK,
                        new byte[0]))))
        .as("the copy of Concent's ack to this requestor is taken (acknowledged), not dropped")
        .isTrue();
    assertThat(stores.state(id)).isEqualTo(before);
    byte[] stranger = ttc.subtaskId().clone();
    stranger[0] ^= 1;
    assertThat(
            concent.handle(
                f.fromConcent(
                    new ForceReportComputedTaskResponse(
                        stranger,
                        report.structHash(),
                        ForceReportComputedTaskResponse.Outcome.CONCENT_ACK,
                        new byte[0]))))
        .isFalse();
  }

  @Test
  void aForcedReportWithNoAnswerHereIsLeftToConcent() {
    concent.sent(ttcEnv);
    assertThat(
            concent.handle(
                f.fromConcent(
                    new ForceReportComputedTask(
                        f.codec.encode(ttcEnv), f.codec.encode(reportEnv)))))
        .isTrue();
    assertThat(port.sent).isEmpty();
    assertThat(stores.state(id)).isEqualTo(ConcentState.FORCING_REPORT);
  }

  @Test
  void anUndecidedSubtaskIsDecidedNowWhenConcentForcesAVerdictAndConcentGetsTheVerdict() {
    concent.sent(ttcEnv);
    concent.received(reportEnv);
    Envelope ack =
        f.seal(new AckReportComputedTask(report.structHash(), ttc.subtaskId()), f.requestor);
    ConcentMessage relayed =
        f.fromConcent(
            new ForceSubtaskResults(
                f.codec.encode(ttcEnv), f.codec.encode(reportEnv), f.codec.encode(ack)));
    assertThat(concent.handle(relayed)).isTrue();
    assertThat(port.sent).isEmpty();
    assertThat(decideNow).as("the agent decides now").containsExactly(reportEnv);
    assertThat(stores.state(id)).isEqualTo(ConcentState.FORCING_ACCEPTANCE);

    SubtaskResultsAccepted sra =
        new SubtaskResultsAccepted(
            report.structHash(),
            ttc.subtaskId(),
            f.requestor.address(),
            f.provider.address(),
            ConcentFixture.PRICE,
            f.clock.millis() / 1000);
    port.failures = 1; // Concent not reached at first: sent again after a back-off
    concent.sent(f.seal(sra, f.requestor));
    scheduler.runDue();
    assertThat(port.sent).isEmpty();
    f.clock.advance(Duration.ofSeconds(5));
    scheduler.runDue();
    assertThat(port.sent).as("the verdict made goes to Concent at once").containsExactly(sra);
    assertThat(stores.get(id).orElseThrow().label())
        .isEqualTo("ANSWERED(SUBTASK_RESULTS_ACCEPTED)");
    // a verdict sent again (the provider reports again) is not sent to Concent again
    concent.sent(f.seal(sra, f.requestor));
    scheduler.runDue();
    assertThat(port.sent).hasSize(1);

    // Concent relays its request again (not acknowledged): answered with the verdict kept
    assertThat(concent.handle(relayed)).isTrue();
    assertThat(port.sent).containsExactly(sra, sra);
    assertThat(decideNow).hasSize(1);
  }

  @Test
  void aVerdictMadeAfterConcentAlreadyPaidIsNotSentAndThePaymentStaysShown() {
    concent.sent(ttcEnv);
    concent.received(reportEnv);
    Envelope ack =
        f.seal(new AckReportComputedTask(report.structHash(), ttc.subtaskId()), f.requestor);
    concent.handle(
        f.fromConcent(
            new ForceSubtaskResults(
                f.codec.encode(ttcEnv), f.codec.encode(reportEnv), f.codec.encode(ack))));
    String tx = "0x" + "ab".repeat(32);
    concent.handle(
        f.fromConcent(
            new SettlementMade(
                SettlementMade.UseCase.FORCED_ACCEPTANCE,
                f.requestor.address(),
                f.provider.address(),
                List.of(ttc.subtaskId()),
                ConcentFixture.PRICE,
                tx)));
    concent.sent(
        f.seal(
            new SubtaskResultsAccepted(
                report.structHash(),
                ttc.subtaskId(),
                f.requestor.address(),
                f.provider.address(),
                ConcentFixture.PRICE,
                f.clock.millis() / 1000),
            f.requestor));
    scheduler.runDue();
    assertThat(port.sent).as("Concent decided already: nothing to send").isEmpty();
    assertThat(stores.get(id).orElseThrow().label()).isEqualTo("PAID_BY_CONCENT(tx " + tx + ")");
  }

  @Test
  void concentsPaymentAndItsFailedTransferVerdictAreKept() {
    concent.sent(ttcEnv);
    assertThat(
            concent.handle(
                f.fromConcent(
                    new ForceGetTaskResultFailed(
                        ttc.subtaskId(), ttc.structHash(), report.structHash(), "bafy-result"))))
        .isTrue();
    assertThat(stores.get(id).orElseThrow().label()).isEqualTo("RESULT_NOT_UPLOADED(bafy-result)");
    assertThat(results).singleElement().asString().contains("did not upload bafy-result");
    assertThat(stores.get(id, MessageType.FORCE_GET_TASK_RESULT_FAILED)).isPresent();

    String tx = "0x" + "cd".repeat(32);
    assertThat(
            concent.handle(
                f.fromConcent(
                    new SettlementMade(
                        SettlementMade.UseCase.FORCED_ACCEPTANCE,
                        f.requestor.address(),
                        f.provider.address(),
                        List.of(ttc.subtaskId()),
                        ConcentFixture.PRICE,
                        tx))))
        .isTrue();
    assertThat(stores.get(id).orElseThrow().label()).isEqualTo("PAID_BY_CONCENT(tx " + tx + ")");
    assertThat(paid).containsExactly("FORCED_ACCEPTANCE [" + id + "] " + ConcentFixture.PRICE);
  }

  @Test
  void aResultNotDownloadedWithinMdtIsForcedAndADoneDownloadIsNot() {
    concent.sent(ttcEnv);
    concent.received(reportEnv);
    concent.downloading(id, report.size());
    scheduler.runDue(); // the Concent thread takes it now
    long mdt = times.mdt(report.size()).toMillis();
    scheduler.advance(Duration.ofMillis(mdt - 1));
    assertThat(port.sent).isEmpty();
    scheduler.advance(Duration.ofMillis(1));
    assertThat(port.sent).singleElement().isInstanceOf(ForceGetTaskResult.class);
    ForceGetTaskResult force = (ForceGetTaskResult) port.sent.get(0);
    assertThat(force.report()).isEqualTo(f.codec.encode(reportEnv));
    assertThat(stores.state(id)).isEqualTo(ConcentState.FORCING_RESULT);

    // the result then comes from Concent's storage, and is checked as usual
    assertThat(
            concent.handle(
                f.fromConcent(
                    new ForceGetTaskResultDownload(
                        ttc.subtaskId(), report.structHash(), "bafy-result", f.clock.millis()))))
        .isTrue();
    assertThat(results).containsExactly("at concent " + id);
    assertThat(stores.state(id)).isEqualTo(ConcentState.RESULT_AT_CONCENT);

    // another subtask downloaded in time: nothing asked
    TaskToCompute other = f.ttc(Duration.ofHours(1));
    Envelope otherEnv = f.seal(other, f.requestor);
    concent.sent(otherEnv);
    String otherId = ConcentFixture.hex(other.subtaskId());
    concent.downloading(otherId, 10);
    scheduler.runDue();
    concent.downloaded(otherId);
    scheduler.advance(Duration.ofHours(1));
    assertThat(port.sent).hasSize(1);
  }

  @Test
  void aFailedDownloadIsForcedAtOnceAndWithConcentOffItIsNot() {
    concent.sent(ttcEnv);
    concent.received(reportEnv);
    assertThat(concent.downloadFailed(id)).isTrue();
    scheduler.runDue();
    assertThat(port.sent).singleElement().isInstanceOf(ForceGetTaskResult.class);

    on = false;
    concent.announced(f.header(false));
    TaskToCompute other = f.ttc(Duration.ofHours(1));
    concent.sent(f.seal(other, f.requestor));
    assertThat(concent.downloadFailed(ConcentFixture.hex(other.subtaskId()))).isFalse();
  }

  org.jgolem.protocol.messages.concent.SubtaskResultsSettled settled(
      org.jgolem.protocol.messages.concent.SubtaskResultsSettled.Outcome outcome) {
    boolean right =
        outcome
            == org.jgolem.protocol.messages.concent.SubtaskResultsSettled.Outcome.PROVIDER_RIGHT;
    byte[] a = new byte[32];
    byte[] b = new byte[32];
    java.util.Arrays.fill(a, (byte) 7);
    java.util.Arrays.fill(b, right ? (byte) 7 : (byte) 8);
    return new org.jgolem.protocol.messages.concent.SubtaskResultsSettled(
        ttc.subtaskId(),
        f.requestor.address(),
        f.provider.address(),
        report.structHash(),
        ttc.subtaskId(),
        report.resultCid(),
        List.of("cid"),
        org.jgolem.protocol.messages.concent.SubtaskResultsSettled.Method.GWASM_DIGEST,
        outcome,
        org.jgolem.protocol.messages.concent.SubtaskResultsSettled.NeutralReason.NONE,
        "judged",
        List.of(org.jgolem.protocol.messages.concent.VerificationCheck.digest("d", "out", a, b)),
        right ? ConcentFixture.PRICE : BigInteger.ZERO,
        right ? BigInteger.ONE : BigInteger.ZERO,
        right ? BigInteger.ZERO : BigInteger.ONE);
  }

  @Test
  void aDisputeVerdictOnItsOwnSubtaskGoesToTheAgentOnceAndHoldsThePaymentBack() {
    concent.sent(ttcEnv);
    var right = org.jgolem.protocol.messages.concent.SubtaskResultsSettled.Outcome.PROVIDER_RIGHT;
    assertThat(concent.handle(f.fromConcent(settled(right)))).isTrue();
    assertThat(concent.handle(f.fromConcent(settled(right)))).isTrue(); // delivered again
    assertThat(settledDisputes).containsExactly(id + " " + f.provider.address() + " " + right);
    assertThat(stores.state(id)).isEqualTo(ConcentState.OVERTURNED);
    assertThat(concent.paidByConcent(id)).isTrue();
  }

  @Test
  void aLostDisputeLeavesTheRejectionAndPaysNothing() {
    concent.sent(ttcEnv);
    var wrong = org.jgolem.protocol.messages.concent.SubtaskResultsSettled.Outcome.PROVIDER_WRONG;
    assertThat(concent.handle(f.fromConcent(settled(wrong)))).isTrue();
    assertThat(stores.state(id)).isEqualTo(ConcentState.REJECTION_UPHELD);
    assertThat(concent.paidByConcent(id)).isFalse();
  }
}
