package org.jgolem.node.payments;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.jgolem.chain.Chain;
import org.jgolem.chain.contracts.GntTokenGateway;
import org.jgolem.chain.deploy.Deployment;
import org.jgolem.chain.dev.DevAccounts;
import org.jgolem.chain.testing.AnvilDeployment;
import org.jgolem.eth.Address;
import org.jgolem.node.chain.Web3ChainView;
import org.jgolem.node.chain.Web3PaymentChain;
import org.jgolem.testkit.Anvil;
import org.jgolem.testkit.Await;
import org.web3j.crypto.Credentials;

/**
 * The payment tests' view of a real anvil with the contracts deployed ({@link AnvilDeployment}):
 * GNT handed out by the deployer (who holds the supply), dev account 3 as the requestor, providers
 * from account 4 up, and the node's chain adapters on it.
 */
final class AnvilChain implements AutoCloseable {
  static final BigInteger GNT = AnvilDeployment.GNT;
  static final Credentials DEPLOYER = AnvilDeployment.DEPLOYER;
  static final Credentials REQUESTOR = DevAccounts.account(3);

  final AnvilDeployment anvil;
  final Chain chain;
  final Deployment deployment;

  private AnvilChain(AnvilDeployment anvil) {
    this.anvil = anvil;
    this.chain = anvil.chain();
    this.deployment = anvil.deployment();
  }

  /** Starts anvil and deploys the contracts. */
  static AnvilChain deployed(Anvil.Options options) {
    return new AnvilChain(AnvilDeployment.deployed(options));
  }

  /** Starts anvil from a state file of an earlier one (same deployment). */
  static AnvilChain restarted(Anvil.Options options, Deployment deployment) {
    return new AnvilChain(AnvilDeployment.restarted(options, deployment));
  }

  static Credentials provider(int i) {
    return DevAccounts.account(4 + i);
  }

  static Address addr(Credentials c) {
    return AnvilDeployment.addr(c);
  }

  static BigInteger gnt(long whole) {
    return AnvilDeployment.gnt(whole);
  }

  Web3PaymentChain requestorChain() {
    return new Web3PaymentChain(chain, deployment.token(), REQUESTOR);
  }

  Web3ChainView view(Credentials account) {
    return new Web3ChainView(chain, deployment.token(), account);
  }

  GntTokenGateway token(Credentials as) {
    return anvil.token(as);
  }

  BigInteger balance(Address a) {
    return token(DEPLOYER).balanceOf(a);
  }

  void fund(Address to, BigInteger amount) {
    token(DEPLOYER).transfer(to, amount);
  }

  /**
   * Unix seconds of the latest block, in ms: a test clock starting there never runs ahead of the
   * chain.
   */
  long latestBlockMillis() {
    return chain.latestBlockTimestamp() * 1000;
  }

  <T> T rpc(String method, List<?> params) {
    return anvil.rpc(method, params);
  }

  /**
   * Polls {@code condition} (automining is asynchronous: a receipt follows a broadcast by
   * milliseconds).
   */
  static void await(String what, Duration timeout, BooleanSupplier condition) {
    Await.until(timeout, condition, () -> what);
  }

  /** Kills anvil as a crash would (no state saved) and closes the clients. */
  void kill() {
    anvil.kill();
  }

  @Override
  public void close() {
    anvil.close();
  }
}
