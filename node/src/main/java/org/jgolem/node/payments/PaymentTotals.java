package org.jgolem.node.payments;

import java.math.BigInteger;

/**
 * Sums over the ledger, in GNT base units. {@code owed()} is what is recorded and not yet paid
 * (pending, plus in batches not yet confirmed); held-back payments are counted apart, since no
 * batch will pay them.
 */
public record PaymentTotals(
    BigInteger pending,
    BigInteger inBatch,
    BigInteger paid,
    BigInteger heldBack,
    int pendingCount,
    int inBatchCount,
    int paidCount,
    int heldBackCount) {

  public BigInteger owed() {
    return pending.add(inBatch);
  }
}
