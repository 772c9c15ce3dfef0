package org.jgolem.node.payments.batch;

import java.math.BigInteger;
import java.util.List;
import org.jgolem.eth.PackedPayment;

/** What the batch builder made of a list of payments: batches to send and payments held back. */
public record BatchPlan(List<Batch> batches, List<HeldBack> heldBack) {
  public BatchPlan {
    batches = List.copyOf(batches);
    heldBack = List.copyOf(heldBack);
  }

  /** One {@code batchTransfer} call. */
  public record Batch(List<PackedPayment> payments) {
    public Batch {
      payments = List.copyOf(payments);
    }

    public BigInteger total() {
      return payments.stream().map(PackedPayment::amount).reduce(BigInteger.ZERO, BigInteger::add);
    }
  }

  /** Why a payment was not put in any batch. It blocks nobody else. */
  public enum Reason {
    ZERO_PAYEE,
    PAYEE_IS_SENDER,
    NON_POSITIVE_AMOUNT,
    TOKEN_CONTRACT_PAYEE,
    /**
     * The payee's total needs more than {@link BatchBuilder#MAX_WORDS_PER_PAYEE} words of 2^96 − 1:
     * far above any real payment (GNT's whole supply is below 2^90), so it is a bug upstream.
     */
    AMOUNT_TOO_LARGE
  }

  public record HeldBack(Payment payment, Reason reason) {}

  public BigInteger total() {
    return batches.stream().map(Batch::total).reduce(BigInteger.ZERO, BigInteger::add);
  }
}
