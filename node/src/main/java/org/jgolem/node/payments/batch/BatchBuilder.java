package org.jgolem.node.payments.batch;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jgolem.eth.Address;
import org.jgolem.eth.PackedPayment;

/**
 * Turns what a requestor owes into {@code batchTransfer} calls.
 *
 * <ul>
 *   <li>A payment the contract would refuse (zero payee, the sender itself, a non-positive amount,
 *       or the token contract) is held back with its reason instead of making the whole batch
 *       revert (audit TOB-14).
 *   <li>Payments to the same payee are aggregated; an aggregate above 2^96-1 takes several words.
 *   <li>A payee's total that would need more than {@link #MAX_WORDS_PER_PAYEE} words is held back
 *       ({@code AMOUNT_TOO_LARGE}): no real payment comes near it, and splitting it would make an
 *       unbounded number of words.
 *   <li>Batches hold at most {@code maxPaymentsPerBatch} words, which bounds their gas (about 24.4k
 *       gas per new payee).
 * </ul>
 *
 * Payees keep the order in which they first appear, so the same input gives the same batches.
 */
public final class BatchBuilder {
  /** 1,024 words of 2^96 - 1 is about 8 × 10^13 GNT, far above the whole supply (10^9 GNT). */
  public static final int MAX_WORDS_PER_PAYEE = 1024;

  private static final BigInteger MAX_PER_PAYEE =
      PackedPayment.MAX_AMOUNT.multiply(BigInteger.valueOf(MAX_WORDS_PER_PAYEE));

  private final Address sender;
  private final Address tokenContract;
  private final int maxPaymentsPerBatch;

  public BatchBuilder(Address sender, Address tokenContract, int maxPaymentsPerBatch) {
    if (maxPaymentsPerBatch < 1) {
      throw new IllegalArgumentException(
          "maxPaymentsPerBatch must be at least 1, got " + maxPaymentsPerBatch);
    }
    this.sender = sender;
    this.tokenContract = tokenContract;
    this.maxPaymentsPerBatch = maxPaymentsPerBatch;
  }

  public BatchPlan plan(List<Payment> payments) {
    List<BatchPlan.HeldBack> held = new ArrayList<>();
    Map<Address, List<Payment>> byPayee = new LinkedHashMap<>();
    for (Payment p : payments) {
      BatchPlan.Reason reason = check(p);
      if (reason != null) {
        held.add(new BatchPlan.HeldBack(p, reason));
      } else {
        byPayee.computeIfAbsent(p.payee(), k -> new ArrayList<>()).add(p);
      }
    }
    Map<Address, BigInteger> owed = new LinkedHashMap<>();
    byPayee.forEach((payee, list) -> {
      BigInteger sum = list.stream().map(Payment::amount).reduce(BigInteger.ZERO, BigInteger::add);
      if (sum.compareTo(MAX_PER_PAYEE) > 0) {
        list.forEach(p -> held.add(new BatchPlan.HeldBack(p, BatchPlan.Reason.AMOUNT_TOO_LARGE)));
      } else {
        owed.put(payee, sum);
      }
    });
    List<PackedPayment> words = new ArrayList<>();
    owed.forEach((payee, amount) -> {
      BigInteger left = amount;
      while (left.signum() > 0) {
        BigInteger part = left.min(PackedPayment.MAX_AMOUNT);
        words.add(new PackedPayment(payee, part));
        left = left.subtract(part);
      }
    });
    List<BatchPlan.Batch> batches = new ArrayList<>();
    for (int i = 0; i < words.size(); i += maxPaymentsPerBatch) {
      batches.add(
          new BatchPlan.Batch(words.subList(i, Math.min(words.size(), i + maxPaymentsPerBatch))));
    }
    return new BatchPlan(batches, held);
  }

  private BatchPlan.Reason check(Payment p) {
    if (p.payee() == null || p.payee().isZero()) {
      return BatchPlan.Reason.ZERO_PAYEE;
    }
    if (p.payee().equals(sender)) {
      return BatchPlan.Reason.PAYEE_IS_SENDER;
    }
    if (p.payee().equals(tokenContract)) {
      return BatchPlan.Reason.TOKEN_CONTRACT_PAYEE;
    }
    if (p.amount().signum() <= 0) {
      return BatchPlan.Reason.NON_POSITIVE_AMOUNT;
    }
    return null;
  }
}
