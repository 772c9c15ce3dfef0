package org.jgolem.concent.service;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.jgolem.concent.api.ConcentApi.SendResult;
import org.jgolem.concent.evidence.PaymentEvidence;
import org.jgolem.concent.record.Entry;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.concent.ForcePaymentResponse;
import org.jgolem.protocol.messages.concent.ServiceRefused.Reason;
import org.jgolem.protocol.notes.SignedNote;

/**
 * Use case 4, ForcePayment: accepted work is unpaid after PDT. Taken once every acceptance's
 * paymentTs + PDT has come; refused if Concent already settled any of the subtasks. What is owed
 * (the prices) less what the chain shows the requestor paid the provider in batch transfers since
 * the earliest paymentTs is missing; nothing missing is answered NO_UNSETTLED_TASKS, otherwise the
 * missing amount is reserved in full on the requestor's deposit (one claim, keyed on the first
 * subtask, which is the settlement's first note) and a FORCED_PAYMENT settlement is recorded,
 * backed by every subtask's promissory note, answered PAYMENT_COMMITTED. Both answers are immediate
 * (200).
 */
final class ForcePaymentHandler {
  static final String USE_CASE = MessageType.FORCE_PAYMENT.name();
  static final String RULE_DUE = "paymentDue";
  static final String RULE_DEPOSIT = ForceAcceptanceHandler.RULE_DEPOSIT;

  private final Parts p;

  ForcePaymentHandler(Parts parts) {
    this.p = parts;
  }

  SendResult request(Envelope request, byte[] frame) {
    PaymentEvidence e = p.verifier().forcePayment(request);
    byte[] first = e.items().get(0).ttc().subtaskId();
    long now = p.now();
    requireDue(e, now, first);
    p.store()
        .transaction(tx -> {
          requireUnsettled(tx, e);
          return null;
        });
    BigInteger owed = e.owed();
    BigInteger paid =
        p.payments().batchPaidSince(e.requestor(), e.provider(), e.earliestPaymentTs());
    BigInteger missing = owed.subtract(paid);
    if (missing.signum() <= 0) {
      byte[] reply = response(e, owed, paid, BigInteger.ZERO);
      p.store()
          .transaction(tx -> {
            record(tx, request, frame, e, now, owed, paid, BigInteger.ZERO)
                .sent(reply, now, e.provider());
            return null;
          });
      return SendResult.reply(reply);
    }
    DepositBook.DepositStatus deposit = p.deposits().status(e.requestor());
    DepositRules.requireNotWithdrawn(deposit, e.requestor(), first);
    List<SignedNote> notes = new ArrayList<>();
    e.items().forEach(i -> notes.add(i.ttc().providerNote().toSignedNote()));
    return p.store()
        .transaction(tx -> {
          Claim claim =
              new Claim(
                  e.requestor(), e.provider(), first, Claim.UseCase.FORCED_PAYMENT, missing, now);
          DepositRules.reserve(
              tx,
              claim,
              deposit,
              "a ForcePayment led by subtask 0x"
                  + java.util.HexFormat.of().formatHex(first)
                  + " is already being settled");
          // After the claim, which serializes claims on this payer: a concurrent ForcePayment
          // for the same subtasks has committed its settlement by now, and is seen here.
          requireUnsettled(tx, e);
          Settlement settlement =
              new Settlement(
                  0,
                  Claim.UseCase.FORCED_PAYMENT,
                  e.requestor(),
                  e.provider(),
                  notes,
                  missing,
                  now / 1000,
                  Settlement.Status.PENDING,
                  null,
                  null,
                  now);
          long settlementId = tx.addSettlement(settlement);
          byte[] reply = response(e, owed, paid, missing);
          record(tx, request, frame, e, now, owed, paid, missing)
              .rule(
                  RULE_DEPOSIT,
                  now,
                  true,
                  Recording.times("timelock", deposit.timelock()),
                  java.util.Map.of())
              .append(
                  Entry.claim(
                      now,
                      claim.useCase().name(),
                      claim.payer(),
                      claim.payee(),
                      first,
                      missing,
                      deposit.balance(),
                      deposit.timelock()))
              .settlement(settlementId, settlement, now)
              .sent(reply, now, e.provider());
          return SendResult.reply(reply);
        });
  }

