package org.jgolem.concent.audit;

import static org.jgolem.concent.audit.Auditor.require;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.jgolem.concent.audit.Auditor.Owed;
import org.jgolem.concent.record.Entry;
import org.jgolem.concent.record.Fields;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.concent.ForcePaymentResponse;
import org.jgolem.protocol.messages.concent.ForceReportComputedTaskResponse;
import org.jgolem.protocol.messages.concent.ForceSubtaskResultsResponse;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.jgolem.protocol.notes.SignedNote;

/**
 * Verdicts, claims, settlements: each follows from the rule that decided it and from the evidence's
 * amounts and notes. Part of {@link CaseReplay}, whose state it reads and moves.
 */
final class VerdictChecks {
  private final CaseReplay c;

  VerdictChecks(CaseReplay c) {
    this.c = c;
  }

  void verdict(Entry e, String where) {
    Fields f = e.read();
    String useCase = f.text("useCase");
    String outcome = f.text("outcome");
    require(
        useCase.equals(c.episode),
        "verdict",
        where + " decides " + useCase + ", the case is at " + c.episode);
    String expected;
    String because;
    if (useCase.equals(CaseReplay.UC4)) {
      require(
          c.dueRules == c.pay.items().size(),
          "verdict",
          where + ": " + c.dueRules + " due rules for " + c.pay.items().size() + " acceptances");
      BigInteger owed = c.pay.owed();
      BigInteger paid = f.amount("paid");
      BigInteger missing = owed.subtract(paid).max(BigInteger.ZERO);
      amount(f.amount("owed"), owed, where + " owed (the sum of the accepted prices)");
      amount(f.amount("reimbursed"), missing, where + " reimbursed (owed - paid on chain)");
      amount(
          f.amount("paidSince"),
          BigInteger.valueOf(c.pay.earliestPaymentTs()),
          where + " paidSince (the earliest paymentTs)");
      expected =
          missing.signum() > 0
              ? ForcePaymentResponse.Outcome.PAYMENT_COMMITTED.name()
              : ForcePaymentResponse.Outcome.NO_UNSETTLED_TASKS.name();
      because = "owed " + owed + " - paid on chain " + paid + " = " + owed.subtract(paid);
    } else {
      require(c.ruleName != null, "verdict", where + ": no rule decided it");
      String r = c.ruleName + (c.ruleHeld ? " held" : " did not hold");
      because = r;
      BigInteger amount = null;
      BigInteger price = c.ev.ttc().price();
      if (useCase.equals(CaseReplay.UC1)) {
        if (c.ruleName.equals("forceReportOpen") && !c.ruleHeld) {
          expected = ForceReportComputedTaskResponse.Outcome.SUBTASK_TIMEOUT.name();
        } else if (c.ruleName.equals("reportAnswerWindow") && !c.ruleHeld) {
          expected = ForceReportComputedTaskResponse.Outcome.CONCENT_ACK.name();
        } else if (c.ruleName.equals("reportAnswerWindow") && c.answer != null) {
          expected =
              c.answer.type() == MessageType.ACK_REPORT_COMPUTED_TASK
                  ? ForceReportComputedTaskResponse.Outcome.ACK_FROM_REQUESTOR.name()
                  : ForceReportComputedTaskResponse.Outcome.REJECT_FROM_REQUESTOR.name();
          because = r + " and the requestor answered " + c.answer.type();
        } else {
          throw new Inconsistency("verdict", where + ": nothing decides " + useCase + " yet");
        }
      } else if (useCase.equals(CaseReplay.UC2)) {
        if (c.uploaded) {
          expected = "RESULT_UPLOADED";
          because = "the storage verified the upload";
        } else if (c.ruleName.equals("uploadWindow") && !c.ruleHeld) {
          expected = "UPLOAD_FAILED";
        } else {
          throw new Inconsistency("verdict", where + ": nothing decides " + useCase + " yet");
        }
      } else {
        if (c.ruleName.equals("acceptanceAnswerWindow") && !c.ruleHeld) {
          expected = ForceSubtaskResultsResponse.Outcome.ACCEPTED_BY_CONCENT.name();
          amount = price;
        } else if (c.ruleName.equals("acceptanceAnswerWindow") && c.answer != null) {
          boolean accepted = c.answer.type() == MessageType.SUBTASK_RESULTS_ACCEPTED;
          expected =
              accepted
                  ? ForceSubtaskResultsResponse.Outcome.ACCEPTED_BY_REQUESTOR.name()
                  : ForceSubtaskResultsResponse.Outcome.REJECTED_BY_REQUESTOR.name();
          amount =
              accepted ? c.answer.payload(SubtaskResultsAccepted.class).price() : BigInteger.ZERO;
          because = r + " and the requestor answered " + c.answer.type();
        } else {
          throw new Inconsistency("verdict", where + ": nothing decides " + useCase + " yet");
        }
      }
      if (amount != null) {
        amount(f.amount("amount"), amount, where + " amount");
      }
    }
    require(
        outcome.equals(expected),
        "verdict",
        where + " says " + outcome + ", but " + because + ": the verdict is " + expected);
    c.verdict = f;
    c.verdictAt = e.at();
    c.pass("verdict", where + " " + outcome + " follows: " + because);
  }

