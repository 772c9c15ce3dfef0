package org.jgolem.protocol.notes;

import java.math.BigInteger;
import java.util.HexFormat;
import org.jgolem.eth.Address;

/**
 * A payer's promise, up to {@code amount} base units, for {@code subtaskId}, to {@code payee}.
 * Signed as EIP-712 typed data in the domain of one GNTDeposit contract on one chain.
 */
public record PromissoryNote(
    Address payer, Address payee, BigInteger amount, byte[] subtaskId, Purpose purpose) {
  public PromissoryNote {
    if (subtaskId.length != 32) {
      throw new IllegalArgumentException("a subtask id has 32 bytes, got " + subtaskId.length);
    }
    if (amount.signum() < 0 || amount.bitLength() > 256) {
      throw new IllegalArgumentException("amount out of uint256 range: " + amount);
    }
    subtaskId = subtaskId.clone();
  }

  @Override
  public byte[] subtaskId() {
    return subtaskId.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PromissoryNote n
        && payer.equals(n.payer)
        && payee.equals(n.payee)
        && amount.equals(n.amount)
        && java.util.Arrays.equals(subtaskId, n.subtaskId)
        && purpose == n.purpose;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(
        payer, payee, amount, java.util.Arrays.hashCode(subtaskId), purpose);
  }

  @Override
  public String toString() {
    return "PromissoryNote["
        + payer
        + " -> "
        + payee
        + ", "
        + amount
        + ", subtask 0x"
        + HexFormat.of().formatHex(subtaskId)
        + ", "
        + purpose
        + "]";
  }
}
