package org.jgolem.node.payments;

/** Where one batch transaction (one nonce of the paying account) is. */
public enum BatchStatus {
  /**
   * Signed and written to the ledger, never broadcast yet (a crash came in between, or it is about
   * to go).
   */
  SIGNED,
  /** Broadcast at least once, no receipt yet. */
  SENT,
  /** Mined, with fewer confirmations than required. */
  MINED,
  /** Mined, successful, confirmed: its payments are paid. */
  CONFIRMED,
  /** Mined and failed (confirmed): nothing was paid; its payments went back to pending. */
  REVERTED,
  /**
   * Never mined, and never can be: another transaction took its nonce. Its payments went back to
   * pending.
   */
  DROPPED;

  public boolean live() {
    return this == SIGNED || this == SENT || this == MINED;
  }
}
