package org.jgolem.node.payments;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jgolem.eth.Address;
import org.jgolem.node.payments.ChainView.ChainIdentity;
import org.jgolem.node.payments.PaymentChain.Receipt;
import org.jgolem.node.payments.PaymentChain.SignedTx;

/**
 * The requestor's ledger as the {@link PaymentProcessor} uses it: payments, batches, their signed
 * attempts, and the chain the ledger belongs to. {@code org.jgolem.node.store.SqlitePaymentLedger}
 * keeps it in the node database. Every method is atomic (one transaction), so each state change of
 * a batch moves its payments with it; the exactly-once argument of {@link PaymentProcessor} rests
 * on that, and on the two guards named at {@link #writeAhead}.
 */
public interface PaymentLedger {

  /** The chain, account and token the ledger was written against. */
  record StoredChain(ChainIdentity identity, Address account, Address token) {}

  /** One signed transaction of a batch. */
  record Attempt(
      String hash,
      String raw,
      BigInteger gasLimit,
      BigInteger maxFee,
      BigInteger tip,
      long createdAt) {}

  // ------------------------------------------------------------------------------ chain identity

  Optional<StoredChain> storedChain();

  void storeChain(ChainIdentity identity, Address account, Address token);

  // ------------------------------------------------------------------------------ payments

  /**
   * Records a PENDING payment unless the subtask is recorded already; returns what was recorded
   * before (nothing is written then), or empty if this call recorded it.
   */
  Optional<PaymentRecord> recordIfAbsent(
      String taskId,
      String subtaskId,
      Address payee,
      BigInteger amount,
      Instant acceptedAt,
      long now);

  Optional<PaymentRecord> get(String subtaskId);

  /** All payments, oldest accepted first. */
  List<PaymentRecord> all();

  /** The payments in {@code status}, oldest accepted first. */
  List<PaymentRecord> withStatus(PaymentStatus status);

  /** The payments of a batch, oldest accepted first. */
  List<PaymentRecord> ofBatch(long batchId);

  /** Holds back pending payments with a reason; returns how many changed. */
  int holdBack(Collection<String> subtaskIds, String reason);

  PaymentTotals totals();

  /**
   * GNT that the latest balance still has to cover: pending payments, and those in batches not yet
   * mined successfully (a successfully mined batch is already out of the balance).
   */
  BigInteger owedFromLatestBalance();

  /**
   * The most ether (wei) the batches not yet mined may still spend on gas: gas limit x max fee of
   * their newest attempt.
   */
  BigInteger unminedGasCost();

  // ------------------------------------------------------------------------------ batches

  /**
   * The write-ahead step: atomically, a new batch in state SIGNED with its signed transaction, and
   * its payments moved from PENDING into it. Fails (nothing written) if any of them is no longer
   * pending, or if a live batch holds the nonce already (at most one live batch per nonce).
   */
  long writeAhead(
      BatchRecord.Kind kind,
      Long closureTime,
      BigInteger total,
      SignedTx tx,
      Collection<String> subtaskIds,
      long now);

  /** Another signed transaction for the same batch and nonce (higher fees). */
  void addAttempt(long batchId, SignedTx tx, long now);

  /** The batch's signed attempts, newest first. */
  List<Attempt> attempts(long batchId);

  /** Batches SIGNED, SENT or MINED, by nonce. */
  List<BatchRecord> liveBatches();

  /**
   * Confirmed batches mined at or above {@code minBlock}: still watched in case the chain goes
   * back.
   */
  List<BatchRecord> confirmedFrom(long minBlock);

  List<BatchRecord> allBatches();

  Optional<BatchRecord> batch(long id);

  /** The nonces of the live batches. */
  Set<Long> liveNonces();

  /**
   * After a broadcast: SIGNED becomes SENT; the time is kept for the next re-broadcast; {@code
   * note} may be null.
   */
  void broadcastTried(long batchId, long now, String note);

  /**
   * A receipt was seen, with fewer confirmations than required. A batch that was confirmed (the
   * chain went back) is paid no more.
   */
  void mined(long batchId, Receipt r);

  /** Mined, successful, confirmed: the batch's payments are paid by this transaction. */
  void confirmed(long batchId, Receipt r, long now);

  /** Mined and failed, confirmed: nothing was paid; the payments go back to pending. */
  void reverted(long batchId, Receipt r, long now, String note);

  /** Can never be mined: its nonce went to another transaction. The payments go back to pending. */
  void dropped(long batchId, long now, String note);

  /**
   * Its block is gone (the chain went back): the same transaction is waited for again, and its
   * payments are not paid.
   */
  void vanished(long batchId, String note);

  void note(long batchId, String note);
}
