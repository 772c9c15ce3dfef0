package org.jgolem.chain.contracts;

import java.math.BigInteger;
import java.util.List;
import org.jgolem.eth.Address;
import org.jgolem.eth.TxResult;
import org.jgolem.protocol.notes.Purpose;
import org.jgolem.protocol.notes.SignedNote;

/** The Concent deposit contract, as seen by one account (an owner, Concent, or its admin). */
public interface ConcentDeposits {
  Address address();

  Address sender();

  BigInteger balanceOf(Address account);

  BigInteger totalDeposits();

  boolean isLocked(Address account);

  boolean isTimeLocked(Address account);

  boolean isUnlocked(Address account);

  /** 0 while locked; otherwise the time (seconds) from which the deposit can be withdrawn. */
  long timelock(Address account);

  boolean isDepositPossible(Address account, BigInteger amount);

  boolean isSettled(Address payer, byte[] subtaskId, Purpose purpose);

  Limits limits();

  Roles roles();

  long withdrawalDelaySeconds();

  /** Deposit after approving this contract on the token. */
  TxResult deposit(BigInteger amount);

  TxResult unlock();

  TxResult lock();

  TxResult withdraw(Address to);

  // Concent only
  TxResult reimburseForSubtask(SignedNote note, BigInteger reimburseAmount);

  TxResult reimburseForNoPayment(
      List<SignedNote> notes, BigInteger reimburseAmount, long closureTime);

  TxResult reimburseForVerificationCosts(SignedNote note, BigInteger reimburseAmount);

  TxResult reimburseForCommunication(SignedNote note, BigInteger reimburseAmount);

  // owner only
  TxResult transferConcent(Address newConcent);

  TxResult transferColdwallet(Address newColdwallet);

  TxResult transferOwnership(Address newOwner);

  TxResult setMaximumDepositAmount(BigInteger value);

  TxResult setMaximumDepositsTotal(BigInteger value);

  TxResult setDailyReimbursementLimit(BigInteger value);

  record Limits(
      BigInteger maximumDepositAmount,
      BigInteger maximumDepositsTotal,
      BigInteger dailyReimbursementLimit) {}

  record Roles(Address owner, Address concent, Address coldwallet) {}
}
