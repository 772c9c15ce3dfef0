package org.jgolem.concent.service;

import java.math.BigInteger;
import org.jgolem.eth.Address;

/** Reads deposits from the chain (GNTDeposit): a port, so the service never sees web3j. */
public interface DepositBook {
  /** {@code owner}'s deposit now. */
  DepositStatus status(Address owner);

  /**
   * @param balance token base units in the deposit
   * @param timelock 0 while locked; otherwise the time (seconds) from which it can be withdrawn
   */
  record DepositStatus(BigInteger balance, long timelock) {
    /** True if the owner has started a withdrawal (time-locked or already unlocked). */
    public boolean beingWithdrawn() {
      return timelock != 0;
    }
  }
}
