package org.jgolem.payments.batch;

import java.math.BigInteger;
import java.util.List;

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
    TOKEN_CONTRACT_PAYEE
  }

  public record HeldBack(Payment payment, Reason reason) {}

  public BigInteger total() {
    return batches.stream().map(Batch::total).reduce(BigInteger.ZERO, BigInteger::add);
  }
}
