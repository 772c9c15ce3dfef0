package org.jgolem.concent.chain;

import org.jgolem.chain.contracts.ConcentDeposits;
import org.jgolem.concent.service.DepositBook;
import org.jgolem.eth.Address;

/** {@link DepositBook} over the deposit contract: two views, read at the latest block. */
public final class ChainDepositBook implements DepositBook {
  private final ConcentDeposits deposits;

  public ChainDepositBook(ConcentDeposits deposits) {
    this.deposits = deposits;
  }

  @Override
  public DepositStatus status(Address owner) {
    return new DepositStatus(deposits.balanceOf(owner), deposits.timelock(owner));
  }
}
