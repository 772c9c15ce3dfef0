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
          if (!p.windows().forceReportOpen(now, ttc.deadline())) {
            return SendResult.reply(
                p.sign(
                    new ForceReportComputedTaskResponse(
                        ttc.subtaskId(), rct.structHash(), Outcome.SUBTASK_TIMEOUT, new byte[0])));
          }
          tx.saveCase(
              Parts.open(
                  e.task(),
                  e.report(),
                  CaseState.FORCING_REPORT,
                  p.windows().reportAnswerDeadline(ttc.deadline()),
                  Map.of(MessageType.FORCE_REPORT_COMPUTED_TASK, frame)));
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
    tx.saveCase(
        c.moveTo(ack ? CaseState.REPORTED : CaseState.FAILED, 0, Map.of(answer.type(), frame)));
    tx.enqueue(
        c.provider(),
        p.sign(
            new ForceReportComputedTaskResponse(
                c.subtaskId(),
                c.reportHash(),
                ack ? Outcome.ACK_FROM_REQUESTOR : Outcome.REJECT_FROM_REQUESTOR,
                frame)),
        now);
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
  }
}
