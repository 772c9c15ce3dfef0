package org.jgolem.node.concent;

/**
 * A deposit operation that failed: the chain does not answer ({@link #unavailable()}), or refused
 * it (the message says why, with the contract's decoded revert).
 */
public final class DepositException extends RuntimeException {
  private final boolean unavailable;

  public DepositException(String message, boolean unavailable, Throwable cause) {
    super(message, cause);
    this.unavailable = unavailable;
  }

  public DepositException(String message) {
    this(message, false, null);
  }

  /** Whether the chain did not answer (try again later), rather than refused. */
  public boolean unavailable() {
    return unavailable;
  }
}
