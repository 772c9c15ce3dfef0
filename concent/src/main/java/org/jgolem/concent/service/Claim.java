package org.jgolem.concent.service;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.jgolem.eth.Address;

/**
 * A reservation on {@code payer}'s deposit, made in full when a case opens that may end in a
 * reimbursement: a provider is never promised what the deposit cannot pay.
 */
public record Claim(
    Address payer, Address payee, byte[] subtaskId, UseCase useCase, BigInteger amount, long at) {

  public enum UseCase {
    FORCED_ACCEPTANCE,
    FORCED_PAYMENT,
    /** Use case 5, the provider right: the price, from the requestor's deposit to the provider. */
    ADDITIONAL_VERIFICATION,
    /**
     * Use case 5: Concent's verification cost, from the losing party's deposit (through the deposit
     * contract) to Concent's cold wallet.
     */
    VERIFICATION_COST
  }

  public Claim {
    Objects.requireNonNull(payer, "payer");
    Objects.requireNonNull(payee, "payee");
    Objects.requireNonNull(useCase, "useCase");
    Objects.requireNonNull(amount, "amount");
    if (amount.signum() <= 0) {
      throw new IllegalArgumentException("a claim's amount must be positive");
    }
    subtaskId = subtaskId.clone();
  }

  @Override
  public byte[] subtaskId() {
    return subtaskId.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Claim c
        && payer.equals(c.payer)
        && payee.equals(c.payee)
        && Arrays.equals(subtaskId, c.subtaskId)
        && useCase == c.useCase
        && amount.equals(c.amount)
        && at == c.at;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(subtaskId) * 31 + payer.hashCode();
  }

  @Override
  public String toString() {
    return "Claim["
        + useCase
        + " 0x"
        + HexFormat.of().formatHex(subtaskId)
        + ", "
        + payer
        + " -> "
        + payee
        + ", "
        + amount
        + "]";
  }
}
