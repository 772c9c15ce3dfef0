package org.jgolem.chain;

import java.math.BigInteger;
import java.util.Objects;

/**
 * EIP-1559 fees, in wei per gas: the base fee of the latest block (for information: the network
 * sets it), the tip to the block producer, and the cap on base fee plus tip.
 */
public record TxFees(BigInteger baseFee, BigInteger maxPriorityFeePerGas, BigInteger maxFeePerGas) {
  public TxFees {
    Objects.requireNonNull(baseFee, "baseFee");
    Objects.requireNonNull(maxPriorityFeePerGas, "maxPriorityFeePerGas");
    Objects.requireNonNull(maxFeePerGas, "maxFeePerGas");
    if (maxPriorityFeePerGas.signum() < 0 || maxFeePerGas.compareTo(maxPriorityFeePerGas) < 0) {
      throw new IllegalArgumentException(
          "fees need 0 <= tip <= max fee, got tip "
              + maxPriorityFeePerGas
              + " max fee "
              + maxFeePerGas);
    }
  }

  /** The usual choice: max fee = 2 x base fee + tip, so a transaction survives six full blocks. */
  public static TxFees of(BigInteger baseFee, BigInteger tip) {
    return new TxFees(baseFee, tip, baseFee.shiftLeft(1).add(tip));
  }
}
