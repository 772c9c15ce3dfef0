package org.jgolem.concent.service;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jgolem.concent.api.ConcentApi.SendResult;
import org.jgolem.concent.cases.CaseState;
import org.jgolem.concent.cases.SubtaskCase;
import org.jgolem.concent.evidence.VerificationEvidence;
import org.jgolem.concent.record.Entry;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.concent.AckSubtaskResultsVerify;
import org.jgolem.protocol.messages.concent.ServiceRefused.Reason;
import org.jgolem.protocol.messages.market.TaskToCompute;

/**
 * Use case 5, SubtaskResultsVerify: the requestor rejected the provider's results as wrong
 * (VERIFICATION_NEGATIVE) and the provider disputes it. Taken until the rejection's timestamp +
 * AVCT + MDT(size), only if the provider's fee note covers Concent's fee, the provider's deposit
 * covers the fee and the requestor's covers the price and the fee, neither being withdrawn: the
 * three amounts are reserved (claims), the case is VERIFICATION_FILE_TRANSFER and the provider is
 * told to upload the result and the resources (AckSubtaskResultsVerify). When the storage holds all
 * of them, the case is ADDITIONAL_VERIFICATION and {@link VerificationRuns} re-computes; no upload
 * in time is the provider's loss. The verdicts are {@link VerificationVerdicts}'.
 */
final class AdditionalVerificationHandler {
  static final String USE_CASE = MessageType.SUBTASK_RESULTS_VERIFY.name();
  static final String RULE_OPEN = "verificationDisputeWindow";
  static final String RULE_FEE_NOTE = "verificationFeeNote";
  static final String RULE_DEPOSITS = "depositsNotWithdrawn";
  static final String RULE_UPLOAD = "verificationUploadWindow";

  private final Parts p;
  private final AdditionalVerification av;
  private final VerificationVerdicts verdicts;

  AdditionalVerificationHandler(Parts parts, AdditionalVerification av) {
    this.p = parts;
    this.av = av;
    this.verdicts = new VerificationVerdicts(parts);
  }

  VerificationVerdicts verdicts() {
    return verdicts;
  }

