package org.jgolem.node.payments;

import java.math.BigInteger;

/**
 * One batch transaction: a nonce of the paying account and the signed attempts at it (all with that
 * nonce, so at most one is ever mined). {@code txHash} is the attempt that was mined; null until
 * one is. A {@code FILLER} batch pays nobody: it only uses up a nonce.
 */
public record BatchRecord(
    long id,
    Kind kind,
    long nonce,
    Long closureTime,
    BigInteger total,
    BatchStatus status,
    long createdAt,
    Long lastBroadcastAt,
    String txHash,
    Long blockNumber,
    String blockHash,
    String note,
    int payments) {

  public enum Kind {
    PAYMENT,
    FILLER
  }
}
