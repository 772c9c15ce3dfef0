package org.jgolem.node.payments;

import java.time.Duration;
import java.util.Objects;

/**
 * How the {@link IncomeKeeper} watches the chain.
 *
 * @param startBlock the first block to scan on a fresh ledger (the token's deployment block, or the
 *     block the node started at)
 * @param confirmations a block is scanned once it has this many blocks (itself included)
 * @param maxBlockRange blocks per {@code eth_getLogs} call (public nodes cap ranges)
 * @param maxRangesPerTick calls per tick, so a long catch-up is spread over ticks
 * @param overdueAfter an income not received this long after acceptance is reported overdue, once
 * @param closureSkew how far the provider's acceptance time may trail the requestor's when matching
 *     a batch by its closure time
 * @param checkpointsKept scanned block hashes kept to find where a chain that went back forked
 */
public record IncomeConfig(
    long startBlock,
    int confirmations,
    int maxBlockRange,
    int maxRangesPerTick,
    Duration overdueAfter,
    Duration closureSkew,
    int checkpointsKept) {

  public IncomeConfig {
    Objects.requireNonNull(overdueAfter, "overdueAfter");
    Objects.requireNonNull(closureSkew, "closureSkew");
    if (startBlock < 0
        || confirmations < 1
        || maxBlockRange < 1
        || maxRangesPerTick < 1
        || checkpointsKept < 1) {
      throw new IllegalArgumentException(
          "startBlock >= 0; confirmations, maxBlockRange, maxRangesPerTick and "
              + "checkpointsKept >= 1");
    }
  }

  /** Production-like: 12 confirmations, 2,000-block ranges, overdue after two days. */
  public static IncomeConfig defaults(long startBlock) {
    return new IncomeConfig(
        startBlock, 12, 2_000, 10, Duration.ofDays(2), Duration.ofMinutes(5), 128);
  }

  public IncomeConfig withConfirmations(int n) {
    return new IncomeConfig(
        startBlock, n, maxBlockRange, maxRangesPerTick, overdueAfter, closureSkew, checkpointsKept);
  }

  public IncomeConfig withMaxBlockRange(int n) {
    return new IncomeConfig(
        startBlock, confirmations, n, maxRangesPerTick, overdueAfter, closureSkew, checkpointsKept);
  }

  public IncomeConfig withOverdueAfter(Duration d) {
    return new IncomeConfig(
        startBlock,
        confirmations,
        maxBlockRange,
        maxRangesPerTick,
        d,
        closureSkew,
        checkpointsKept);
  }
}
