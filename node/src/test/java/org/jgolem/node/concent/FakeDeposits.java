package org.jgolem.node.concent;

import java.math.BigInteger;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jgolem.eth.Address;

/**
 * Deposits in memory: set per owner by the test; counts the reads; can fail like a chain that does
 * not answer.
 */
public final class FakeDeposits implements Deposits {
  private final Map<Address, Deposit> deposits = new ConcurrentHashMap<>();
  public final AtomicInteger reads = new AtomicInteger();
  public volatile boolean down;

  public FakeDeposits set(Address owner, BigInteger balance, long timelock) {
    deposits.put(owner, new Deposit(balance, timelock));
    return this;
  }

  @Override
  public Deposit depositOf(Address owner) {
    reads.incrementAndGet();
    if (down) throw new DepositException("chain down", true, null);
    return deposits.getOrDefault(owner, Deposit.NONE);
  }
}
