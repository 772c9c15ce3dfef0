package org.jgolem.concent.service;

import java.util.Map;
import java.util.Optional;
import org.jgolem.concent.api.ConcentApi.SendResult;
import org.jgolem.concent.cases.CaseState;
import org.jgolem.concent.cases.SubtaskCase;
import org.jgolem.concent.evidence.ReportEvidence;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.concent.ForceReportComputedTaskResponse;
import org.jgolem.protocol.messages.concent.ForceReportComputedTaskResponse.Outcome;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.TaskToCompute;

/**
 * Use case 1, ForceReportComputedTask: a provider's report got no answer. Taken until the subtask's
 * deadline, it opens a case in FORCING_REPORT and relays the provider's request to the requestor,
 * who may acknowledge or reject the report until deadline + CMT; past that Concent acknowledges it
 * in the requestor's place (CONCENT_ACK).
 */
final class ForceReportHandler {
  static final String USE_CASE = MessageType.FORCE_REPORT_COMPUTED_TASK.name();
  static final String RULE_OPEN = "forceReportOpen";
  static final String RULE_ANSWER = "reportAnswerWindow";

  private final Parts p;

  ForceReportHandler(Parts parts) {
    this.p = parts;
  }

  /** The provider's request; queued (202), or SUBTASK_TIMEOUT after the deadline. */
  SendResult request(Envelope request, byte[] frame) {
    ReportEvidence e = p.verifier().forceReport(request);
    TaskToCompute ttc = e.ttc();
    ReportComputedTask rct = e.rct();
    return p.store()
        .transaction(tx -> {
          long now = p.now();
          Optional<SubtaskCase> existing = tx.findCase(ttc.requestor(), ttc.subtaskId());
          if (existing.isPresent()) {
            throw Parts.cannotOpen(existing.get(), CaseState.FORCING_REPORT, request.type());
          }
          boolean open = p.windows().forceReportOpen(now, ttc.deadline());
          Map<String, Long> inputs = Recording.times("deadline", ttc.deadline());
          if (!open) {
            byte[] reply =
                p.sign(
                    new ForceReportComputedTaskResponse(
                        ttc.subtaskId(), rct.structHash(), Outcome.SUBTASK_TIMEOUT, new byte[0]));
            Recording.of(tx, ttc, now)
                .received(request.sender(), frame, now)
                .rule(RULE_OPEN, now, false, inputs, Recording.times("closesAt", ttc.deadline()))
                .verdict(USE_CASE, Outcome.SUBTASK_TIMEOUT.name(), Map.of(), now)
                .sent(reply, now, request.sender());
            return SendResult.reply(reply);
          }
          long answerBy = p.windows().reportAnswerDeadline(ttc.deadline());
          tx.saveCase(
              Parts.open(
                  e.task(),
                  e.report(),
                  CaseState.FORCING_REPORT,
                  answerBy,
                  Map.of(MessageType.FORCE_REPORT_COMPUTED_TASK, frame)));
          Recording.of(tx, ttc, now)
              .received(request.sender(), frame, now)
              .rule(RULE_OPEN, now, true, inputs, Recording.times("closesAt", ttc.deadline()))
              .moved(Recording.NEW, CaseState.FORCING_REPORT.name(), now);
          tx.enqueue(ttc.requestor(), frame, now);
          return SendResult.queued();
        });
  }

  /**
   * The requestor's AckReportComputedTask or RejectReportComputedTask for case {@code c}, in
   * FORCING_REPORT and in time: the case is REPORTED or FAILED and the provider gets the answer.
   */
  void answer(ConcentTx tx, SubtaskCase c, Envelope answer, byte[] frame, long now) {
    p.verifier().reportAnswer(answer, c);
    boolean ack = answer.type() == MessageType.ACK_REPORT_COMPUTED_TASK;
    CaseState next = ack ? CaseState.REPORTED : CaseState.FAILED;
    tx.saveCase(c.moveTo(next, 0, Map.of(answer.type(), frame)));
    Outcome outcome = ack ? Outcome.ACK_FROM_REQUESTOR : Outcome.REJECT_FROM_REQUESTOR;
    byte[] response =
        p.sign(new ForceReportComputedTaskResponse(c.subtaskId(), c.reportHash(), outcome, frame));
    tx.enqueue(c.provider(), response, now);
    Recording.of(tx, c, now)
        .received(answer.sender(), frame, now)
        .rule(RULE_ANSWER, now, true, answerInputs(c), answerBounds(c))
        .moved(c.state().name(), next.name(), now)
        .verdict(USE_CASE, outcome.name(), Map.of(), now)
        .sent(response, now, c.provider());
  }

  private static Map<String, Long> answerInputs(SubtaskCase c) {
    return Recording.times("deadline", c.computeDeadline());
  }

  private static Map<String, Long> answerBounds(SubtaskCase c) {
    return Recording.times("closesAt", c.nextDeadline());
  }

  /** The requestor stayed silent past deadline + CMT: Concent acknowledges, to both parties. */
  void timeout(ConcentTx tx, SubtaskCase c, long now) {
    byte[] verdict =
        p.sign(
            new ForceReportComputedTaskResponse(
                c.subtaskId(), c.reportHash(), Outcome.CONCENT_ACK, new byte[0]));
    tx.saveCase(
        c.moveTo(
            CaseState.REPORTED,
            0,
            Map.of(MessageType.FORCE_REPORT_COMPUTED_TASK_RESPONSE, verdict)));
    tx.enqueue(c.provider(), verdict, now);
    tx.enqueue(c.requestor(), verdict, now);
    Recording.of(tx, c, now)
        .rule(RULE_ANSWER, now, false, answerInputs(c), answerBounds(c))
        .moved(c.state().name(), CaseState.REPORTED.name(), now)
        .verdict(USE_CASE, Outcome.CONCENT_ACK.name(), Map.of(), now)
        .sent(verdict, now, c.provider(), c.requestor());
  }
}
