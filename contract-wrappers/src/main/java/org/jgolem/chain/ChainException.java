package org.jgolem.chain;

/** Any failure talking to the chain. Unchecked; {@link #reason()} says what kind. */
public class ChainException extends RuntimeException {
  public enum Reason {
    /** The node did not answer or the connection failed. */
    UNAVAILABLE,
    /** The contract reverted; see {@link ContractRevertedException}. */
    REVERTED,
    /** The node refused the transaction (nonce, funds, fee, size). */
    REJECTED,
    /** No receipt arrived in time. */
    TIMEOUT,
    /** The chain is not what the configuration or deployment file says. */
    MISCONFIGURED
  }

  private final Reason reason;

  public ChainException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public ChainException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
