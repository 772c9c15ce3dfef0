package org.jgolem.chain;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.methods.response.EthGetTransactionReceipt;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.tx.response.TransactionReceiptProcessor;

/**
 * Waits for a receipt by polling: first after 1 ms, doubling up to {@code maxInterval}, so a local
 * chain answers in milliseconds and a public one is not flooded. web3j's default polls every 15 s.
 * A receipt with a failed status is replayed as a call to recover and decode the revert reason.
 */
public final class FastReceiptProcessor extends TransactionReceiptProcessor {
  private final Web3j web3j;
  private final Duration maxInterval;
  private final Duration timeout;
  private final RevertReplayer replayer;

  /** Re-executes a failed transaction as a call to obtain its revert data. */
  @FunctionalInterface
  public interface RevertReplayer {
    ChainException explain(TransactionReceipt receipt);
  }

  public FastReceiptProcessor(Web3j web3j, Duration maxInterval, Duration timeout, RevertReplayer replayer) {
    super(web3j);
    this.web3j = web3j;
    this.maxInterval = maxInterval;
    this.timeout = timeout;
    this.replayer = replayer;
  }

  @Override
  public TransactionReceipt waitForTransactionReceipt(String transactionHash) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long sleepNanos = Duration.ofMillis(1).toNanos();
    while (true) {
      EthGetTransactionReceipt response = web3j.ethGetTransactionReceipt(transactionHash).send();
      if (response.hasError()) {
        throw new ChainException(
            ChainException.Reason.UNAVAILABLE,
            "eth_getTransactionReceipt(" + transactionHash + "): " + response.getError().getMessage());
      }
      Optional<TransactionReceipt> receipt = response.getTransactionReceipt();
      if (receipt.isPresent()) {
        TransactionReceipt r = receipt.get();
        if (!r.isStatusOK()) {
          throw replayer.explain(r);
        }
        return r;
      }
      if (System.nanoTime() > deadline) {
        throw new ChainException(
            ChainException.Reason.TIMEOUT,
            "no receipt for " + transactionHash + " within " + timeout.toMillis() + " ms");
      }
      try {
        Thread.sleep(Duration.ofNanos(sleepNanos));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ChainException(ChainException.Reason.TIMEOUT, "interrupted waiting for " + transactionHash, e);
      }
      sleepNanos = Math.min(sleepNanos * 2, maxInterval.toNanos());
    }
  }
}
