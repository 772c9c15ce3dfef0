package org.jgolem.node.chain;

import java.math.BigInteger;
import java.util.function.Supplier;
import org.jgolem.chain.Chain;
import org.jgolem.chain.ChainException;
import org.jgolem.chain.contracts.ConcentDepositsGateway;
import org.jgolem.chain.contracts.GntTokenGateway;
import org.jgolem.eth.Address;
import org.jgolem.node.concent.DepositAccount;
import org.jgolem.node.concent.DepositException;
import org.web3j.crypto.Credentials;

/**
 * {@link DepositAccount} (and so {@link org.jgolem.node.concent.Deposits}) over contract-wrappers'
 * {@link ConcentDepositsGateway}, for the node's account. A deposit is one transaction, {@code
 * GNT.transferAndCall(deposit, amount)}. A refusal of the contract comes back as a {@link
 * DepositException} with the gateway's decoded revert (e.g. {@code DepositTooLarge(...)}); a chain
 * that does not answer, as one that is {@link DepositException#unavailable()}.
 *
 * <p>The account's nonces are shared with the payment processor, which reads the pending count for
 * each batch; before each transaction the signer forgets its own count and reads the pending one
 * too, so that neither side replaces the other's transaction in the pool.
 */
public final class Web3Deposits implements DepositAccount {
  private final Chain chain;
  private final Credentials credentials;
  private final ConcentDepositsGateway deposit;
  private final GntTokenGateway token;
  private final Address owner;

  public Web3Deposits(
      Chain chain, Address depositAddress, Address tokenAddress, Credentials credentials) {
    this.chain = chain;
    this.credentials = credentials;
    this.deposit = new ConcentDepositsGateway(chain, depositAddress, credentials);
    this.token = new GntTokenGateway(chain, tokenAddress, credentials);
    this.owner = Address.of(credentials.getAddress());
  }

  @Override
  public Deposit depositOf(Address account) {
    return call(
        "reading the Concent deposit of " + account,
        () -> new Deposit(deposit.balanceOf(account), deposit.timelock(account)));
  }

  @Override
  public Address owner() {
    return owner;
  }

  @Override
  public long chainTime() {
    return call("reading the latest block", chain::latestBlockTimestamp);
  }

  @Override
  public long withdrawalDelaySeconds() {
    return call("reading the withdrawal delay", deposit::withdrawalDelaySeconds);
  }

  @Override
  public String deposit(BigInteger amount) {
    return send(
        "depositing " + amount + " wei",
        () -> token.transferAndCall(deposit.address(), amount, new byte[0]).hash());
  }

  @Override
  public String unlock() {
    return send("unlocking the deposit", () -> deposit.unlock().hash());
  }

  @Override
  public String withdraw() {
    return send("withdrawing the deposit", () -> deposit.withdraw(owner).hash());
  }

  private String send(String what, Supplier<String> tx) {
    chain.signer(credentials).resetNonce();
    return call(what, tx);
  }

  private static <T> T call(String what, Supplier<T> action) {
    try {
      return action.get();
    } catch (ChainException e) {
      boolean unavailable =
          e.reason() == ChainException.Reason.UNAVAILABLE
              || e.reason() == ChainException.Reason.TIMEOUT;
      throw new DepositException(what + ": " + e.getMessage(), unavailable, e);
    }
  }
}
