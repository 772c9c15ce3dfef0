package org.jgolem.node.concent;

import java.math.BigInteger;
import org.jgolem.eth.Address;

/**
 * The node's own Concent deposit on chain: read it and act on it from the node's account. A port of
 * ours; the adapter is {@code org.jgolem.node.chain.Web3Deposits}.
 *
 * <p>Every method may throw {@link DepositException}: unavailable when the chain does not answer,
 * refused (with the contract's decoded revert) when the contract says no.
 */
public interface DepositAccount extends Deposits {
  /** The node's account: the deposit's owner. */
  Address owner();

  /** The timestamp of the latest block, seconds: the time the contract's timelock is read on. */
  long chainTime();

  /** How long after {@code unlock} a deposit can be withdrawn, seconds. */
  long withdrawalDelaySeconds();

  /** Adds {@code amount} (base units) of the account's GNT to its deposit; the transaction hash. */
  String deposit(BigInteger amount);

  /** Starts the withdrawal delay; the transaction hash. */
  String unlock();

  /** Pays the whole deposit back to the account, once unlocked; the transaction hash. */
  String withdraw();
}
