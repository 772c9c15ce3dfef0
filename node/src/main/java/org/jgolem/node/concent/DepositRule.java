package org.jgolem.node.concent;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Optional;
import org.jgolem.eth.Address;
import org.jgolem.node.concent.Deposits.Deposit;

/**
 * Golem's deposit rule: a task with Concent on is backed by a locked deposit of at least {@value
 * #FACTOR} × the task's maximum cost. The requestor checks its own before it announces such a task,
 * and a provider checks the requestor's before it offers for one.
 */
public final class DepositRule {
  /** How many times a task's maximum cost its requestor's deposit must hold. */
  public static final int FACTOR = 2;

  private static final int DECIMALS = 18;

  private DepositRule() {}

  /** The deposit a task of this maximum cost needs: {@value #FACTOR} × {@code maxCost}. */
  public static BigInteger needed(BigInteger maxCost) {
    return maxCost.multiply(BigInteger.valueOf(FACTOR));
  }

  /**
   * Why {@code owner}'s deposit cannot back a task of maximum cost {@code maxCost}, or empty when
   * it can: it must hold {@link #needed} and be locked (not being withdrawn).
   */
  public static Optional<String> refusal(Address owner, Deposit d, BigInteger maxCost) {
    BigInteger needed = needed(maxCost);
    if (d.balance().compareTo(needed) < 0) {
      return Optional.of(
          "the Concent deposit of "
              + owner
              + " is "
              + gnt(d.balance())
              + ", below the "
              + gnt(needed)
              + " a task with Concent needs ("
              + FACTOR
              + " × its maximum cost of "
              + gnt(maxCost)
              + ")");
    }
    if (!d.locked()) {
      return Optional.of(
          "the Concent deposit of "
              + owner
              + " is being withdrawn (unlocked, withdrawable from "
              + Instant.ofEpochSecond(d.timelock())
              + ")");
    }
    return Optional.empty();
  }

  /** Base units as exact GNT: {@code 1500000000000000000} is {@code "1.5 GNT"}. */
  public static String gnt(BigInteger wei) {
    return (wei.signum() == 0
            ? "0"
            : new BigDecimal(wei, DECIMALS).stripTrailingZeros().toPlainString())
        + " GNT";
  }

  /** Base units as exact GNT without the unit, as {@code golem concent deposit} takes them. */
  public static String gntAmount(BigInteger wei) {
    return wei.signum() == 0
        ? "0"
        : new BigDecimal(wei, DECIMALS).stripTrailingZeros().toPlainString();
  }
}
