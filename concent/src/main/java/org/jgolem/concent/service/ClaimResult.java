package org.jgolem.concent.service;

import java.math.BigInteger;

/** The outcome of {@link ConcentTx#claim}. */
public sealed interface ClaimResult {
  /** Reserved; {@code reservedAfter} includes this claim. */
  record Reserved(BigInteger reservedAfter) implements ClaimResult {}

  /** The same (payer, subtask, use case) is already claimed. */
  record Duplicate() implements ClaimResult {}

  /** The deposit cannot cover the open claims plus this one. */
  record Insufficient(BigInteger balance, BigInteger reservedBefore, BigInteger needed)
      implements ClaimResult {}
}
