package org.jgolem.chain.contracts;

import java.math.BigInteger;
import java.util.List;
import org.jgolem.eth.Address;
import org.jgolem.eth.PackedPayment;
import org.jgolem.eth.TxResult;

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
  TxResult batchTransfer(List<PackedPayment> batch, long closureTime);

  /** The same, without an access list (for comparison and for nodes that refuse access lists). */
  TxResult batchTransferWithoutAccessList(List<PackedPayment> batch, long closureTime);

  /** Transfer events of a mined transaction of this token. */
  List<TransferEvent> transfers(TxResult tx);

  /** The closure time recorded by a batch transaction, if {@code tx} is one. */
  java.util.OptionalLong batchClosureTime(TxResult tx);

  /**
   * Estimates a batch without sending it: {@code eth_estimateGas} and the gas limit {@link
   * #signBatchTransfer} should use (25% headroom, plus the access list's cost if it gets one). A
   * batch the contract would refuse throws {@link org.jgolem.chain.ContractRevertedException}
   * naming the error, e.g. {@code PaymentToSender(index)} or {@code ClosureTimeInFuture}.
   */
  GasQuote quoteBatchTransfer(List<PackedPayment> batch, long closureTime);

  /**
   * Signs the same call as {@link #batchTransfer} with an explicit nonce, gas limit and fees, and
   * sends nothing: the payment processor writes the signed bytes to its ledger before it
   * broadcasts.
   */
  org.jgolem.chain.SignedTransaction signBatchTransfer(
      List<PackedPayment> batch,
      long closureTime,
      long nonce,
      BigInteger gasLimit,
      org.jgolem.chain.TxFees fees);

  /**
   * Transfers of this token to {@code payee} in blocks {@code fromBlock..toBlock} (inclusive), from
   * {@code Transfer} logs; those made by {@code batchTransfer} carry the batch's closure time.
   */
  List<IncomingTransfer> incomingTransfers(Address payee, long fromBlock, long toBlock);

  record TransferEvent(Address from, Address to, BigInteger value) {}

  record GasQuote(BigInteger estimate, BigInteger gasLimit) {}

  /**
   * One {@code Transfer} log to a payee, where it is, and its batch's closure time if a batch made
   * it.
   */
  record IncomingTransfer(
      String transactionHash,
      long logIndex,
      long blockNumber,
      String blockHash,
      Address from,
      Address to,
      BigInteger value,
      java.util.OptionalLong closureTime) {}
}