  static void amount(BigInteger recorded, BigInteger expected, String what) {
    require(
        recorded.equals(expected),
        "amount",
        what + " is " + recorded + ", but the evidence gives " + expected);
  }

  void claim(Fields f, String where) {
    BigInteger expected;
    if (CaseReplay.UC3.equals(c.episode)) {
      expected = c.ev.ttc().price();
    } else {
      require(
          c.verdict != null && CaseReplay.UC4.equals(c.episode),
          "amount",
          where + ": no verdict to claim for");
      expected = c.verdict.amount("reimbursed");
    }
    require(c.depositHeld, "deposit", where + ": no deposit rule before the claim");
    Address requestor =
        CaseReplay.UC4.equals(c.episode) ? c.pay.requestor() : c.ev.ttc().requestor();
    Address provider = CaseReplay.UC4.equals(c.episode) ? c.pay.provider() : c.ev.ttc().provider();
    require(
        f.address("payer").equals(requestor) && f.address("payee").equals(provider),
        "amount",
        where + " claims for " + f.address("payer") + " -> " + f.address("payee"));
    amount(f.amount("amount"), expected, where + " claim");
    c.pass("amount", where + ": " + expected + " reserved on the deposit of " + requestor);
  }

  void settlement(Entry e, String where) {
    Owed o = Owed.of(e);
    require(c.verdict != null, "verdict", where + ": a settlement without a verdict");
    String outcome = c.verdict.text("outcome");
    List<SignedNote> expectedNotes = new ArrayList<>();
    BigInteger expected;
    Address requestor;
    Address provider;
    if (CaseReplay.UC4.equals(c.episode)) {
      require(
          outcome.equals(ForcePaymentResponse.Outcome.PAYMENT_COMMITTED.name()),
          "verdict",
          where + ": " + outcome + " pays nothing");
      expected = c.verdict.amount("reimbursed");
      c.pay.items().forEach(i -> expectedNotes.add(i.ttc().providerNote().toSignedNote()));
      requestor = c.pay.requestor();
      provider = c.pay.provider();
      require(
          o.closureTime() == c.verdictAt / 1000,
          "settlement-record",
          where
              + " closes at "
              + o.closureTime()
              + " s, the verdict was at "
              + c.verdictAt
              + " ms");
    } else {
      require(
          outcome.equals(ForceSubtaskResultsResponse.Outcome.ACCEPTED_BY_CONCENT.name()),
          "verdict",
          where + ": " + outcome + " is paid by nobody through Concent");
      expected = c.ev.ttc().price();
      expectedNotes.add(c.ev.ttc().providerNote().toSignedNote());
      requestor = c.ev.ttc().requestor();
      provider = c.ev.ttc().provider();
    }
    require(
        o.payer().equals(requestor) && o.payee().equals(provider),
        "amount",
        where + " pays " + o.payer() + " -> " + o.payee() + ", not " + requestor + " -> "
            + provider);
    amount(o.amount(), expected, where + " amount");
    require(
        o.notes().equals(expectedNotes),
        "promissory-note",
        where + ": the notes are not the TaskToComputes' provider notes");
    for (SignedNote n : o.notes()) {
      require(
          c.notes.recover(n).equals(requestor),
          "promissory-note",
          where + ": a note is not signed by " + requestor + " in GNTDeposit's domain");
    }
    c.settlement = o;
    c.pass(
        "promissory-note",
        where
            + ": "
            + o.amount()
            + " from "
            + requestor
            + " to "
            + provider
            + ", backed by "
            + o.notes().size()
            + " note(s) of the requestor in GNTDeposit "
            + c.b.facts().deposit()
            + "'s EIP-712 domain (chain "
            + c.b.facts().chainId()
            + ")");
  }

  void settled(Fields f, String where) {
    require(c.settlement != null, "settlement-record", where + ": no settlement was owed");
    require(
        f.integer("settlementId") == c.settlement.settlementId(),
        "settlement-record",
        where
            + " settles "
            + f.integer("settlementId")
            + ", the case owes "
            + c.settlement.settlementId());
    c.settledHash = f.text("transactionHash");
    require(
        c.settledHash.equals(c.summary.settlementTx()),
        "settlement-record",
        where + " names transaction " + c.settledHash + ", the case " + c.summary.settlementTx());
    c.pass(
        "settlement-record",
        where + ": mined in " + c.settledHash + ", block " + f.integer("blockNumber"));
  }
}
