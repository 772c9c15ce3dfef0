package org.jgolem.concent.service;

import java.math.BigInteger;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jgolem.concent.api.ConcentApi.SendResult;
import org.jgolem.concent.cases.CaseState;
import org.jgolem.concent.cases.SubtaskCase;
import org.jgolem.concent.evidence.AcceptanceEvidence;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.concent.ForceSubtaskResultsResponse;
import org.jgolem.protocol.messages.concent.ForceSubtaskResultsResponse.Outcome;
import org.jgolem.protocol.messages.concent.ServiceRefused.Reason;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.jgolem.protocol.messages.market.TaskToCompute;

/**
 * Use case 3, ForceSubtaskResults: the requestor acknowledged a report but neither accepted nor
 * rejected the results within SVT. Taken in (deadline + SVT, deadline + SVT + FAT], only if the
 * requestor's deposit, not being withdrawn, covers the full price beside the claims already open:
 * the price is then reserved (a claim), the case is FORCING_ACCEPTANCE and the request is relayed
 * to the requestor, who may still accept or reject until deadline + SVT + FAT. Past that Concent
 * accepts in its place and records a settlement paying the provider from the deposit, backed by the
 * requestor's own promissory note.
 */
final class ForceAcceptanceHandler {
  static final String USE_CASE = MessageType.FORCE_SUBTASK_RESULTS.name();
  static final String RULE_OPEN = "forceAcceptanceWindow";
  static final String RULE_DEPOSIT = "depositNotWithdrawn";
  static final String RULE_ANSWER = "acceptanceAnswerWindow";

  private final Parts p;

  ForceAcceptanceHandler(Parts parts) {
    this.p = parts;
  }

  /** The provider's request: queued (202) once the price is reserved. */
  SendResult request(Envelope request, byte[] frame) {
    AcceptanceEvidence e = p.verifier().forceAcceptance(request);
    TaskToCompute ttc = e.ttc();
    byte[] sid = ttc.subtaskId();
    if (ttc.price().signum() <= 0) {
      throw new RefusedException(
          Reason.INVALID_REQUEST, sid, "subtask " + ttc.subtaskIdHex() + " has no price to force");
    }
    // Cheap checks first, before the chain is asked about the deposit.
    p.store().transaction(tx -> checkOpenable(tx, e, request.type()));
    long now = p.now();
    long assignedAt = e.task().envelope().timestamp();
    long size = e.rct().size();
    requireInWindow(ttc, assignedAt, size, now);
    DepositBook.DepositStatus deposit = p.deposits().status(ttc.requestor());
    DepositRules.requireNotWithdrawn(deposit, ttc.requestor(), sid);
    return p.store()
        .transaction(tx -> {
          Optional<SubtaskCase> existing = checkOpenable(tx, e, request.type());
          Claim claim =
              new Claim(
                  ttc.requestor(),
                  ttc.provider(),
                  sid,
                  Claim.UseCase.FORCED_ACCEPTANCE,
                  ttc.price(),
                  now);
          DepositRules.reserve(
              tx,
              claim,
              deposit,
              "the deposit of " + claim.payer() + " is already claimed for this subtask");
          Map<MessageType, byte[]> frames = new EnumMap<>(MessageType.class);
          frames.put(MessageType.FORCE_SUBTASK_RESULTS, frame);
          frames.put(e.ack().envelope().type(), e.ack().frame());
          long answerBy = p.windows().acceptanceAnswerDeadline(assignedAt, ttc.deadline(), size);
          tx.saveCase(
              existing.isPresent()
                  ? existing.get().moveTo(CaseState.FORCING_ACCEPTANCE, answerBy, frames)
                  : Parts.open(
                      e.task(), e.report(), CaseState.FORCING_ACCEPTANCE, answerBy, frames));
          tx.enqueue(ttc.requestor(), frame, now);
          Recording.of(tx, ttc, now)
              .received(request.sender(), frame, now)
              .rule(
                  RULE_OPEN,
                  now,
                  true,
                  windowInputs(assignedAt, ttc.deadline(), size),
                  Recording.times(
                      "opensAfter",
                      p.windows().forceAcceptanceOpensAfter(assignedAt, ttc.deadline(), size),
                      "closesAt",
                      p.windows().forceAcceptanceClosesAt(assignedAt, ttc.deadline(), size)))
              .rule(
                  RULE_DEPOSIT,
                  now,
                  true,
                  Recording.times("timelock", deposit.timelock()),
                  Map.of())
              .append(
                  org.jgolem.concent.record.Entry.claim(
                      now,
                      claim.useCase().name(),
                      claim.payer(),
                      claim.payee(),
                      sid,
                      claim.amount(),
                      deposit.balance(),
                      deposit.timelock()))
              .moved(
                  existing.map(c -> c.state().name()).orElse(Recording.NEW),
                  CaseState.FORCING_ACCEPTANCE.name(),
                  now);
          return SendResult.queued();
        });
  }

