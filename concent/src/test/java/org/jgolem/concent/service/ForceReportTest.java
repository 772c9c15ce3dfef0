package org.jgolem.concent.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.concent.ConcentFixtures.CONCENT;
import static org.jgolem.concent.ConcentFixtures.PROVIDER;
import static org.jgolem.concent.ConcentFixtures.REQUESTOR;
import static org.jgolem.concent.ConcentFixtures.STRANGER;

import java.util.List;
import org.jgolem.concent.ConcentFixtures;
import org.jgolem.concent.ConcentFixtures.Subtask;
import org.jgolem.concent.api.ConcentApi.SendResult;
import org.jgolem.concent.cases.CaseState;
import org.jgolem.concent.cases.SubtaskCase;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.concent.ForceReportComputedTask;
import org.jgolem.protocol.messages.concent.ForceReportComputedTaskResponse;
import org.jgolem.protocol.messages.concent.ForceReportComputedTaskResponse.Outcome;
import org.jgolem.protocol.messages.concent.ServiceRefused;
import org.jgolem.protocol.messages.concent.ServiceRefused.Reason;
import org.jgolem.protocol.messages.market.AckReportComputedTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Use case 1: ForceReportComputedTask, at both edges of each window. */
@Timeout(30)
class ForceReportTest {
  private final Harness h = new Harness();
  private final Subtask s = h.fx.subtask(0x22);
  private final long cmt = h.windows.cmt().toMillis();

  private SendResult force() {
    return h.send(PROVIDER, new ForceReportComputedTask(s.ttcFrame(), s.rctFrame()));
  }

  private SubtaskCase theCase() {
    return h.store.cases().get(0);
  }

  @Test
  void atTheDeadlineExactlyTheReportIsRelayedToTheRequestor() {
    h.clock.set(s.deadline());
    byte[] request =
        h.fx.frame(new ForceReportComputedTask(s.ttcFrame(), s.rctFrame()), PROVIDER, s.deadline());
    SendResult r = h.sendFrame(PROVIDER, request);

    assertThat(r.reply()).isEmpty(); // queued: 202
    assertThat(theCase().state()).isEqualTo(CaseState.FORCING_REPORT);
    assertThat(theCase().nextDeadline()).isEqualTo(s.deadline() + cmt);
    assertThat(theCase().reportHash()).isEqualTo(s.rct().structHash());
    assertThat(theCase().assignedAt()).isEqualTo(s.assignedAt());
    assertThat(h.drainFrames(REQUESTOR)).containsExactly(request); // relayed unchanged
    assertThat(h.drainFrames(PROVIDER)).isEmpty();
  }

  @Test
  void oneMillisecondAfterTheDeadlineTheAnswerIsSubtaskTimeoutAndNothingIsStored() {
    h.clock.set(s.deadline() + 1);
    ForceReportComputedTaskResponse reply = (ForceReportComputedTaskResponse) h.reply(force());
    assertThat(reply.outcome()).isEqualTo(Outcome.SUBTASK_TIMEOUT);
    assertThat(reply.reportHash()).isEqualTo(s.rct().structHash());
    assertThat(h.store.cases()).isEmpty();
    assertThat(h.store.outboxSize()).isZero();
  }

  @Test
  void theRequestorsAckAtTheLastMillisecondReachesTheProvider() {
    force();
    h.clock.set(s.deadline() + cmt);
    byte[] ack = h.fx.ack(s, h.clock.millis());
    assertThat(h.sendFrame(REQUESTOR, ack).reply()).isEmpty();

    assertThat(theCase().state()).isEqualTo(CaseState.REPORTED);
    assertThat(theCase().frame(MessageType.ACK_REPORT_COMPUTED_TASK)).isEqualTo(ack);
    List<Envelope> got = h.drain(PROVIDER);
    assertThat(got).hasSize(1);
    ForceReportComputedTaskResponse resp =
        got.get(0).payload(ForceReportComputedTaskResponse.class);
    assertThat(resp.outcome()).isEqualTo(Outcome.ACK_FROM_REQUESTOR);
    assertThat(resp.answer()).isEqualTo(ack);
    assertThat(h.service.tick()).isZero(); // nothing left to time out
  }

  @Test
  void aReplayedAckChangesNothing() {
    force();
    byte[] ack = h.fx.ack(s, h.clock.millis());
    h.sendFrame(REQUESTOR, ack);
    ServiceRefused again = h.refusal(h.sendFrame(REQUESTOR, ack));
    assertThat(again.reason()).isEqualTo(Reason.INVALID_STATE);
    assertThat(again.detail())
        .contains("is REPORTED; Concent waits for no ACK_REPORT_COMPUTED_TASK");
    assertThat(theCase().version()).isEqualTo(2);
    assertThat(h.drain(PROVIDER)).hasSize(1);
  }

  @Test
  void theRequestorsRejectionFailsTheCase() {
    force();
    byte[] reject = h.fx.reject(s, h.clock.millis());
    h.sendFrame(REQUESTOR, reject);
    assertThat(theCase().state()).isEqualTo(CaseState.FAILED);
    ForceReportComputedTaskResponse resp =
        h.drain(PROVIDER).get(0).payload(ForceReportComputedTaskResponse.class);
    assertThat(resp.outcome()).isEqualTo(Outcome.REJECT_FROM_REQUESTOR);
    assertThat(resp.answer()).isEqualTo(reject);
  }