  /** The provider's dispute: answered (200) with the upload order once the claims are made. */
  SendResult request(Envelope request, byte[] frame) {
    VerificationEvidence e = p.verifier().additionalVerification(request);
    TaskToCompute ttc = e.ttc();
    byte[] sid = ttc.subtaskId();
    if (ttc.price().signum() <= 0) {
      throw new RefusedException(
          Reason.INVALID_REQUEST, sid, "subtask " + ttc.subtaskIdHex() + " has no price");
    }
    BigInteger fee = av.fee();
    if (e.feeNote().amount().compareTo(fee) < 0) {
      throw new RefusedException(
          Reason.FEE_NOTE_TOO_SMALL,
          sid,
          "the verification note promises " + e.feeNote().amount() + ", Concent's fee is " + fee);
    }
    p.store().transaction(tx -> checkOpenable(tx, e, request.type()));
    long now = p.now();
    long rejectedAt = e.rejection().envelope().timestamp();
    long size = e.rct().size();
    long closes = p.windows().verificationDisputeClosesAt(rejectedAt, size);
    if (now > closes) {
      throw new RefusedException(
          Reason.TOO_LATE,
          sid,
          "SubtaskResultsVerify for subtask "
              + ttc.subtaskIdHex()
              + " was taken until "
              + closes
              + " (rejection + AVCT + MDT), now is "
              + now);
    }
    DepositBook.DepositStatus provider = p.deposits().status(ttc.provider());
    if (provider.beingWithdrawn()) {
      throw new RefusedException(
          Reason.PROVIDER_DEPOSIT_BEING_WITHDRAWN,
          sid,
          "the deposit of provider "
              + ttc.provider()
              + " is being withdrawn (timelock "
              + provider.timelock()
              + ")");
    }
    DepositBook.DepositStatus requestor = p.deposits().status(ttc.requestor());
    DepositRules.requireNotWithdrawn(requestor, ttc.requestor(), sid);
    BigInteger requestorFee = requestorFee(ttc, fee);
    return p.store()
        .transaction(tx -> {
          Optional<SubtaskCase> existing = checkOpenable(tx, e, request.type());
          Address contract = e.feeNote().payee();
          Claim providerFee =
              new Claim(ttc.provider(), contract, sid, Claim.UseCase.VERIFICATION_COST, fee, now);
          reserveProviderFee(tx, providerFee, provider);
          Claim price =
              new Claim(
                  ttc.requestor(),
                  ttc.provider(),
                  sid,
                  Claim.UseCase.ADDITIONAL_VERIFICATION,
                  ttc.price(),
                  now);
          String dup = "a dispute of subtask " + ttc.subtaskIdHex() + " is already open";
          DepositRules.reserve(tx, price, requestor, dup);
          Claim cost =
              new Claim(
                  ttc.requestor(),
                  contract,
                  sid,
                  Claim.UseCase.VERIFICATION_COST,
                  requestorFee,
                  now);
          DepositRules.reserve(tx, cost, requestor, dup);
          if (existing.isPresent() && existing.get().state() == CaseState.FORCING_ACCEPTANCE) {
            tx.releaseClaim(ttc.requestor(), sid, Claim.UseCase.FORCED_ACCEPTANCE);
          }
          long uploadBy = p.windows().verificationUploadDeadline(now, size);
          byte[] ack = p.sign(AckSubtaskResultsVerify.ordering(ttc, e.rct(), uploadBy, fee));
          Map<MessageType, byte[]> frames = new EnumMap<>(MessageType.class);
          frames.put(MessageType.SUBTASK_RESULTS_VERIFY, frame);
          frames.put(MessageType.SUBTASK_RESULTS_REJECTED, e.rejection().frame());
          frames.put(MessageType.ACK_SUBTASK_RESULTS_VERIFY, ack);
          CaseState wanted = CaseState.VERIFICATION_FILE_TRANSFER;
          tx.saveCase(
              existing.isPresent()
                  ? existing.get().moveTo(wanted, uploadBy, frames)
                  : Parts.open(e.task(), e.report(), wanted, uploadBy, frames));
          Recording r =
              Recording.of(tx, ttc, now)
                  .received(request.sender(), frame, now)
                  .rule(
                      RULE_OPEN,
                      now,
                      true,
                      Recording.times("rejectedAt", rejectedAt, "size", size),
                      Recording.times("closesAt", closes))
                  .rule(RULE_FEE_NOTE, now, true, Map.of(), Map.of())
                  .rule(
                      RULE_DEPOSITS,
                      now,
                      true,
                      Recording.times(
                          "providerTimelock",
                          provider.timelock(),
                          "requestorTimelock",
                          requestor.timelock()),
                      Map.of());
          for (Claim c : List.of(providerFee, price, cost)) {
            r.append(
                Entry.claim(
                    now,
                    c.useCase().name(),
                    c.payer(),
                    c.payee(),
                    sid,
                    c.amount(),
                    c.payer().equals(ttc.provider()) ? provider.balance() : requestor.balance(),
                    c.payer().equals(ttc.provider()) ? provider.timelock() : requestor.timelock()));
          }
          r.moved(existing.map(c -> c.state().name()).orElse(Recording.NEW), wanted.name(), now)
              .sent(ack, now, ttc.provider());
          return SendResult.reply(ack);
        });
  }

  /**
   * What the requestor pays for the verification if the provider was right: Concent's fee, at most
   * what the requestor's Concent note (the TaskToCompute's {@code concentNote}) promises.
   */
  static BigInteger requestorFee(TaskToCompute ttc, BigInteger fee) {
    return fee.min(ttc.concentNote().amount());
  }

  private static void reserveProviderFee(
      ConcentTx tx, Claim claim, DepositBook.DepositStatus deposit) {
    switch (tx.claim(claim, deposit.balance())) {
      case ClaimResult.Reserved r -> {}
      case ClaimResult.Duplicate d ->
          throw new RefusedException(
              Reason.DUPLICATE_REQUEST,
              claim.subtaskId(),
              "the provider's fee for this subtask is already reserved");
      case ClaimResult.Insufficient i ->
          throw new RefusedException(
              Reason.PROVIDER_DEPOSIT_TOO_SMALL,
              claim.subtaskId(),
              "the deposit of provider "
                  + claim.payer()
                  + " holds "
                  + i.balance()
                  + ", open claims reserve "
                  + i.reservedBefore()
                  + ", and the fee needs "
                  + i.needed());
    }
  }

