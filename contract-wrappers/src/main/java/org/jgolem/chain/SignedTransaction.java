package org.jgolem.chain;

import java.math.BigInteger;
import java.util.Objects;

/**
 * A transaction signed but not necessarily sent: its hash, the raw bytes for {@code
 * eth_sendRawTransaction} (0x hex), and what went into it. The same raw bytes can be broadcast any
 * number of times; being one nonce of one account, they are mined at most once.
 */
public record SignedTransaction(
    String hash,
    String raw,
    long nonce,
    BigInteger gasLimit,
    BigInteger maxPriorityFeePerGas,
    BigInteger maxFeePerGas) {
  public SignedTransaction {
    Objects.requireNonNull(hash, "hash");
    Objects.requireNonNull(raw, "raw");
    if (nonce < 0) {
      throw new IllegalArgumentException("negative nonce " + nonce);
    }
  }
}
