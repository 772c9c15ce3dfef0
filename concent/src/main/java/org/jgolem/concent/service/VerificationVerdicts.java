package org.jgolem.concent.service;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.jgolem.concent.cases.CaseState;
import org.jgolem.concent.cases.SubtaskCase;
import org.jgolem.concent.verify.Judgement;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.concent.AckSubtaskResultsVerify;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled.Method;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled.NeutralReason;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled.Outcome;
import org.jgolem.protocol.messages.concent.SubtaskResultsVerify;
import org.jgolem.protocol.messages.concent.VerificationCheck;
import org.jgolem.protocol.messages.market.SubtaskResultsRejected;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.notes.SignedNote;

/**
 * Use case 5's verdicts, each in the transaction that applies it: the signed SubtaskResultsSettled
 * to both parties, the case's last transition, the claims released or kept for the settlements, and
 * the settlements themselves.
 *
 * <ul>
 *   <li>PROVIDER_RIGHT: ACCEPTED; the price from the requestor's deposit to the provider
 *       (ADDITIONAL_VERIFICATION, the TaskToCompute's providerNote) and Concent's cost from the
 *       requestor's deposit (VERIFICATION_COST, the TaskToCompute's concentNote); the provider's
 *       fee claim released.
 *   <li>PROVIDER_WRONG: FAILED; the fee from the provider's deposit (VERIFICATION_COST, the
 *       provider's own note); the requestor's claims released.
 *   <li>NEUTRAL: FAILED; every claim released, nobody pays.
 * </ul>
 */
final class VerificationVerdicts {
  static final String USE_CASE = AdditionalVerificationHandler.USE_CASE;

  private final Parts p;

  VerificationVerdicts(Parts parts) {
    this.p = parts;
  }

  /** No upload in time: PROVIDER_WRONG, method NONE, an UPLOAD check per expected CID. */
  void missingUploads(
      ConcentTx tx, SubtaskCase c, List<String> expected, Predicate<String> held, long now) {
    List<VerificationCheck> checks = new ArrayList<>();
    for (int i = 0; i < expected.size(); i++) {
      checks.add(
          VerificationCheck.upload(
              i == 0 ? "upload:result" : "upload:resources-" + i, held.test(expected.get(i))));
    }
    apply(
        tx,
        c,
        new Judgement(
            Method.NONE,
            Outcome.PROVIDER_WRONG,
            NeutralReason.NONE,
            "the provider did not upload everything by " + c.nextDeadline(),
            checks),
        now);
  }

