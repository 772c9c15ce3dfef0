package org.jgolem.eth;

import java.math.BigInteger;

/**
 * One word of GNT's {@code batchTransfer}: the value in the top 96 bits, the payee in the low 160.
 * A plain value shared by the chain gateway (contract-wrappers), which sends the words, and the
 * payment domain (the node's {@code BatchBuilder}), which makes them; neither depends on the other.
 */
public record PackedPayment(Address payee, BigInteger amount) {
  /** Largest amount one word can carry: 2^96 - 1. */
  public static final BigInteger MAX_AMOUNT = BigInteger.ONE.shiftLeft(96).subtract(BigInteger.ONE);

  public PackedPayment {
    if (payee == null || payee.isZero()) {
      throw new IllegalArgumentException("a packed payment needs a non-zero payee");
    }
    if (amount.signum() <= 0 || amount.compareTo(MAX_AMOUNT) > 0) {
      throw new IllegalArgumentException("a packed amount must be in 1..2^96-1, got " + amount);
    }
  }

  public BigInteger word() {
    return amount.shiftLeft(160).or(payee.toBigInteger());
  }

  public byte[] wordBytes() {
    byte[] raw = word().toByteArray();
    byte[] out = new byte[32];
    int n = Math.min(raw.length, 32);
    System.arraycopy(raw, raw.length - n, out, 32 - n, n);
    return out;
  }

  public static PackedPayment unpack(BigInteger word) {
    return new PackedPayment(
        Address.of(word.and(BigInteger.ONE.shiftLeft(160).subtract(BigInteger.ONE))),
        word.shiftRight(160));
  }
}
