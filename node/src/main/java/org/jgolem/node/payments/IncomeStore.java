package org.jgolem.node.payments;

import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import org.jgolem.eth.Address;
import org.jgolem.node.payments.ChainView.ChainIdentity;
import org.jgolem.node.payments.IncomeKeeper.Cursor;
import org.jgolem.node.payments.IncomeKeeper.SeenPayment;

/**
 * The provider's income ledger as the {@link IncomeKeeper} uses it: incomes expected and received,
 * payments seen on chain, and the scan's cursor and checkpoints. {@code
 * org.jgolem.node.store.SqliteIncomeStore} keeps it in the node database. The keeper decides; the
 * store reads and writes, and {@link #inTransaction} makes a scanned range, its matches and the
 * cursor's move one atomic step.
 */
public interface IncomeStore {

  /** A scanned block and its hash: where a rescan may start if the chain goes back. */
  record Checkpoint(long blockNumber, String blockHash) {}

  /** What a payment seen earlier still leaves unallocated. */
  record Credit(long paymentId, String txHash, Address sender, BigInteger left, long blockNumber) {}

  /**
   * What {@link Tx#forgetAbove} undid: payments forgotten, and incomes they covered, expected
   * again.
   */
  record Forgotten(int payments, int incomes) {}

  /**
   * Runs {@code work} in one transaction: all it wrote is kept if it returns, nothing if it throws.
   */
  <T> T inTransaction(Function<Tx, T> work);

  /** All incomes, oldest accepted first. */
  List<IncomeRecord> incomes();

  /** The incomes in {@code status}, oldest accepted first. */
  List<IncomeRecord> incomes(IncomeStatus status);

  Optional<IncomeRecord> income(String subtaskId);

  /** Payments seen on chain, by block. */
  List<SeenPayment> seenPayments();

  Optional<Cursor> cursor();

  /** The checkpoints kept, newest first. */
  List<Checkpoint> checkpoints();

  /** The writes, within one transaction of {@link #inTransaction}. */
  interface Tx {
    Optional<IncomeRecord> income(String subtaskId);

    /** Records an EXPECTED income. */
    void expect(
        Address requestor,
        String taskId,
        String subtaskId,
        BigInteger amount,
        Instant acceptedAt,
        long recordedAt);

    /** The first cursor of this ledger. */
    void createCursor(ChainIdentity chain, Address account, long nextBlock);

    void moveCursor(long nextBlock);

    /** Records a scanned block's hash, keeping the newest {@code kept} checkpoints. */
    void checkpoint(long blockNumber, String blockHash, int kept);

    /**
     * Records a payment seen on chain (all of it unallocated); its id, or empty if this
     * (transaction, sender) was seen before and nothing was written.
     */
    OptionalLong paymentSeen(
        String txHash,
        Address sender,
        BigInteger amount,
        long blockNumber,
        String blockHash,
        OptionalLong closureTime,
        long seenAt);

    /**
     * Marks an EXPECTED income as paid by transaction {@code txHash} from {@code payer} (Concent's
     * settlement named it): from now on only that payment covers it. Nothing for another status.
     */
    void pin(String subtaskId, Address payer, String txHash);

    /** The payment seen on chain in transaction {@code txHash} from {@code sender}, if any. */
    Optional<Credit> payment(String txHash, Address sender);

    /** Incomes still EXPECTED from {@code requestor}, oldest accepted first. */
    List<IncomeRecord> expectedFrom(Address requestor);

    /** The income is RECEIVED, covered by payment {@code paymentId}. */
    void received(
        String subtaskId, long paymentId, String txHash, long blockNumber, long receivedAt);

    /** What payment {@code paymentId} leaves unallocated now. */
    void unallocated(long paymentId, BigInteger left);

    /** Payments with an amount left unallocated whose sender has incomes expected, by block. */
    List<Credit> credits();

    /**
     * Forgets the payments and checkpoints above {@code block}; the incomes they covered are
     * EXPECTED again.
     */
    Forgotten forgetAbove(long block);

    /**
     * Incomes EXPECTED, accepted at or before {@code cutoffMillis} and never reported overdue,
     * oldest first.
     */
    List<IncomeRecord> overdueUnreported(long cutoffMillis);

    void overdueReported(String subtaskId, long at);
  }
}