  /**
   * Applies {@code j} to case {@code c} (VERIFICATION_FILE_TRANSFER or ADDITIONAL_VERIFICATION). A
   * judgement the verdict's own rules refuse (a re-computer's bug) becomes NEUTRAL CONCENT_ERROR.
   */
  void apply(ConcentTx tx, SubtaskCase c, Judgement j, long now) {
    byte[] verdict;
    Judgement used = j;
    try {
      verdict = p.sign(settled(c, j));
    } catch (RuntimeException e) {
      used =
          Judgement.neutral(
              j.method(),
              NeutralReason.CONCENT_ERROR,
              "Concent's judgement was inconsistent: " + e.getMessage(),
              List.of());
      verdict = p.sign(settled(c, used));
    }
    TaskToCompute ttc = p.stored(c, MessageType.TASK_TO_COMPUTE, TaskToCompute.class);
    SubtaskResultsVerify srv =
        p.stored(c, MessageType.SUBTASK_RESULTS_VERIFY, SubtaskResultsVerify.class);
    BigInteger fee = fee(c);
    Address requestor = c.requestor();
    Address provider = c.provider();
    byte[] sid = c.subtaskId();
    CaseState next =
        used.outcome() == Outcome.PROVIDER_RIGHT ? CaseState.ACCEPTED : CaseState.FAILED;
    tx.saveCase(c.moveTo(next, 0, Map.of(MessageType.SUBTASK_RESULTS_SETTLED, verdict)));
    List<Settlement> settlements = new ArrayList<>();
    switch (used.outcome()) {
      case PROVIDER_RIGHT -> {
        tx.releaseClaim(provider, sid, Claim.UseCase.VERIFICATION_COST);
        settlements.add(
            settlement(
                Claim.UseCase.ADDITIONAL_VERIFICATION,
                requestor,
                provider,
                ttc.providerNote().toSignedNote(),
                c.price(),
                now));
        settlements.add(
            settlement(
                Claim.UseCase.VERIFICATION_COST,
                requestor,
                ttc.concentNote().payee(),
                ttc.concentNote().toSignedNote(),
                AdditionalVerificationHandler.requestorFee(ttc, fee),
                now));
      }
      case PROVIDER_WRONG -> {
        tx.releaseClaim(requestor, sid, Claim.UseCase.ADDITIONAL_VERIFICATION);
        tx.releaseClaim(requestor, sid, Claim.UseCase.VERIFICATION_COST);
        settlements.add(
            settlement(
                Claim.UseCase.VERIFICATION_COST,
                provider,
                srv.verificationNote().payee(),
                srv.verificationNote().toSignedNote(),
                fee,
                now));
      }
      case NEUTRAL -> {
        tx.releaseClaim(provider, sid, Claim.UseCase.VERIFICATION_COST);
        tx.releaseClaim(requestor, sid, Claim.UseCase.ADDITIONAL_VERIFICATION);
        tx.releaseClaim(requestor, sid, Claim.UseCase.VERIFICATION_COST);
      }
    }
    tx.enqueue(provider, verdict, now);
    tx.enqueue(requestor, verdict, now);
    SubtaskResultsSettled s = p.codec().decode(verdict).payload(SubtaskResultsSettled.class);
    Map<String, BigInteger> amounts = new LinkedHashMap<>();
    amounts.put("paidToProvider", s.paidToProvider());
    amounts.put("feeFromRequestor", s.feeFromRequestor());
    amounts.put("feeFromProvider", s.feeFromProvider());
    Recording r =
        Recording.of(tx, c, now)
            .moved(c.state().name(), next.name(), now)
            .verdict(USE_CASE, used.outcome().name(), amounts, now);
    for (Settlement st : settlements) {
      r.settlement(tx.addSettlement(st), st, now);
    }
    r.sent(verdict, now, provider, requestor);
  }

  /** The verdict of {@code j} for case {@code c}, with the amounts the outcome moves. */
  SubtaskResultsSettled settled(SubtaskCase c, Judgement j) {
    TaskToCompute ttc = p.stored(c, MessageType.TASK_TO_COMPUTE, TaskToCompute.class);
    BigInteger fee = fee(c);
    byte[] rejection = c.frame(MessageType.SUBTASK_RESULTS_REJECTED);
    SubtaskResultsRejected srr = (SubtaskResultsRejected) p.codec().decode(rejection).payload();
    boolean right = j.outcome() == Outcome.PROVIDER_RIGHT;
    boolean wrong = j.outcome() == Outcome.PROVIDER_WRONG;
    String detail = j.detail();
    if (detail.length() > SubtaskResultsSettled.MAX_DETAIL) {
      detail = detail.substring(0, SubtaskResultsSettled.MAX_DETAIL - 3) + "...";
    }
    return new SubtaskResultsSettled(
        c.subtaskId(),
        c.requestor(),
        c.provider(),
        c.reportHash(),
        srr.structHash(),
        c.resultCid(),
        AckSubtaskResultsVerify.resourceCidsOf(ttc),
        j.method(),
        j.outcome(),
        j.neutralReason(),
        detail,
        j.checks(),
        right ? c.price() : BigInteger.ZERO,
        right ? AdditionalVerificationHandler.requestorFee(ttc, fee) : BigInteger.ZERO,
        wrong ? fee : BigInteger.ZERO);
  }

  /** The fee Concent reserved at admission (in its AckSubtaskResultsVerify). */
  BigInteger fee(SubtaskCase c) {
    return p.stored(c, MessageType.ACK_SUBTASK_RESULTS_VERIFY, AckSubtaskResultsVerify.class).fee();
  }

  private static Settlement settlement(
      Claim.UseCase useCase,
      Address payer,
      Address payee,
      SignedNote note,
      BigInteger amount,
      long now) {
    return new Settlement(
        0,
        useCase,
        payer,
        payee,
        List.of(note),
        amount,
        0,
        Settlement.Status.PENDING,
        null,
        null,
        now);
  }
}
