package org.jgolem.node.concent;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Optional;
import org.jgolem.eth.Address;
import org.jgolem.node.concent.Deposits.Deposit;

/**
 * The operator's deposit commands ({@code golem concent deposit|status|unlock|withdraw} and their
 * REST routes): each checks first what the contract would refuse, and says why in words (a withdraw
 * while the deposit is still locked names the time it unlocks), then acts.
 */
public final class OwnDeposit {
  private final DepositAccount account;

  public OwnDeposit(DepositAccount account) {
    this.account = account;
  }

  /** Where the deposit stands. */
  public enum State {
    /** Not being withdrawn: it backs tasks with Concent. */
    LOCKED,
    /** {@code unlock} was called: withdrawable from the timelock on. */
    UNLOCKING,
    /** The timelock has passed: it can be withdrawn. */
    UNLOCKED
  }

  /**
   * The deposit as the chain holds it.
   *
   * @param balance base units
   * @param timelock 0 while locked, else when it can be withdrawn (seconds since the epoch)
   * @param chainTime the latest block's timestamp, seconds: what {@code state} was judged on
   * @param reserved what open Concent cases hold of it; empty while the node knows no Concent
   *     service (a later part of Concent fills it)
   */
  public record Status(
      Address owner,
      BigInteger balance,
      long timelock,
      State state,
      long chainTime,
      long withdrawalDelaySeconds,
      Optional<BigInteger> reserved) {}

  /** A command done: its transaction and the deposit after it. */
  public record Done(String txHash, Status status) {}

  public Status status() {
    Deposit d = account.depositOf(account.owner());
    long now = account.chainTime();
    State state = d.locked() ? State.LOCKED : now < d.timelock() ? State.UNLOCKING : State.UNLOCKED;
    return new Status(
        account.owner(),
        d.balance(),
        d.timelock(),
        state,
        now,
        account.withdrawalDelaySeconds(),
        Optional.empty());
  }

  /**
   * Adds {@code amount} base units to the deposit.
   *
   * @throws IllegalArgumentException when the amount is not positive
   */
  public Done deposit(BigInteger amount) {
    if (amount == null || amount.signum() <= 0) {
      throw new IllegalArgumentException(
          "the amount to deposit must be positive, got " + (amount == null ? "none" : amount));
    }
    String tx = account.deposit(amount);
    return new Done(tx, status());
  }

  /** Starts withdrawing the deposit: it can be withdrawn after the contract's delay. */
  public Done unlock() {
    Status s = status();
    if (s.balance().signum() == 0) {
      throw new DepositException(
          "there is no Concent deposit of " + s.owner() + " to unlock (the balance is 0)");
    }
    if (s.state() != State.LOCKED) {
      throw new DepositException(
          "the Concent deposit of "
              + s.owner()
              + " is already unlocked: it can be withdrawn "
              + (s.state() == State.UNLOCKED
                  ? "now"
                  : "from " + Instant.ofEpochSecond(s.timelock()))
              + " ('golem concent withdraw')");
    }
    String tx = account.unlock();
    return new Done(tx, status());
  }

  /** Pays the whole deposit back to the node's own address, once unlocked. */
  public Done withdraw() {
    Status s = status();
    if (s.balance().signum() == 0) {
      throw new DepositException(
          "there is no Concent deposit of " + s.owner() + " to withdraw (the balance is 0)");
    }
    if (s.state() == State.LOCKED) {
      throw new DepositException(
          "the Concent deposit of "
              + s.owner()
              + " is locked: run 'golem concent unlock' first; it can be withdrawn "
              + s.withdrawalDelaySeconds()
              + " s after that");
    }
    if (s.state() == State.UNLOCKING) {
      throw new DepositException(
          "the Concent deposit of "
              + s.owner()
              + " is still locked until "
              + Instant.ofEpochSecond(s.timelock())
              + " (in "
              + (s.timelock() - s.chainTime())
              + " s by the chain's clock): withdraw after that");
    }
    String tx = account.withdraw();
    return new Done(tx, status());
  }
}
