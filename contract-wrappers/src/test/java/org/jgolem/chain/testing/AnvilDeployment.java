package org.jgolem.chain.testing;

import java.io.IOException;
import java.math.BigInteger;
import java.util.List;
import org.jgolem.chain.Chain;
import org.jgolem.chain.ChainException;
import org.jgolem.chain.contracts.GntTokenGateway;
import org.jgolem.chain.deploy.Deployer;
import org.jgolem.chain.deploy.Deployment;
import org.jgolem.chain.dev.DevAccounts;
import org.jgolem.eth.Address;
import org.jgolem.testkit.Anvil;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.http.HttpService;

/**
 * A real anvil ({@link Anvil}) with the project's contracts deployed by {@link Deployer} with the
 * dev defaults: {@link #DEPLOYER} holds the GNT supply and owns the deposit and the registry. The
 * chain fixture of the contract tests ({@link AnvilTest}), the node's payment tests and the
 * integration tests.
 */
public final class AnvilDeployment implements AutoCloseable {
  public static final BigInteger GNT = BigInteger.TEN.pow(18);
  public static final Credentials DEPLOYER = DevAccounts.account(DevAccounts.DEPLOYER);
  public static final Credentials CONCENT = DevAccounts.account(DevAccounts.CONCENT);
  public static final Credentials COLDWALLET = DevAccounts.account(DevAccounts.COLDWALLET);

  private final Anvil anvil;
  private final Chain chain;

  /** One HTTP client for the test-only RPC calls (snapshot, revert, mining, time travel). */
  private final HttpService http;

  private final Deployment deployment;

  private AnvilDeployment(Anvil anvil, Chain chain, Deployment deployment) {
    this.anvil = anvil;
    this.chain = chain;
    this.http = new HttpService(anvil.rpcUrl());
    this.deployment = deployment;
  }

  /** Starts anvil and deploys the contracts. */
  public static AnvilDeployment deployed(Anvil.Options options) {
    return start(options, null);
  }

  /** Starts anvil from a state file of an earlier one that holds {@code deployment}. */
  public static AnvilDeployment restarted(Anvil.Options options, Deployment deployment) {
    return start(options, deployment);
  }

  private static AnvilDeployment start(Anvil.Options options, Deployment existing) {
    Anvil anvil = Anvil.start(options);
    Chain chain = null;
    try {
      chain = Chain.connect(anvil.rpcUrl());
      Deployment d = existing != null ? existing : Deployer.deploy(chain, DEPLOYER, devParams());
      return new AnvilDeployment(anvil, chain, d);
    } catch (RuntimeException | Error e) {
      if (chain != null) chain.close();
      anvil.close();
      throw e;
    }
  }

  /**
   * The dev deployment's parameters: {@link #DEPLOYER} holds the supply, {@link #CONCENT}, {@link
   * #COLDWALLET}.
   */
  public static Deployer.Params devParams() {
    return Deployer.Params.devDefaults(addr(DEPLOYER), addr(CONCENT), addr(COLDWALLET));
  }

  public Anvil anvil() {
    return anvil;
  }

  public Chain chain() {
    return chain;
  }

  public Deployment deployment() {
    return deployment;
  }

  public String rpcUrl() {
    return anvil.rpcUrl();
  }

  public GntTokenGateway token(Credentials as) {
    return new GntTokenGateway(chain, deployment.token(), as);
  }

  public static Address addr(Credentials c) {
    return Address.of(c.getAddress());
  }

  public static BigInteger gnt(long whole) {
    return BigInteger.valueOf(whole).multiply(GNT);
  }

  /** A JSON-RPC call outside the gateway (anvil's and the EVM's test methods). */
  @SuppressWarnings("unchecked")
  public <T> T rpc(String method, List<?> params) {
    try {
      Response<Object> r =
          new Request<>(method, (List<Object>) params, http, GenericResponse.class).send();
      if (r.hasError()) {
        throw new ChainException(
            ChainException.Reason.REJECTED, method + ": " + r.getError().getMessage());
      }
      return (T) r.getResult();
    } catch (IOException e) {
      throw new ChainException(
          ChainException.Reason.UNAVAILABLE, method + ": " + e.getMessage(), e);
    }
  }

  /** Kills anvil as a crash would (no state saved) and closes the clients. */
  public void kill() {
    anvil.kill();
    closeClients();
  }

  private void closeClients() {
    chain.close();
    try {
      http.close();
    } catch (IOException e) {
      // nothing left to do
    }
  }

  @Override
  public void close() {
    try {
      closeClients();
    } finally {
      anvil.close();
    }
  }

  public static final class GenericResponse extends Response<Object> {}
}
