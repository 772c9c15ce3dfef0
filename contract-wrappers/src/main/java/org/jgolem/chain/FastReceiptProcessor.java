package org.jgolem.chain;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.methods.response.EthGetTransactionReceipt;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.tx.response.TransactionReceiptProcessor;

/**
 * Waits for a receipt by polling: first after 1 ms, doubling up to {@code maxInterval}, so a local
 * chain answers in milliseconds and a public one is not flooded. web3j's default polls every 15 s.
 * A receipt with a failed status is replayed as a call to recover and decode the revert reason. The
 * deadline is read from the injected clock and each pause is a timer on the injected scheduler (the
 * caller's thread blocks on it, as web3j's interface is synchronous).
 */
public final class FastReceiptProcessor extends TransactionReceiptProcessor {
  private static final long FIRST_PAUSE_NANOS = Duration.ofMillis(1).toNanos();

  private final Web3j web3j;
  private final Duration maxInterval;
  private final Duration timeout;
  private final RevertReplayer replayer;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;

  /** Re-executes a failed transaction as a call to obtain its revert data. */
  @FunctionalInterface
  public interface RevertReplayer {
    ChainException explain(TransactionReceipt receipt);
  }

  public FastReceiptProcessor(
      Web3j web3j,
      Duration maxInterval,
      Duration timeout,
      RevertReplayer replayer,
      Clock clock,
      ScheduledExecutorService scheduler) {
    super(web3j);
    this.web3j = web3j;
    this.maxInterval = maxInterval;
    this.timeout = timeout;
    this.replayer = replayer;
    this.clock = clock;
    this.scheduler = scheduler;
  }

  @Override
  public TransactionReceipt waitForTransactionReceipt(String transactionHash) throws IOException {
    Instant deadline = clock.instant().plus(timeout);
    long pauseNanos = FIRST_PAUSE_NANOS;
    while (true) {
      EthGetTransactionReceipt response = web3j.ethGetTransactionReceipt(transactionHash).send();
      if (response.hasError()) {
        throw new ChainException(
            ChainException.Reason.UNAVAILABLE,
            "eth_getTransactionReceipt("
                + transactionHash
                + "): "
                + response.getError().getMessage());
      }
      Optional<TransactionReceipt> receipt = response.getTransactionReceipt();
      if (receipt.isPresent()) {
        TransactionReceipt r = receipt.get();
        if (!r.isStatusOK()) {
          throw replayer.explain(r);
        }
        return r;
      }
      if (clock.instant().isAfter(deadline)) {
        throw new ChainException(
            ChainException.Reason.TIMEOUT,
            "no receipt for " + transactionHash + " within " + timeout.toMillis() + " ms");
      }
      pause(pauseNanos, transactionHash);
      pauseNanos = Math.min(pauseNanos * 2, maxInterval.toNanos());
    }
  }

  private void pause(long nanos, String transactionHash) {
    try {
      scheduler.schedule(() -> {}, nanos, TimeUnit.NANOSECONDS).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChainException(
          ChainException.Reason.TIMEOUT, "interrupted waiting for " + transactionHash, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("the receipt timer failed", e);
    }
  }
}
