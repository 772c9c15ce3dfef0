package org.jgolem.node.payments;

import java.time.Duration;
import java.util.Objects;

/**
 * How the {@link PaymentProcessor} batches and watches payments.
 *
 * @param batchWindow a batch goes out once the oldest pending payment has waited this long; it
 *     takes every payment accepted until then (seconds in a demo, hours in production)
 * @param confirmations blocks a batch transaction must have (its own included) before its outcome
 *     is final: paid, or failed and returned to pending; also the depth at which another
 *     transaction's use of a batch's nonce counts as final
 * @param maxPaymentsPerBatch payees per {@code batchTransfer} (one word each)
 * @param maxGasPerBatch a batch whose gas estimate is above this is split in two
 * @param rebroadcastAfter a sent batch without a receipt is broadcast again (the same bytes) after
 *     this long
 * @param reorgWatchBlocks a confirmed batch is checked again until its block is this deep, in case
 *     the chain goes back (reorganisation, or a node restarted from older state)
 * @param nonceGapGrace a gap in the account's nonces below a batch of ours (a transaction of
 *     another component that was lost) is filled with a no-op after it has lasted this long
 * @param maxAttemptsPerBatch signed attempts (fee bumps) per batch nonce
 * @param gasReservePerTask gas units of ether a new task must leave (for {@link
 *     RequestorAccount#canAfford})
 */
public record PaymentConfig(
    Duration batchWindow,
    int confirmations,
    int maxPaymentsPerBatch,
    long maxGasPerBatch,
    Duration rebroadcastAfter,
    int reorgWatchBlocks,
    Duration nonceGapGrace,
    int maxAttemptsPerBatch,
    long gasReservePerTask) {

  public PaymentConfig {
    Objects.requireNonNull(batchWindow, "batchWindow");
    Objects.requireNonNull(rebroadcastAfter, "rebroadcastAfter");
    Objects.requireNonNull(nonceGapGrace, "nonceGapGrace");
    if (batchWindow.isNegative() || rebroadcastAfter.isNegative() || nonceGapGrace.isNegative()) {
      throw new IllegalArgumentException("durations must not be negative");
    }
    if (confirmations < 1) {
      throw new IllegalArgumentException("confirmations must be at least 1, got " + confirmations);
    }
    if (maxPaymentsPerBatch < 1) {
      throw new IllegalArgumentException(
          "maxPaymentsPerBatch must be at least 1, got " + maxPaymentsPerBatch);
    }
    if (maxGasPerBatch < 50_000) {
      throw new IllegalArgumentException(
          "maxGasPerBatch below one payment's cost: " + maxGasPerBatch);
    }
    if (reorgWatchBlocks < 0 || maxAttemptsPerBatch < 1 || gasReservePerTask < 0) {
      throw new IllegalArgumentException(
          "reorgWatchBlocks >= 0, maxAttemptsPerBatch >= 1, gasReservePerTask >= 0");
    }
  }

  /**
   * Production: hourly batches, 12 confirmations, 500 payees (about 12.5 M gas for new payees),
   * under a 15 M gas bound, resent after 10 minutes.
   */
  public static PaymentConfig production() {
    return new PaymentConfig(
        Duration.ofHours(1),
        12,
        500,
        15_000_000,
        Duration.ofMinutes(10),
        256,
        Duration.ofMinutes(10),
        5,
        1_000_000);
  }

  /** A demo on a local chain: batches every few seconds, one confirmation. */
  public static PaymentConfig demo(Duration window) {
    return new PaymentConfig(
        window,
        1,
        100,
        10_000_000,
        Duration.ofSeconds(10),
        64,
        Duration.ofSeconds(30),
        5,
        1_000_000);
  }

  public PaymentConfig withConfirmations(int n) {
    return new PaymentConfig(
        batchWindow,
        n,
        maxPaymentsPerBatch,
        maxGasPerBatch,
        rebroadcastAfter,
        reorgWatchBlocks,
        nonceGapGrace,
        maxAttemptsPerBatch,
        gasReservePerTask);
  }

  public PaymentConfig withMaxPaymentsPerBatch(int n) {
    return new PaymentConfig(
        batchWindow,
        confirmations,
        n,
        maxGasPerBatch,
        rebroadcastAfter,
        reorgWatchBlocks,
        nonceGapGrace,
        maxAttemptsPerBatch,
        gasReservePerTask);
  }

  public PaymentConfig withMaxGasPerBatch(long gas) {
    return new PaymentConfig(
        batchWindow,
        confirmations,
        maxPaymentsPerBatch,
        gas,
        rebroadcastAfter,
        reorgWatchBlocks,
        nonceGapGrace,
        maxAttemptsPerBatch,
        gasReservePerTask);
  }

  public PaymentConfig withNonceGapGrace(Duration d) {
    return new PaymentConfig(
        batchWindow,
        confirmations,
        maxPaymentsPerBatch,
        maxGasPerBatch,
        rebroadcastAfter,
        reorgWatchBlocks,
        d,
        maxAttemptsPerBatch,
        gasReservePerTask);
  }

  public PaymentConfig withRebroadcastAfter(Duration d) {
    return new PaymentConfig(
        batchWindow,
        confirmations,
        maxPaymentsPerBatch,
        maxGasPerBatch,
        d,
        reorgWatchBlocks,
        nonceGapGrace,
        maxAttemptsPerBatch,
        gasReservePerTask);
  }
}