  @Test
  void aSilentRequestorIsAcknowledgedForByConcentOneMillisecondAfterTheWindow() {
    force();
    h.drain(REQUESTOR);
    h.clock.set(s.deadline() + cmt);
    assertThat(h.service.tick()).isZero();
    assertThat(theCase().state()).isEqualTo(CaseState.FORCING_REPORT);

    h.clock.advance(1);
    assertThat(h.service.tick()).isEqualTo(1);
    assertThat(theCase().state()).isEqualTo(CaseState.REPORTED);
    for (var key : List.of(PROVIDER, REQUESTOR)) {
      List<Envelope> got = h.drain(key);
      assertThat(got).hasSize(1);
      assertThat(got.get(0).sender()).isEqualTo(CONCENT.address());
      ForceReportComputedTaskResponse v = got.get(0).payload(ForceReportComputedTaskResponse.class);
      assertThat(v.outcome()).isEqualTo(Outcome.CONCENT_ACK);
      assertThat(v.reportHash()).isEqualTo(s.rct().structHash());
    }
    assertThat(h.service.tick()).isZero(); // applied once
  }

  @Test
  void aPollingProviderGetsTheVerdictWithoutATick() {
    force();
    h.clock.set(s.deadline() + cmt + 1);
    List<Envelope> got = h.drain(PROVIDER);
    assertThat(got).hasSize(1);
    assertThat(got.get(0).payload(ForceReportComputedTaskResponse.class).outcome())
        .isEqualTo(Outcome.CONCENT_ACK);
  }

  @Test
  void anAnswerAfterTheWindowIsTooLateAndConcentAcknowledges() {
    force();
    h.clock.set(s.deadline() + cmt + 1);
    ServiceRefused r = h.refusal(h.sendFrame(REQUESTOR, h.fx.reject(s, h.clock.millis())));
    assertThat(r.reason()).isEqualTo(Reason.TOO_LATE);
    assertThat(r.subtaskId()).isEqualTo(s.subtaskId());
    assertThat(r.detail()).contains("window closed at " + (s.deadline() + cmt));
    assertThat(theCase().state()).isEqualTo(CaseState.REPORTED);
    assertThat(theCase().frame(MessageType.REJECT_REPORT_COMPUTED_TASK)).isNull();
    assertThat(h.drain(PROVIDER).get(0).payload(ForceReportComputedTaskResponse.class).outcome())
        .isEqualTo(Outcome.CONCENT_ACK);
  }

  @Test
  void aReplayWhileTheCaseIsOpenIsADuplicate() {
    byte[] request =
        h.fx.frame(
            new ForceReportComputedTask(s.ttcFrame(), s.rctFrame()), PROVIDER, h.clock.millis());
    h.sendFrame(PROVIDER, request);
    ServiceRefused r = h.refusal(h.sendFrame(PROVIDER, request));
    assertThat(r.reason()).isEqualTo(Reason.DUPLICATE_REQUEST);
    assertThat(r.detail()).contains("already open");
    assertThat(h.store.outboxSize()).isEqualTo(1);
    assertThat(theCase().version()).isEqualTo(1);

    // After the case moved on, the same request has no meaning any more.
    h.sendFrame(REQUESTOR, h.fx.ack(s, h.clock.millis()));
    ServiceRefused again = h.refusal(force());
    assertThat(again.reason()).isEqualTo(Reason.INVALID_STATE);
    assertThat(again.detail()).contains("is REPORTED");
  }

  @Test
  void answersThatDoNotFitTheCaseAreRefusedAndChangeNothing() {
    force();
    // A stranger has no case as requestor.
    ServiceRefused noCase =
        h.refusal(h.send(STRANGER, new AckReportComputedTask(s.rct().structHash(), s.subtaskId())));
    assertThat(noCase.reason()).isEqualTo(Reason.INVALID_STATE);
    assertThat(noCase.detail()).contains("no case of subtask");
    // The requestor acknowledging another report.
    ServiceRefused wrong =
        h.refusal(
            h.send(
                REQUESTOR,
                new AckReportComputedTask(ConcentFixtures.bytes32(0x70), s.subtaskId())));
    assertThat(wrong.reason()).isEqualTo(Reason.INVALID_EVIDENCE);
    assertThat(wrong.detail()).contains("not the case's report");
    // A decision on results while the case waits for an ack.
    ServiceRefused state =
        h.refusal(h.sendFrame(REQUESTOR, h.fx.accepted(s, 1_700_000_000L, h.clock.millis())));
    assertThat(state.reason()).isEqualTo(Reason.INVALID_STATE);
    assertThat(state.detail()).contains("is FORCING_REPORT");
    assertThat(theCase().state()).isEqualTo(CaseState.FORCING_REPORT);
    assertThat(theCase().version()).isEqualTo(1);
    assertThat(h.drain(PROVIDER)).isEmpty();
  }
}
