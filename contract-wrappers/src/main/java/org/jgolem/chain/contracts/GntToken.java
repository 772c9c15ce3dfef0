package org.jgolem.chain.contracts;

import java.math.BigInteger;
import java.util.List;
import org.jgolem.eth.Address;
import org.jgolem.eth.TxResult;
import org.jgolem.payments.batch.BatchPlan;

/** The Golem Network Token, as seen by one account. Amounts are in base units (10^-18 GNT). */
public interface GntToken {
  Address address();

  Address sender();

  BigInteger totalSupply();

  BigInteger balanceOf(Address account);

  BigInteger allowance(Address owner, Address spender);

  TxResult transfer(Address to, BigInteger value);

  TxResult transferFrom(Address from, Address to, BigInteger value);

  TxResult approve(Address spender, BigInteger value);

  /** Changes the allowance only if it is still {@code expected} (no approve race, audit TOB-02). */
  TxResult compareAndApprove(Address spender, BigInteger expected, BigInteger value);

  TxResult increaseAllowance(Address spender, BigInteger increase);

  TxResult decreaseAllowance(Address spender, BigInteger decrease);

  TxResult transferAndCall(Address to, BigInteger value, byte[] data);

  TxResult burn(BigInteger value);

  /**
   * Sends one batch. Above 24 distinct payees the transaction carries an EIP-2930 access list of
   * their balance slots: 100 gas saved per slot, less 2,400 for the list (77 gas per payment at 100
   * payees). Smaller batches go without, since the list would cost more than it saves.
   */
  TxResult batchTransfer(BatchPlan.Batch batch, long closureTime);

  /** The same, without an access list (for comparison and for nodes that refuse access lists). */
  TxResult batchTransferWithoutAccessList(BatchPlan.Batch batch, long closureTime);

  /** Transfer events of a mined transaction of this token. */
  List<TransferEvent> transfers(TxResult tx);

  /** The closure time recorded by a batch transaction, if {@code tx} is one. */
  java.util.OptionalLong batchClosureTime(TxResult tx);

  record TransferEvent(Address from, Address to, BigInteger value) {}
}
