package org.jgolem.node.payments;

/** A failure of payments or incomes, with a reason a caller can act on. */
public class PaymentException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public enum Reason {
    /** The Ethereum node did not answer, or answered with an error. Retried on the next tick. */
    CHAIN_UNAVAILABLE,
    /**
     * The node now reports another chain (chain id or genesis block) than the one this ledger was
     * written against. Nothing is sent or re-paid: check the RPC URL; a dev chain that was reset
     * from scratch needs a fresh ledger.
     */
    CHAIN_CHANGED,
    /**
     * The same subtask was recorded before with other values (amount, payee, requestor or task).
     */
    CONFLICTING_RECORD,
    /** A record with an invalid value (non-positive amount, blank id). */
    INVALID_RECORD,
    /**
     * The account cannot pay: GNT for the payments, or ether for gas. See {@link
     * InsufficientFundsException}.
     */
    INSUFFICIENT_FUNDS,
    /**
     * The contract refuses the batch for a reason that is not one payee's (the batch stays
     * pending).
     */
    BATCH_REFUSED
  }

  private final Reason reason;

  public PaymentException(Reason reason, String message) {
    this(reason, message, null);
  }

  public PaymentException(Reason reason, String message, Throwable cause) {
    super(reason + ": " + message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
