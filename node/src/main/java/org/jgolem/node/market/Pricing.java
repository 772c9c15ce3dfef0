package org.jgolem.node.market;

import java.math.BigInteger;
import org.jgolem.protocol.messages.market.TaskHeader;

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

  /**
   * The most a task announced by {@code header} can cost, as far as its header tells: each of its
   * subtasks at the header's price per hour for the header's subtask timeout. The requestor's own
   * maximum cost is at least this: it also counts redundancy, and an assignment of several of the
   * task file's subtasks has their time limits together (so a provider's check of the requestor's
   * deposit against this is never stricter than the requestor's own).
   */
  public static BigInteger maxTaskCost(TaskHeader header) {
    return subtaskPrice(header.maxPricePerHour(), header.subtaskTimeoutSeconds())
        .multiply(BigInteger.valueOf(header.subtaskCount()));
  }
}
