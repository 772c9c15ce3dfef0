package org.jgolem.node.payments;

import java.math.BigInteger;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jgolem.eth.PackedPayment;

/**
 * The requestor's side of the chain, for the {@link PaymentProcessor}: one account that signs, the
 * GNT contract it pays through. Signing and broadcasting are separate so that the processor can
 * write a signed transaction to its ledger before anything leaves the node.
 *
 * <p>The processor owns this account's nonces: it passes one to every signature. Every method may
 * throw {@link PaymentException} with reason {@code CHAIN_UNAVAILABLE}.
 */
public interface PaymentChain extends ChainView {
  /** The paying account. */
  org.jgolem.eth.Address account();

  /** The GNT contract. */
  org.jgolem.eth.Address token();

  /**
   * How many transactions the account had sent as of block {@code number} (its next nonce there).
   */
  long nonceAt(long number);

  /** The account's next nonce counting the node's pool. */
  long pendingNonce();

  /** Current fees. */
  Fees fees();

  /**
   * Estimates {@code batchTransfer(words, closureTime)} from the account: the gas and the limit to
   * sign with, or the contract's refusal by name (nothing is signed or sent either way).
   */
  Estimate estimateBatch(List<PackedPayment> words, long closureTime);

  /** Signs {@code batchTransfer(words, closureTime)} at {@code nonce}; sends nothing. */
  SignedTx signBatch(
      List<PackedPayment> words, long closureTime, long nonce, BigInteger gasLimit, Fees fees);

  /**
   * Signs a transaction that only uses up {@code nonce} (no value to itself, 21,000 gas); sends
   * nothing.
   */
  SignedTx signFiller(long nonce, Fees fees);

  /** Sends raw signed bytes; the node's answer is returned, never thrown. */
  BroadcastResult broadcast(String raw);

  /** The receipt of a transaction mined on the current chain, successful or not. */
  Optional<Receipt> receipt(String transactionHash);

  /** EIP-1559 fees in wei per gas. */
  record Fees(BigInteger baseFee, BigInteger tip, BigInteger maxFee) {
    public Fees {
      Objects.requireNonNull(baseFee, "baseFee");
      Objects.requireNonNull(tip, "tip");
      Objects.requireNonNull(maxFee, "maxFee");
    }
  }

  /** A signed transaction: hash, raw bytes (0x hex), nonce, gas limit and fees. */
  record SignedTx(
      String hash, String raw, long nonce, BigInteger gasLimit, BigInteger tip, BigInteger maxFee) {
    public SignedTx {
      Objects.requireNonNull(hash, "hash");
      Objects.requireNonNull(raw, "raw");
    }
  }

  record BroadcastResult(Status status, String message) {
    public enum Status {
      /** In the node's pool (or mined already, on an automining chain). */
      ACCEPTED,
      /** The node has this very transaction. */
      ALREADY_KNOWN,
      /** Some transaction with this nonce is mined. */
      NONCE_TOO_LOW,
      /**
       * Fees too low (below the base fee, or too small a bump over the pool's transaction with this
       * nonce).
       */
      UNDERPRICED,
      /** Any other refusal; see the message. */
      REJECTED
    }

    public boolean inPool() {
      return status == Status.ACCEPTED || status == Status.ALREADY_KNOWN;
    }
  }

  /**
   * A mined transaction. {@code batchLogged}: the GNT contract emitted its {@code BatchTransfer}
   * event in it (a successful batch always does; a call to an address without the contract succeeds
   * without it, having paid nothing).
   */
  record Receipt(
      String transactionHash,
      long blockNumber,
      String blockHash,
      boolean success,
      long gasUsed,
      boolean batchLogged) {}

  /** The outcome of {@link #estimateBatch}. */
  sealed interface Estimate {
    /** The batch would succeed now, using {@code gas}; sign it with {@code gasLimit}. */
    record Ok(BigInteger gas, BigInteger gasLimit) implements Estimate {}

    /**
     * The contract (or the node) would refuse the batch. {@code error} is the contract's error name
     * (e.g. {@code PaymentToSender}, {@code ClosureTimeInFuture}, {@code InsufficientBalance}) or
     * {@code NodeRejected}; {@code arguments} its decoded arguments (BigInteger, hex String).
     */
    record Refused(String error, List<Object> arguments, String message) implements Estimate {
      public Refused {
        arguments = List.copyOf(arguments);
      }
    }
  }
}