  /**
   * The record of a ForcePayment Concent took: the request, each acceptance's due rule, and the
   * verdict with what is owed, what the chain shows paid since the earliest paymentTs, and what
   * Concent reimburses.
   */
  private Recording record(
      ConcentTx tx,
      Envelope request,
      byte[] frame,
      PaymentEvidence e,
      long now,
      BigInteger owed,
      BigInteger paid,
      BigInteger reimbursed) {
    Recording r =
        Recording.payment(tx, e.items().get(0).ttc(), e.provider(), now)
            .received(request.sender(), frame, now);
    for (PaymentEvidence.Item i : e.items()) {
      long ts = i.sra().paymentTs();
      r.rule(
          RULE_DUE,
          now,
          true,
          Recording.times("paymentTs", ts),
          Recording.times("dueAt", p.windows().paymentDueAt(ts)));
    }
    java.util.Map<String, BigInteger> amounts = new java.util.LinkedHashMap<>();
    amounts.put("owed", owed);
    amounts.put("paid", paid);
    amounts.put("reimbursed", reimbursed);
    amounts.put("paidSince", BigInteger.valueOf(e.earliestPaymentTs()));
    return r.verdict(USE_CASE, outcome(reimbursed).name(), amounts, now);
  }

  private static ForcePaymentResponse.Outcome outcome(BigInteger reimbursed) {
    return reimbursed.signum() > 0
        ? ForcePaymentResponse.Outcome.PAYMENT_COMMITTED
        : ForcePaymentResponse.Outcome.NO_UNSETTLED_TASKS;
  }

  /** Concent's signed answer: PAYMENT_COMMITTED if it reimburses anything. */
  private byte[] response(
      PaymentEvidence e, BigInteger owed, BigInteger paid, BigInteger reimbursed) {
    return (p.sign(
        new ForcePaymentResponse(
            e.requestor(),
            e.provider(),
            e.items().stream().map(i -> i.ttc().subtaskId()).toList(),
            owed,
            paid,
            reimbursed,
            reimbursed.signum() > 0
                ? ForcePaymentResponse.Outcome.PAYMENT_COMMITTED
                : ForcePaymentResponse.Outcome.NO_UNSETTLED_TASKS)));
  }

  /** Every acceptance must be due: paymentTs + PDT <= now. */
  private void requireDue(PaymentEvidence e, long now, byte[] first) {
    long latest = Long.MIN_VALUE;
    PaymentEvidence.Item latestItem = null;
    for (PaymentEvidence.Item i : e.items()) {
      long due = p.windows().paymentDueAt(i.sra().paymentTs());
      if (due > latest) {
        latest = due;
        latestItem = i;
      }
    }
    if (latest > now) {
      throw new RefusedException(
          Reason.TOO_EARLY,
          first,
          "subtask "
              + latestItem.ttc().subtaskIdHex()
              + " is due at "
              + latest
              + " (paymentTs "
              + latestItem.sra().paymentTs()
              + " s + PDT); ForcePayment is taken from then, now is "
              + now);
    }
  }

  private static void requireUnsettled(ConcentTx tx, PaymentEvidence e) {
    for (PaymentEvidence.Item i : e.items()) {
      if (tx.hasSettlementFor(e.requestor(), i.ttc().subtaskId())) {
        throw new RefusedException(
            Reason.ALREADY_PAID,
            i.ttc().subtaskId(),
            "Concent has already paid subtask "
                + i.ttc().subtaskIdHex()
                + " from the deposit of "
                + e.requestor());
      }
    }
  }
}