  /** The existing case, if any, that VERIFICATION_FILE_TRANSFER may follow; refuses otherwise. */
  private static Optional<SubtaskCase> checkOpenable(
      ConcentTx tx, VerificationEvidence e, MessageType request) {
    return Parts.openable(tx, e.ttc(), e.rct(), CaseState.VERIFICATION_FILE_TRANSFER, request);
  }

  // ------------------------------------------------------------------ uploads

  /** The CIDs the provider of case {@code c} must upload: the result, then the resources. */
  List<String> expectedUploads(SubtaskCase c) {
    List<String> all = new ArrayList<>();
    all.add(c.resultCid());
    all.addAll(
        p.stored(c, MessageType.ACK_SUBTASK_RESULTS_VERIFY, AckSubtaskResultsVerify.class)
            .resourceCids());
    return all;
  }

  private List<SubtaskCase> waitingFor(ConcentTx tx, Address provider, String cid) {
    return tx.casesIn(CaseState.VERIFICATION_FILE_TRANSFER, 1000).stream()
        .filter(c -> c.provider().equals(provider) && expectedUploads(c).contains(cid))
        .toList();
  }

  /** Why {@code provider} may not upload {@code cid} for a dispute now, or empty. */
  Optional<String> uploadRefusal(Address provider, String cid) {
    return p.store()
        .transaction(tx -> {
          long now = p.now();
          List<SubtaskCase> mine = waitingFor(tx, provider, cid);
          if (mine.isEmpty()) {
            return Optional.of("Concent expects no upload " + cid + " from " + provider);
          }
          for (SubtaskCase c : mine) {
            if (now <= c.nextDeadline()) {
              return Optional.empty();
            }
          }
          return Optional.of("the upload deadline of every dispute expecting " + cid + " passed");
        });
  }

  /**
   * The storage holds {@code cid}, verified, uploaded by {@code provider}: each dispute whose
   * uploads are now all held moves to ADDITIONAL_VERIFICATION. Returns those cases, to be
   * re-computed once this transaction has committed. Idempotent.
   */
  List<SubtaskCase> uploaded(Address provider, String cid) {
    return p.store()
        .transaction(tx -> {
          long now = p.now();
          List<SubtaskCase> ready = new ArrayList<>();
          for (SubtaskCase c : waitingFor(tx, provider, cid)) {
            Recording.of(tx, c, now).append(Entry.uploaded(now, cid));
            if (now > c.nextDeadline()) {
              continue; // the timeout decides
            }
            Optional<SubtaskCase> moved = startIfComplete(tx, c, now);
            moved.ifPresent(ready::add);
          }
          return ready;
        });
  }

  /** Case {@code c} in ADDITIONAL_VERIFICATION if the storage holds all its uploads. */
  private Optional<SubtaskCase> startIfComplete(ConcentTx tx, SubtaskCase c, long now) {
    List<String> expected = expectedUploads(c);
    if (!expected.stream().allMatch(av.files()::holds)) {
      return Optional.empty();
    }
    long judgeBy = p.windows().verificationDeadline(now, c.assignedAt(), c.computeDeadline());
    SubtaskCase next = c.moveTo(CaseState.ADDITIONAL_VERIFICATION, judgeBy, Map.of());
    tx.saveCase(next);
    Recording.of(tx, c, now)
        .rule(
            RULE_UPLOAD,
            now,
            true,
            Recording.times("uploads", expected.size()),
            Recording.times("closesAt", c.nextDeadline()))
        .moved(c.state().name(), next.state().name(), now);
    return Optional.of(next);
  }

  /**
   * The upload deadline passed: if every upload is held after all (the storage's call was lost) the
   * re-computation starts; otherwise the provider loses its fee (PROVIDER_WRONG, method NONE, a
   * failed UPLOAD check per missing CID).
   */
  void uploadTimeout(ConcentTx tx, SubtaskCase c, long now) {
    List<String> expected = expectedUploads(c);
    if (expected.stream().allMatch(av.files()::holds)) {
      startIfComplete(tx, c, now);
      return;
    }
    Recording.of(tx, c, now)
        .rule(
            RULE_UPLOAD,
            now,
            false,
            Recording.times("uploads", expected.size()),
            Recording.times("closesAt", c.nextDeadline()));
    verdicts.missingUploads(tx, c, expected, av.files()::holds, now);
  }
}
