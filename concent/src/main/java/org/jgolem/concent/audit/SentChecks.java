package org.jgolem.concent.audit;

import static org.jgolem.concent.audit.Auditor.hex;
import static org.jgolem.concent.audit.Auditor.open;
import static org.jgolem.concent.audit.Auditor.require;

import java.util.Arrays;
import org.jgolem.concent.record.Fields;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultDownload;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultFailed;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultUpload;
import org.jgolem.protocol.messages.concent.ForcePaymentResponse;
import org.jgolem.protocol.messages.concent.ForceReportComputedTaskResponse;
import org.jgolem.protocol.messages.concent.ForceSubtaskResultsResponse;
import org.jgolem.protocol.messages.concent.ServiceRefused;
import org.jgolem.protocol.messages.concent.SettlementMade;

/**
 * What Concent sent: each of its signed messages agrees with the record (outcome, amounts,
 * deadlines, the answer it relays, the transaction it names). Part of {@link CaseReplay}, whose
 * state it reads and moves.
 */
final class SentChecks {
  private final CaseReplay c;

  SentChecks(CaseReplay c) {
    this.c = c;
  }

  void sent(Fields f, String where) {
    Envelope env = open(c.codec, f.bytes("frame"), where);
    c.frames++;
    c.sent++;
    require(
        env.sender().equals(c.b.facts().concent()),
        "concent-signature",
        where + " " + env.type() + " is signed by " + env.sender() + ", not by Concent");
    where = where + " " + env.type();
    String outcome = c.verdict == null ? null : c.verdict.text("outcome");
    switch (env.payload()) {
      case ForceReportComputedTaskResponse r -> {
        about(r.subtaskId(), r.reportHash(), where);
        same(r.outcome().name(), outcome, where);
        if (r.outcome() == ForceReportComputedTaskResponse.Outcome.ACK_FROM_REQUESTOR
            || r.outcome() == ForceReportComputedTaskResponse.Outcome.REJECT_FROM_REQUESTOR) {
          require(
              Arrays.equals(r.answer(), c.answerFrame),
              "evidence-chain",
              where + " relays another answer than the requestor's");
        }
        if (r.outcome() == ForceReportComputedTaskResponse.Outcome.CONCENT_ACK) {
          signedAfterWindow(env, where);
        }
      }
      case ForceSubtaskResultsResponse r -> {
        about(r.subtaskId(), r.reportHash(), where);
        same(r.outcome().name(), outcome, where);
        VerdictChecks.amount(r.amount(), c.verdict.amount("amount"), where + " amount");
        if (r.outcome() == ForceSubtaskResultsResponse.Outcome.ACCEPTED_BY_CONCENT) {
          signedAfterWindow(env, where);
        } else {
          require(
              Arrays.equals(r.answer(), c.answerFrame),
              "evidence-chain",
              where + " relays another answer than the requestor's");
        }
      }
      case ForcePaymentResponse r -> {
        same(r.outcome().name(), outcome, where);
        VerdictChecks.amount(r.owed(), c.verdict.amount("owed"), where + " owed");
        VerdictChecks.amount(r.paidOnChain(), c.verdict.amount("paid"), where + " paid");
        VerdictChecks.amount(r.reimbursed(), c.verdict.amount("reimbursed"), where + " reimbursed");
        require(
            r.requestor().equals(c.pay.requestor())
                && r.provider().equals(c.pay.provider())
                && Auditor.sameIds(
                    r.subtaskIds(), c.pay.items().stream().map(i -> i.ttc().subtaskId()).toList()),
            "evidence-chain",
            where + " answers another ForcePayment");
      }
      case ForceGetTaskResultUpload u -> {
        about(u.subtaskId(), u.reportHash(), where);
        require(
            u.resultCid().equals(c.ev.rct().resultCid()) && u.size() == c.ev.rct().size(),
            "evidence-chain",
            where + " asks for another result than the reported one");
        long by = c.w.uploadDeadline(c.ev.ttc().deadline(), c.ev.rct().size());
        require(
            u.uploadDeadline() == by,
            "window",
            where + " gives the provider until " + u.uploadDeadline() + ", the windows give " + by);
      }
      case ForceGetTaskResultDownload d -> {
        about(d.subtaskId(), d.reportHash(), where);
        same("RESULT_UPLOADED", outcome, where);
        long until =
            c.w.downloadDeadline(
                c.ev.task().envelope().timestamp(), c.ev.ttc().deadline(), c.ev.rct().size());
        require(
            d.downloadDeadline() == until,
            "window",
            where
                + " lets the requestor download until "
                + d.downloadDeadline()
                + ", the windows give "
                + until);
      }
      case ForceGetTaskResultFailed x -> {
        about(x.subtaskId(), x.reportHash(), where);
        same("UPLOAD_FAILED", outcome, where);
        signedAfterWindow(env, where);
      }
      case SettlementMade m -> {
        require(c.settlement != null, "settlement-record", where + ": no settlement was owed");
        require(
            m.payer().equals(c.settlement.payer()) && m.payee().equals(c.settlement.payee()),
            "amount",
            where + " names " + m.payer() + " -> " + m.payee());
        VerdictChecks.amount(m.amount(), c.settlement.amount(), where + " amount");
        require(
            m.transactionHash().equals(c.settledHash),
            "settlement-record",
            where + " names transaction " + m.transactionHash() + ", the record " + c.settledHash);
      }
      case ServiceRefused r ->
          require(c.settlementFailed, "verdict", where + ": Concent refused nothing in this case");
      default ->
          throw new Inconsistency("verdict", where + ": Concent sends no such message in a case");
    }
    c.pass(
        "concent-signature",
        where + " signed by Concent at " + env.timestamp() + " agrees with the record");
  }

  /** A c.verdict Concent gave because a window closed must be signed after it closed. */
  void signedAfterWindow(Envelope verdictFrame, String where) {
    require(
        c.ruleName != null && !c.ruleHeld && verdictFrame.timestamp() > c.ruleCloses,
        "window",
        where
            + " is signed at "
            + verdictFrame.timestamp()
            + ", not after its window closed at "
            + c.ruleCloses);
  }

  void about(byte[] subtaskId, byte[] reportHash, String where) {
    require(
        c.ev != null
            && Arrays.equals(subtaskId, c.ev.ttc().subtaskId())
            && Arrays.equals(reportHash, c.ev.rct().structHash()),
        "evidence-chain",
        where + " is about subtask " + hex(subtaskId) + " and another report");
  }

  static void same(String said, String recorded, String where) {
    require(
        said.equals(recorded),
        "verdict",
        where + " says " + said + ", the recorded verdict is " + recorded);
  }
}
