package org.jgolem.node.market;

import java.math.BigInteger;

/**
 * The market's one price rule, shared by both sides: a subtask costs its price per hour times its
 * timeout. The requestor offers it, and a provider refuses an assignment that pays less at its own
 * minimum price.
 */
public final class Pricing {
  private Pricing() {}

  /** Price per hour × timeout, in wei, rounded down. */
  public static BigInteger subtaskPrice(BigInteger pricePerHour, long timeoutSeconds) {
    return pricePerHour
        .multiply(BigInteger.valueOf(timeoutSeconds))
        .divide(BigInteger.valueOf(3600));
  }
}
