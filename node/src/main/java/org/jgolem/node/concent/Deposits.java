package org.jgolem.node.concent;

import java.math.BigInteger;
import org.jgolem.eth.Address;

/**
 * The Concent deposits on chain ({@code GNTDeposit}), read: a port of ours, so that the rules never
 * see web3j. The adapter is {@code org.jgolem.node.chain.Web3Deposits}; unit tests use a fake.
 *
 * <p>Every method may throw {@link DepositException} when the chain does not answer.
 */
public interface Deposits {

  /** {@code owner}'s deposit at the latest block. */
  Deposit depositOf(Address owner);

  /**
   * A deposit as the contract holds it.
   *
   * @param balance base units
   * @param timelock 0 while the deposit is locked (it cannot be withdrawn); otherwise the time,
   *     seconds since the epoch, from which it can be withdrawn: the owner has started withdrawing
   *     it ({@code unlock})
   */
  record Deposit(BigInteger balance, long timelock) {
    public static final Deposit NONE = new Deposit(BigInteger.ZERO, 0);

    /** Locked: not being withdrawn. */
    public boolean locked() {
      return timelock == 0;
    }
  }
}
