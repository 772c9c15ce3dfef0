package org.jgolem.node.market.requestor;

/**
 * The requestor's Concent deposit does not back a task with Concent on (too small, or being
 * withdrawn), or cannot be read now ({@link #unavailable}).
 */
public final class InsufficientDepositException extends RequestorAgent.InsufficientFundsException {
  private final boolean unavailable;

  public InsufficientDepositException(String message, boolean unavailable) {
    super(message);
    this.unavailable = unavailable;
  }

  /** Whether the deposit could not be read (the chain did not answer), rather than too small. */
  public boolean unavailable() {
    return unavailable;
  }
}