  /** (deadline + SVT, deadline + SVT + FAT]: TOO_EARLY before, TOO_LATE after. */
  private void requireInWindow(TaskToCompute ttc, long assignedAt, long size, long now) {
    byte[] sid = ttc.subtaskId();
    long opensAfter = p.windows().forceAcceptanceOpensAfter(assignedAt, ttc.deadline(), size);
    long closes = p.windows().forceAcceptanceClosesAt(assignedAt, ttc.deadline(), size);
    if (now <= opensAfter) {
      throw new RefusedException(
          Reason.TOO_EARLY,
          sid,
          "ForceSubtaskResults for subtask "
              + ttc.subtaskIdHex()
              + " is taken after "
              + opensAfter
              + " (deadline + SVT), now is "
              + now);
    }
    if (now > closes) {
      throw new RefusedException(
          Reason.TOO_LATE,
          sid,
          "ForceSubtaskResults for subtask "
              + ttc.subtaskIdHex()
              + " was taken until "
              + closes
              + " (deadline + SVT + FAT), now is "
              + now);
    }
  }

  /** The existing case, if any, that FORCING_ACCEPTANCE may follow; refuses otherwise. */
  private static Optional<SubtaskCase> checkOpenable(
      ConcentTx tx, AcceptanceEvidence e, MessageType request) {
    return Parts.openable(tx, e.ttc(), e.rct(), CaseState.FORCING_ACCEPTANCE, request);
  }

  /**
   * The requestor's SubtaskResultsAccepted or Rejected for case {@code c}, in FORCING_ACCEPTANCE
   * and in time: the case is ACCEPTED or REJECTED, the claim released, the provider told.
   */
  void answer(ConcentTx tx, SubtaskCase c, Envelope answer, byte[] frame, long now) {
    p.verifier().resultsAnswer(answer, c);
    boolean accepted = answer.type() == MessageType.SUBTASK_RESULTS_ACCEPTED;
    tx.saveCase(
        c.moveTo(
            accepted ? CaseState.ACCEPTED : CaseState.REJECTED, 0, Map.of(answer.type(), frame)));
    tx.releaseClaim(c.requestor(), c.subtaskId(), Claim.UseCase.FORCED_ACCEPTANCE);
    BigInteger amount =
        accepted ? answer.payload(SubtaskResultsAccepted.class).price() : BigInteger.ZERO;
    Outcome outcome = accepted ? Outcome.ACCEPTED_BY_REQUESTOR : Outcome.REJECTED_BY_REQUESTOR;
    byte[] response =
        p.sign(
            new ForceSubtaskResultsResponse(c.subtaskId(), c.reportHash(), outcome, amount, frame));
    tx.enqueue(c.provider(), response, now);
    Recording.of(tx, c, now)
        .received(answer.sender(), frame, now)
        .rule(RULE_ANSWER, now, true, windowInputs(c), answerBounds(c))
        .moved(c.state().name(), (accepted ? CaseState.ACCEPTED : CaseState.REJECTED).name(), now)
        .verdict(USE_CASE, outcome.name(), Recording.amount(amount), now)
        .sent(response, now, c.provider());
  }

  private static Map<String, Long> windowInputs(long assignedAt, long deadline, long size) {
    return Recording.times("assignedAt", assignedAt, "deadline", deadline, "size", size);
  }

  private static Map<String, Long> windowInputs(SubtaskCase c) {
    return windowInputs(c.assignedAt(), c.computeDeadline(), c.resultSize());
  }

  private static Map<String, Long> answerBounds(SubtaskCase c) {
    return Recording.times("closesAt", c.nextDeadline());
  }

  /**
   * The requestor stayed silent past deadline + SVT + FAT: Concent accepts in its place and owes
   * the provider the price from the deposit (the claim stays until the settler pays).
   */
  void timeout(ConcentTx tx, SubtaskCase c, long now) {
    TaskToCompute ttc = p.stored(c, MessageType.TASK_TO_COMPUTE, TaskToCompute.class);
    byte[] verdict =
        p.sign(
            new ForceSubtaskResultsResponse(
                c.subtaskId(),
                c.reportHash(),
                Outcome.ACCEPTED_BY_CONCENT,
                c.price(),
                new byte[0]));
    tx.saveCase(
        c.moveTo(
            CaseState.ACCEPTED, 0, Map.of(MessageType.FORCE_SUBTASK_RESULTS_RESPONSE, verdict)));
    Address requestor = c.requestor();
    Settlement settlement =
        new Settlement(
            0,
            Claim.UseCase.FORCED_ACCEPTANCE,
            requestor,
            c.provider(),
            List.of(ttc.providerNote().toSignedNote()),
            c.price(),
            0,
            Settlement.Status.PENDING,
            null,
            null,
            now);
    long settlementId = tx.addSettlement(settlement);
    tx.enqueue(c.provider(), verdict, now);
    tx.enqueue(requestor, verdict, now);
    Recording.of(tx, c, now)
        .rule(RULE_ANSWER, now, false, windowInputs(c), answerBounds(c))
        .moved(c.state().name(), CaseState.ACCEPTED.name(), now)
        .verdict(USE_CASE, Outcome.ACCEPTED_BY_CONCENT.name(), Recording.amount(c.price()), now)
        .settlement(settlementId, settlement, now)
        .sent(verdict, now, c.provider(), requestor);
  }
}
