package org.jgolem.node.payments;

import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.jgolem.chain.Chain;
import org.jgolem.chain.contracts.GntTokenGateway;
import org.jgolem.chain.deploy.Deployer;
import org.jgolem.chain.deploy.Deployment;
import org.jgolem.chain.dev.DevAccounts;
import org.jgolem.chain.dev.DevChain;
import org.jgolem.eth.Address;
import org.jgolem.node.chain.Web3ChainView;
import org.jgolem.node.chain.Web3PaymentChain;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.http.HttpService;

/**
 * A real anvil for the payment tests: started with {@link DevChain}, contracts deployed with the
 * project's {@link Deployer}, GNT handed out by the deployer (who holds the supply). Dev account 3
 * is the requestor; providers are accounts 4 and up.
 */
final class AnvilChain implements AutoCloseable {
  static final BigInteger GNT = BigInteger.TEN.pow(18);
  static final Credentials DEPLOYER = DevAccounts.account(DevAccounts.DEPLOYER);
  static final Credentials REQUESTOR = DevAccounts.account(3);

  final DevChain dev;
  final Chain chain;
  final HttpService http;
  Deployment deployment;

  private AnvilChain(DevChain dev) {
    this.dev = dev;
    this.chain = Chain.connect(dev.rpcUrl());
    this.http = new HttpService(dev.rpcUrl());
  }

  /** Starts anvil and deploys the contracts. */
  static AnvilChain deployed(DevChain.Options options) {
    AnvilChain a = new AnvilChain(DevChain.start(options));
    a.deployment = Deployer.deploy(a.chain, DEPLOYER,
        Deployer.Params.devDefaults(addr(DEPLOYER), addr(DevAccounts.account(DevAccounts.CONCENT)),
            addr(DevAccounts.account(DevAccounts.COLDWALLET))));
    return a;
  }

  /** Starts anvil from a state file of an earlier one (same deployment). */
  static AnvilChain restarted(DevChain.Options options, Deployment deployment) {
    AnvilChain a = new AnvilChain(DevChain.start(options));
    a.deployment = deployment;
    return a;
  }

  static Credentials provider(int i) {
    return DevAccounts.account(4 + i);
  }

  static Address addr(Credentials c) {
    return Address.of(c.getAddress());
  }

  static BigInteger gnt(long whole) {
    return BigInteger.valueOf(whole).multiply(GNT);
  }

  Web3PaymentChain requestorChain() {
    return new Web3PaymentChain(chain, deployment.token(), REQUESTOR);
  }

  Web3ChainView view(Credentials account) {
    return new Web3ChainView(chain, deployment.token(), account);
  }

  GntTokenGateway token(Credentials as) {
    return new GntTokenGateway(chain, deployment.token(), as);
  }

  BigInteger balance(Address a) {
    return token(DEPLOYER).balanceOf(a);
  }

  void fund(Address to, BigInteger amount) {
    token(DEPLOYER).transfer(to, amount);
  }

  /** Unix seconds of the latest block, in ms: a test clock starting there never runs ahead of the chain. */
  long latestBlockMillis() {
    return chain.latestBlockTimestamp() * 1000;
  }

  @SuppressWarnings("unchecked")
  <T> T rpc(String method, List<?> params) {
    try {
      Response<Object> r = new Request<>(method, (List<Object>) params, http, GenericResponse.class).send();
      if (r.hasError()) {
        throw new IllegalStateException(method + ": " + r.getError().getMessage());
      }
      return (T) r.getResult();
    } catch (IOException e) {
      throw new IllegalStateException(method + ": " + e.getMessage(), e);
    }
  }

  /** Polls {@code condition} (automining is asynchronous: a receipt follows a broadcast by milliseconds). */
  static void await(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** Kills anvil as a crash would (no state saved) and closes the clients. */
  void kill() {
    dev.kill();
    closeClients();
  }

  private void closeClients() {
    chain.close();
    try {
      http.close();
    } catch (IOException e) {
      // ignore
    }
  }

  @Override
  public void close() {
    closeClients();
    dev.close();
  }

  public static final class GenericResponse extends Response<Object> {}
}
