package org.jgolem.node.payments;

/** Where one subtask's payment is. */
public enum PaymentStatus {
  /** Recorded; waits for its batch window. */
  PENDING,
  /** In a signed batch transaction (sent, or mined with fewer confirmations than required). */
  IN_BATCH,
  /** Its batch transaction is mined, successful and confirmed; {@code txHash} paid it. */
  PAID,
  /** Not sent, because the contract would refuse it; see the reason. Blocks nobody else. */
  HELD_BACK
}
