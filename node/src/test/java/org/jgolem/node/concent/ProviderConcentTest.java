package org.jgolem.node.concent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jgolem.concent.time.Windows;
import org.jgolem.eth.Address;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultUpload;
import org.jgolem.protocol.messages.concent.ForcePayment;
import org.jgolem.protocol.messages.concent.ForcePaymentResponse;
import org.jgolem.protocol.messages.concent.ForceReportComputedTask;
import org.jgolem.protocol.messages.concent.ForceReportComputedTaskResponse;
import org.jgolem.protocol.messages.concent.ForceSubtaskResults;
import org.jgolem.protocol.messages.concent.ForceSubtaskResultsResponse;
import org.jgolem.protocol.messages.concent.ServiceRefused;
import org.jgolem.protocol.messages.concent.SettlementMade;
import org.jgolem.protocol.messages.market.AckReportComputedTask;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.testkit.ManualScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The provider's triggers on a fake clock: each at the edge of its window (nothing one millisecond
 * before, the request at it), cancelled by the requestor's answer, Concent's answers applied, and a
 * restart that does not ask twice.
 */
@Timeout(30)
class ProviderConcentTest {
  final ConcentFixture f = new ConcentFixture();
  final ConcentFixture.MemoryStores stores = new ConcentFixture.MemoryStores();
  final ConcentFixture.FakePort port = new ConcentFixture.FakePort();
  ManualScheduler scheduler = new ManualScheduler(f.clock);
  final Windows times = Windows.golem();
  final List<String> agent = new ArrayList<>();
  final List<Envelope> relayed = new ArrayList<>();
  ProviderConcent concent = concent();

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
            relayed.add(m);
            agent.add("relayed " + m.type());
          }

          @Override
          public void acknowledgedByConcent(String id) {
            agent.add("acknowledgedByConcent " + id);
          }

          @Override
          public void acceptedByConcent(String id, Address requestor, BigInteger amount) {
            agent.add("acceptedByConcent " + id + " " + requestor + " " + amount);
          }

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
    return c;
  }

  /** A restart: the timers die with the process; the stores stay. */
  void restart() {
    scheduler = new ManualScheduler(f.clock);
    concent = concent();
  }

  TaskToCompute ttc;
  Envelope ttcEnv;
  ReportComputedTask report;
  Envelope reportEnv;
  String id;

  /** A subtask taken on and reported, with its deadline an hour away. */
  void reported() {
    ttc = f.ttc(Duration.ofHours(1));
    ttcEnv = f.seal(ttc, f.requestor);
    id = ConcentFixture.hex(ttc.subtaskId());
    concent.assigned(id, ttcEnv);
    f.clock.advance(Duration.ofMinutes(10));
    report = ConcentFixture.report(ttc, 100_000);
    reportEnv = f.seal(report, f.provider);
    concent.reported(reportEnv);
    scheduler.runDue();
  }

  Envelope ack() {
    return f.seal(new AckReportComputedTask(report.structHash(), ttc.subtaskId()), f.requestor);
  }

  long forceAcceptanceAt() {
    return times.forceAcceptanceAt(ttcEnv.timestamp(), ttc.deadline(), report.size());
  }

  @Test
  void anUnansweredReportIsForcedAt2MmttPlusMat() {
    reported();
    scheduler.advance(Duration.ofSeconds(145).minusMillis(1));
    assertThat(port.sent).isEmpty();
    assertThat(stores.state(id)).isEqualTo(ConcentState.NONE);

    scheduler.advance(Duration.ofMillis(1));
    assertThat(port.sent).hasSize(1);
    ForceReportComputedTask force = (ForceReportComputedTask) port.sent.get(0);
    assertThat(force.taskToCompute()).isEqualTo(f.codec.encode(ttcEnv));
    assertThat(force.report()).isEqualTo(f.codec.encode(reportEnv));
    assertThat(stores.state(id)).isEqualTo(ConcentState.FORCING_REPORT);
  }

  @Test
  void aReportSentAgainIsNotForcedAgainAndKeepsItsFirstFrame() {
    reported();
    f.clock.advance(Duration.ofSeconds(2));
    concent.reported(f.seal(report, f.provider));
    scheduler.advance(Duration.ofSeconds(145));
    assertThat(port.sent).hasSize(1);
    assertThat(((ForceReportComputedTask) port.sent.get(0)).report())
        .isEqualTo(f.codec.encode(reportEnv));
  }

  @Test
  void anAckCancelsTheForcedReportAndForcesAVerdictAtDeadlinePlusSvtPlusOneSecond() {
    reported();
    Envelope ack = ack();
    concent.acknowledged(id, ack);
    scheduler.runDue();
    scheduler.advance(Duration.ofSeconds(200));
    assertThat(port.sent).isEmpty();

    f.clock.set(forceAcceptanceAt() - 1);
    scheduler.runDue();
    assertThat(port.sent).isEmpty();
    f.clock.set(forceAcceptanceAt());
    scheduler.runDue();
    assertThat(port.sent).hasSize(1);
    ForceSubtaskResults force = (ForceSubtaskResults) port.sent.get(0);
    assertThat(force.ack()).isEqualTo(f.codec.encode(ack));
    assertThat(force.report()).isEqualTo(f.codec.encode(reportEnv));
    assertThat(stores.state(id)).isEqualTo(ConcentState.FORCING_ACCEPTANCE);
    // deadline + SVT + 1 s, SVT = 4 CMT + 3 MDT(size) + (deadline - assigned) / 2
    long svt =
        4 * 240_000 + 3 * (60_000 + Math.ceilDiv(100_000L * 1000, 48 * 1024)) + 3_600_000 / 2;
    assertThat(forceAcceptanceAt()).isEqualTo(ttc.deadline() + svt + 1000);
  }

  @Test
  void aVerdictCancelsEverything() {
    reported();
    concent.acknowledged(id, ack());
    SubtaskResultsAccepted sra =
        new SubtaskResultsAccepted(
            report.structHash(),
            ttc.subtaskId(),
            f.requestor.address(),
            f.provider.address(),
            ConcentFixture.PRICE,
            f.clock.millis() / 1000);
    Envelope sraEnv = f.seal(sra, f.requestor);
    concent.answered(id, sraEnv);
    f.clock.set(forceAcceptanceAt() + 60_000);
    scheduler.runDue();
    assertThat(port.sent).isEmpty();
    assertThat(stores.get(id, MessageType.SUBTASK_RESULTS_ACCEPTED))
        .hasValueSatisfying(b -> assertThat(b).isEqualTo(f.codec.encode(sraEnv)));
  }

  @Test
  void concentsAckIsCitedInTheForcedVerdictAndItsAcceptanceAndPaymentReachTheAgent() {
    reported();
    scheduler.advance(Duration.ofSeconds(145));
    ConcentMessage verdict =
        f.fromConcent(
            new ForceReportComputedTaskResponse(
                ttc.subtaskId(),
                report.structHash(),
                ForceReportComputedTaskResponse.Outcome.CONCENT_ACK,
                new byte[0]));
    assertThat(concent.handle(verdict)).isTrue();
    assertThat(agent).containsExactly("acknowledgedByConcent " + id);
    assertThat(stores.state(id)).isEqualTo(ConcentState.CONCENT_ACK);

    f.clock.set(forceAcceptanceAt());
    scheduler.runDue();
    assertThat(port.sent).hasSize(2);
    assertThat(((ForceSubtaskResults) port.sent.get(1)).ack()).isEqualTo(verdict.frame());

    BigInteger amount = ConcentFixture.PRICE;
    assertThat(
            concent.handle(
                f.fromConcent(
                    new ForceSubtaskResultsResponse(
                        ttc.subtaskId(),
                        report.structHash(),
                        ForceSubtaskResultsResponse.Outcome.ACCEPTED_BY_CONCENT,
                        amount,
                        new byte[0]))))
        .isTrue();
    assertThat(stores.get(id).orElseThrow().label())
        .isEqualTo("ACCEPTED_BY_CONCENT(" + amount + " wei)");
    assertThat(agent)
        .contains("acceptedByConcent " + id + " " + f.requestor.address() + " " + amount);

    String tx = "0x" + "ab".repeat(32);
    assertThat(
            concent.handle(
                f.fromConcent(
                    new SettlementMade(
                        SettlementMade.UseCase.FORCED_ACCEPTANCE,
                        f.requestor.address(),
                        f.provider.address(),
                        List.of(ttc.subtaskId()),
                        amount,
                        tx))))
        .isTrue();
    assertThat(stores.get(id).orElseThrow().label()).isEqualTo("PAID_BY_CONCENT(tx " + tx + ")");
    assertThat(agent).contains("paidByConcent FORCED_ACCEPTANCE [" + id + "] " + amount);
  }

  @Test
  void theRequestorsAckRelayedByConcentGoesToTheAgentAndAForgedOneIsRefused() {
    reported();
    scheduler.advance(Duration.ofSeconds(145));
    Envelope forged =
        f.seal(new AckReportComputedTask(report.structHash(), ttc.subtaskId()), NodeKey.generate());
    ConcentMessage bad =
        f.fromConcent(
            new ForceReportComputedTaskResponse(
                ttc.subtaskId(),
                report.structHash(),
                ForceReportComputedTaskResponse.Outcome.ACK_FROM_REQUESTOR,
                f.codec.encode(forged)));
    assertThatThrownBy(() -> concent.handle(bad)).hasMessageContaining("relayed");
    assertThat(relayed).isEmpty();

    Envelope ack = ack();
    assertThat(
            concent.handle(
                f.fromConcent(
                    new ForceReportComputedTaskResponse(
                        ttc.subtaskId(),
                        report.structHash(),
                        ForceReportComputedTaskResponse.Outcome.ACK_FROM_REQUESTOR,
                        f.codec.encode(ack)))))
        .isTrue();
    assertThat(relayed).hasSize(1);
    assertThat(relayed.get(0).payload()).isEqualTo(ack.payload());
    assertThat(stores.state(id)).isEqualTo(ConcentState.REPORT_ACKNOWLEDGED);
    f.clock.set(forceAcceptanceAt());
    scheduler.runDue();
    assertThat(((ForceSubtaskResults) port.sent.get(1)).ack()).isEqualTo(f.codec.encode(ack));
  }

  @Test
  void aRefusalShowsItsReason() {
    reported();
    port.answer =
        f.fromConcent(
            new ServiceRefused(
                ttc.subtaskId(), new byte[16], ServiceRefused.Reason.TOO_LATE, "window closed"));
    scheduler.advance(Duration.ofSeconds(145));
    assertThat(stores.get(id).orElseThrow().label()).isEqualTo("REFUSED(TOO_LATE: window closed)");
  }

  @Test
  void anUnreachableConcentIsAskedAgainAfterABackOff() {
    reported();
    port.failures = 2;
    scheduler.advance(Duration.ofSeconds(145));
    assertThat(port.sent).isEmpty();
    scheduler.advance(Duration.ofSeconds(5).minusMillis(1));
    assertThat(port.sent).isEmpty();
    scheduler.advance(Duration.ofMillis(1)); // second failure; next try 10 s later
    scheduler.advance(Duration.ofSeconds(10).minusMillis(1));
    assertThat(port.sent).isEmpty();
    scheduler.advance(Duration.ofMillis(1));
    assertThat(port.sent).hasSize(1);
  }

  @Test
  void anUploadOrderUploadsTheResult() {
    reported();
    assertThat(
            concent.handle(
                f.fromConcent(
                    new ForceGetTaskResultUpload(
                        ttc.subtaskId(),
                        report.structHash(),
                        "bafy-result",
                        100_000,
                        f.clock.millis() + 60_000))))
        .isTrue();
    assertThat(port.uploads).containsExactly(id + " bafy-result");
    assertThat(stores.state(id)).isEqualTo(ConcentState.RESULT_UPLOADED);
  }

  @Test
  void aMessageAboutAnotherSubtaskIsNotTaken() {
    reported();
    TaskToCompute other = f.ttc(Duration.ofHours(1));
    assertThat(
            concent.handle(
                f.fromConcent(
                    new ServiceRefused(
                        other.subtaskId(), new byte[16], ServiceRefused.Reason.TOO_LATE, ""))))
        .isFalse();
  }

  @Test
  void aRestartedProviderDoesNotAskTwiceAndStillForcesTheVerdictOnTime() {
    reported();
    scheduler.advance(Duration.ofSeconds(145));
    assertThat(port.sent).hasSize(1);

    // restarted: the job is reported again
    restart();
    concent.reported(f.seal(report, f.provider));
    scheduler.advance(Duration.ofSeconds(300));
    assertThat(port.sent).hasSize(1);

    // a second subtask, acknowledged before the restart
    reported();
    concent.acknowledged(id, ack());
    scheduler.runDue();
    restart();
    concent.reported(f.seal(report, f.provider));
    scheduler.advance(Duration.ofSeconds(300));
    assertThat(port.sent).hasSize(1);
    f.clock.set(forceAcceptanceAt());
    scheduler.runDue();
    assertThat(port.sent).hasSize(2);
    assertThat(port.sent.get(1)).isInstanceOf(ForceSubtaskResults.class);
  }

  /** The current subtask accepted by the requestor, with this payment time (s). */
  void acceptedAt(long paymentTs) {
    concent.acknowledged(id, ack());
    SubtaskResultsAccepted sra =
        new SubtaskResultsAccepted(
            report.structHash(),
            ttc.subtaskId(),
            f.requestor.address(),
            f.provider.address(),
            ConcentFixture.PRICE,
            paymentTs);
    concent.answered(id, f.seal(sra, f.requestor));
    scheduler.runDue();
  }

  @Test
  void overdueIncomesOfOneRequestorAreForcedInOneRequestOncePdtHasPassed() {
    long t0 = f.clock.millis() / 1000;
    reported();
    String first = id;
    byte[] firstTtc = f.codec.encode(ttcEnv);
    acceptedAt(t0 + 20);
    reported();
    String second = id;
    byte[] secondTtc = f.codec.encode(ttcEnv);
    acceptedAt(t0 + 10); // paid earlier: first in the request

    concent.overdue(f.requestor.address(), first);
    concent.overdue(f.requestor.address(), second);
    concent.overdue(f.requestor.address(), "ff".repeat(32)); // not a Concent subtask: left out
    long due = (t0 + 20) * 1000 + times.pdt().toMillis();
    f.clock.set(due - 1);
    scheduler.runDue();
    assertThat(port.sent).noneMatch(p -> p instanceof ForcePayment);
    f.clock.set(due);
    scheduler.runDue();
    List<ForcePayment> forced =
        port.sent.stream()
            .filter(p -> p instanceof ForcePayment)
            .map(p -> (ForcePayment) p)
            .toList();
    assertThat(forced).hasSize(1);
    assertThat(forced.get(0).taskToComputes()).containsExactly(secondTtc, firstTtc);
    assertThat(stores.state(first)).isEqualTo(ConcentState.FORCING_PAYMENT);
    assertThat(stores.state(second)).isEqualTo(ConcentState.FORCING_PAYMENT);

    assertThat(
            concent.handle(
                f.fromConcent(
                    new ForcePaymentResponse(
                        f.requestor.address(),
                        f.provider.address(),
                        List.of(ttc.subtaskId()),
                        ConcentFixture.PRICE,
                        ConcentFixture.PRICE,
                        BigInteger.ZERO,
                        ForcePaymentResponse.Outcome.NO_UNSETTLED_TASKS))))
        .isTrue();
    assertThat(stores.state(second)).isEqualTo(ConcentState.PAYMENT_NOT_MISSING);
  }
}
