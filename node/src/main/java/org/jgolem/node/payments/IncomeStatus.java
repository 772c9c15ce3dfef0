package org.jgolem.node.payments;

/** Where one expected income is. */
public enum IncomeStatus {
  /** Accepted by the requestor, not yet matched to a payment on chain. */
  EXPECTED,
  /** Matched to a GNT transfer from the requestor, in a block with enough confirmations. */
  RECEIVED
}
