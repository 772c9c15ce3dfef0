package org.jgolem.concent.service;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.jgolem.concent.cases.SubtaskCase;
import org.jgolem.concent.record.RecordTx;
import org.jgolem.eth.Address;

/** What one {@link ConcentStore#transaction} may read and write. Times are ms since the epoch. */
public interface ConcentTx {
  // ------------------------------------------------------------------ cases

  Optional<SubtaskCase> findCase(Address requestor, byte[] subtaskId);

  /**
   * Stores {@code c}: a new case has version 1; an update must have the stored version + 1.
   *
   * @throws StaleCaseException if the stored version is not {@code c.version() - 1}
   */
  void saveCase(SubtaskCase c);

  /**
   * Every case whose report names the result {@code resultCid}, in any state (use case 2: the
   * storage asks whether an upload or a download of that CID is expected). Usually one.
   */
  List<SubtaskCase> casesByResult(String resultCid);

  /**
   * Cases in {@code state}, at most {@code limit}, oldest deadline first (use case 5's lookups).
   */
  List<SubtaskCase> casesIn(org.jgolem.concent.cases.CaseState state, int limit);

  /** Cases in an active state whose next deadline has passed ({@code nextDeadline < now}). */
  List<SubtaskCase> dueCases(long now, int limit);

  // ------------------------------------------------------------------ deliveries (the outbox)

  /**
   * Queues {@code frame} (a signed envelope) for {@code recipient}; it is delivered on every
   * receive until acknowledged. Returns the 16-byte delivery id.
   */
  byte[] enqueue(Address recipient, byte[] frame, long now);

  /** Undelivered-or-unacknowledged messages for {@code recipient}, oldest first. */
  List<Delivery> pending(Address recipient, int limit);

  /** Marks these deliveries of {@code recipient} acknowledged; returns how many were pending. */
  int acknowledge(Address recipient, List<byte[]> deliveryIds);

  // ------------------------------------------------------------------ deposit claims

  /**
   * Reserves {@code claim.amount()} of {@code claim.payer()}'s deposit, atomically against other
   * claims on the same payer: only if the claims already open plus this one fit in {@code
   * depositBalance}, and only once per (payer, subtask, use case).
   */
  ClaimResult claim(Claim claim, BigInteger depositBalance);

  /** The sum of open claims on {@code payer}'s deposit. */
  BigInteger reserved(Address payer);

  /** Closes a claim: the case was settled, paid or closed without payment. */
  void releaseClaim(Address payer, byte[] subtaskId, Claim.UseCase useCase);

  // ------------------------------------------------------------------ settlements

  /** Records a reimbursement Concent owes; the settler sends it. Returns its id. */
  long addSettlement(Settlement s);

  List<Settlement> settlements(Settlement.Status status, int limit);

  /** Replaces the stored settlement with the same id. */
  void updateSettlement(Settlement s);

  /** True if Concent has recorded a settlement paying {@code subtaskId} from {@code payer}. */
  boolean hasSettlementFor(Address payer, byte[] subtaskId);

  // ------------------------------------------------------------------ the auditors' record

  /**
   * The auditors' record in this transaction: what the handlers append commits with the decision it
   * records. The store adapter keeps it; a test store of the service's logic may keep nothing.
   */
  default RecordTx record() {
    return RecordTx.DISCARD;
  }

  // ------------------------------------------------------------------ request nonces

  /**
   * Remembers the nonce of an authorized request until {@code expiresAt}; false if it was seen
   * already (a replay).
   */
  boolean rememberNonce(Address client, byte[] nonce, long expiresAt);

  /** Forgets nonces whose requests can no longer be fresh; returns how many. */
  int forgetNonces(long now);
}
