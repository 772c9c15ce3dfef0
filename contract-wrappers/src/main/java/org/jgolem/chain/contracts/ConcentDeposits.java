package org.jgolem.chain.contracts;

import java.math.BigInteger;
import java.util.List;
import org.jgolem.chain.SignedTransaction;
import org.jgolem.chain.TxFees;
import org.jgolem.eth.Address;
import org.jgolem.eth.TxResult;
import org.jgolem.protocol.notes.Purpose;
import org.jgolem.protocol.notes.SignedNote;

/** The Concent deposit contract, as seen by one account (an owner, Concent, or its admin). */
public interface ConcentDeposits {
  Address address();

  Address sender();

  BigInteger balanceOf(Address account);

  BigInteger totalDeposits();

  boolean isLocked(Address account);

  boolean isTimeLocked(Address account);

  boolean isUnlocked(Address account);

  /** 0 while locked; otherwise the time (seconds) from which the deposit can be withdrawn. */
  long timelock(Address account);

  boolean isDepositPossible(Address account, BigInteger amount);

  boolean isSettled(Address payer, byte[] subtaskId, Purpose purpose);

  Limits limits();

  Roles roles();

  long withdrawalDelaySeconds();

  /** Deposit after approving this contract on the token. */
  TxResult deposit(BigInteger amount);

  TxResult unlock();

  TxResult lock();

  TxResult withdraw(Address to);

  // Concent only
  TxResult reimburseForSubtask(SignedNote note, BigInteger reimburseAmount);

  /**
   * Settles many ForceSubtaskResults cases in one transaction ({@code reimburseForSubtasks}): each
   * item is checked as {@link #reimburseForSubtask} checks it and emits its own {@code
   * ReimburseForSubtask}. All or nothing: if an item fails, the call throws a {@link
   * org.jgolem.chain.ContractRevertedException} named {@code ItemFailed} with the item's index and,
   * in {@link org.jgolem.chain.ContractRevertedException#innerError()}, the error it would have
   * raised alone (e.g. {@code AlreadySettled}); nothing is settled, and the rest can be resent
   * without it. The provider is paid once per run of consecutive items with the same provider
   * (about 2,000 gas a transfer) and a deposit written once per run of the same requestor (100 gas
   * when repeated): items sorted by provider, then requestor, cost least.
   *
   * @throws IllegalArgumentException before sending, for an empty batch, more than {@link
   *     #MAX_SUBTASKS_PER_CALL} items, a note that is not a {@code SUBTASK_PAYMENT}, or the same
   *     (requestor, subtask) twice
   */
  TxResult reimburseForSubtasks(List<Reimbursement> items);

  TxResult reimburseForNoPayment(
      List<SignedNote> notes, BigInteger reimburseAmount, long closureTime);

  TxResult reimburseForVerificationCosts(SignedNote note, BigInteger reimburseAmount);

  TxResult reimburseForCommunication(SignedNote note, BigInteger reimburseAmount);

  // Concent only, signed but not sent: Concent records the signed transaction before it broadcasts
  // it (LocalSigningTransactionManager#broadcast), so that a case is settled exactly once across
  // crashes, as the node's payment processor does with GntToken#signBatchTransfer.

  /** Estimates {@link #reimburseForSubtask} and the gas limit to sign it with (25% headroom). */
  GntToken.GasQuote quoteReimburseForSubtask(SignedNote note, BigInteger reimburseAmount);

  /** Estimates {@link #reimburseForSubtasks}; a failing item throws {@code ItemFailed} as there. */
  GntToken.GasQuote quoteReimburseForSubtasks(List<Reimbursement> items);

  /** Estimates {@link #reimburseForNoPayment}. */
  GntToken.GasQuote quoteReimburseForNoPayment(
      List<SignedNote> notes, BigInteger reimburseAmount, long closureTime);

  /** Estimates {@link #reimburseForVerificationCosts}. */
  GntToken.GasQuote quoteReimburseForVerificationCosts(SignedNote note, BigInteger reimburseAmount);

  /** The call of {@link #reimburseForVerificationCosts}, signed (same client-side checks). */
  SignedTransaction signReimburseForVerificationCosts(
      SignedNote note, BigInteger reimburseAmount, long nonce, BigInteger gasLimit, TxFees fees);

  /** The call of {@link #reimburseForSubtask}, signed with this nonce, gas limit and fees. */
  SignedTransaction signReimburseForSubtask(
      SignedNote note, BigInteger reimburseAmount, long nonce, BigInteger gasLimit, TxFees fees);

  /** The call of {@link #reimburseForSubtasks}, signed (same client-side checks). */
  SignedTransaction signReimburseForSubtasks(
      List<Reimbursement> items, long nonce, BigInteger gasLimit, TxFees fees);

  /** The call of {@link #reimburseForNoPayment}, signed (same client-side checks). */
  SignedTransaction signReimburseForNoPayment(
      List<SignedNote> notes,
      BigInteger reimburseAmount,
      long closureTime,
      long nonce,
      BigInteger gasLimit,
      TxFees fees);

  // owner only
  TxResult transferConcent(Address newConcent);

  TxResult transferColdwallet(Address newColdwallet);

  TxResult transferOwnership(Address newOwner);

  TxResult setMaximumDepositAmount(BigInteger value);

  TxResult setMaximumDepositsTotal(BigInteger value);

  TxResult setDailyReimbursementLimit(BigInteger value);

  record Limits(
      BigInteger maximumDepositAmount,
      BigInteger maximumDepositsTotal,
      BigInteger dailyReimbursementLimit) {}

  record Roles(Address owner, Address concent, Address coldwallet) {}

  /** The contract's bound on one {@link #reimburseForSubtasks} call. */
  int MAX_SUBTASKS_PER_CALL = 128;

  /**
   * {@code items} in the order {@link #reimburseForSubtasks} settles cheapest: by provider (one
   * token transfer per provider), then requestor (one deposit write per run). A stable sort: items
   * of one provider and requestor keep their order. An {@code ItemFailed} index refers to the list
   * sent, so send the list this returns.
   */
  static List<Reimbursement> cheapestOrder(List<Reimbursement> items) {
    return items.stream()
        .sorted(
            java.util.Comparator.comparing((Reimbursement r) -> r.note().note().payee().hex())
                .thenComparing(r -> r.note().note().payer().hex()))
        .toList();
  }

  /** One item of {@link #reimburseForSubtasks}: the requestor's note and how much of it to pay. */
  record Reimbursement(SignedNote note, BigInteger reimburseAmount) {
    public Reimbursement {
      java.util.Objects.requireNonNull(note, "note");
      java.util.Objects.requireNonNull(reimburseAmount, "reimburseAmount");
    }
  }
}
