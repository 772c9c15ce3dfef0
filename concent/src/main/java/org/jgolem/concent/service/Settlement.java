package org.jgolem.concent.service;

import java.math.BigInteger;
import java.util.List;
import java.util.Objects;
import org.jgolem.eth.Address;
import org.jgolem.protocol.notes.SignedNote;

/**
 * A reimbursement Concent owes and sends on chain, exactly once. A FORCED_ACCEPTANCE settlement has
 * one note (the requestor's promissory note for the provider) and may share a transaction with
 * others; a FORCED_PAYMENT one has one note per unpaid subtask and its own transaction.
 *
 * <p>Exactly once: the settler signs the transaction and stores its bytes and hash ({@link
 * Status#SIGNED}) before it broadcasts; after a crash it re-broadcasts the same bytes, or, if the
 * chain already settled the notes (the contract's record), marks it mined.
 *
 * @param id the store's id (0 before it is stored)
 * @param useCase why
 * @param payer whose deposit pays
 * @param payee who is paid
 * @param notes the payer's signed notes backing it
 * @param amount what is paid in all (at most the notes' sum)
 * @param closureTime for FORCED_PAYMENT, the time up to which the chain was scanned (seconds)
 * @param status where it stands
 * @param transactionHash set from SIGNED on
 * @param rawTransaction the signed transaction's bytes, set from SIGNED on
 * @param createdAt when Concent decided it (ms)
 */
public record Settlement(
    long id,
    Claim.UseCase useCase,
    Address payer,
    Address payee,
    List<SignedNote> notes,
    BigInteger amount,
    long closureTime,
    Status status,
    String transactionHash,
    byte[] rawTransaction,
    long createdAt) {

  public enum Status {
    /** Decided, not yet signed. */
    PENDING,
    /** Signed and stored; broadcast, maybe mined. */
    SIGNED,
    /** Mined and successful: paid. */
    MINED,
    /** The chain refused it for good (e.g. the deposit was gone); the claim is released. */
    FAILED
  }

  public Settlement {
    Objects.requireNonNull(useCase, "useCase");
    Objects.requireNonNull(payer, "payer");
    Objects.requireNonNull(payee, "payee");
    Objects.requireNonNull(amount, "amount");
    Objects.requireNonNull(status, "status");
    notes = List.copyOf(notes);
    if (notes.isEmpty()) {
      throw new IllegalArgumentException("a settlement needs at least one note");
    }
    rawTransaction = rawTransaction == null ? null : rawTransaction.clone();
  }

  @Override
  public byte[] rawTransaction() {
    return rawTransaction == null ? null : rawTransaction.clone();
  }

  /** This settlement, signed as {@code transactionHash}. */
  public Settlement signed(String transactionHash, byte[] rawTransaction) {
    return with(id, Status.SIGNED, transactionHash, rawTransaction);
  }

  /** This settlement in {@code status}, keeping its transaction. */
  public Settlement withStatus(Status status) {
    return with(id, status, transactionHash, rawTransaction);
  }

  /** This settlement PENDING again, without a transaction: to be signed anew. */
  public Settlement unsigned() {
    return with(id, Status.PENDING, null, null);
  }

  /** This settlement with the store's {@code id}. */
  public Settlement withId(long id) {
    return with(id, status, transactionHash, rawTransaction);
  }

  private Settlement with(long id, Status status, String transactionHash, byte[] rawTransaction) {
    return new Settlement(
        id,
        useCase,
        payer,
        payee,
        notes,
        amount,
        closureTime,
        status,
        transactionHash,
        rawTransaction,
        createdAt);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Settlement s
        && id == s.id
        && useCase == s.useCase
        && payer.equals(s.payer)
        && payee.equals(s.payee)
        && notes.equals(s.notes)
        && amount.equals(s.amount)
        && closureTime == s.closureTime
        && status == s.status
        && Objects.equals(transactionHash, s.transactionHash)
        && java.util.Arrays.equals(rawTransaction, s.rawTransaction)
        && createdAt == s.createdAt;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(id) * 31 + payee.hashCode();
  }

  @Override
  public String toString() {
    return "Settlement["
        + id
        + " "
        + useCase
        + ", "
        + payer
        + " -> "
        + payee
        + ", "
        + amount
        + ", "
        + notes.size()
        + " notes, "
        + status
        + (transactionHash == null ? "" : ", tx " + transactionHash)
        + "]";
  }
}
