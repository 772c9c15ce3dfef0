package org.jgolem.node.payments;

import java.math.BigInteger;

/**
 * The requestor cannot afford something: {@code available} is below {@code required}, both in base
 * units of {@code currency} (GNT base units, or wei).
 */
public final class InsufficientFundsException extends PaymentException {
  private static final long serialVersionUID = 1L;

  public enum Currency {
    GNT,
    ETH
  }

  private final Currency currency;
  private final BigInteger available;
  private final BigInteger required;

  public InsufficientFundsException(
      Currency currency, BigInteger available, BigInteger required, String detail) {
    super(
        Reason.INSUFFICIENT_FUNDS,
        currency
            + " available "
            + available
            + " < required "
            + required
            + " (base units"
            + (currency == Currency.ETH ? ", wei" : "")
            + "): "
            + detail);
    this.currency = currency;
    this.available = available;
    this.required = required;
  }

  public Currency currency() {
    return currency;
  }

  public BigInteger available() {
    return available;
  }

  public BigInteger required() {
    return required;
  }
}
