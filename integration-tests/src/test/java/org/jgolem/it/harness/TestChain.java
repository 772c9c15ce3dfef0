package org.jgolem.it.harness;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jgolem.chain.Chain;
import org.jgolem.chain.contracts.ConcentDepositsGateway;
import org.jgolem.chain.contracts.GntToken;
import org.jgolem.chain.contracts.GntTokenGateway;
import org.jgolem.chain.deploy.Deployment;
import org.jgolem.chain.testing.AnvilDeployment;
import org.jgolem.eth.Address;
import org.jgolem.testkit.Anvil;
import org.web3j.crypto.Credentials;

/**
 * A fresh anvil with the contracts deployed by dev account 0 (which holds the GNT supply), the
 * deployment file written for the nodes' configuration, and funding of node accounts from the dev
 * accounts.
 */
public final class TestChain implements AutoCloseable {
  public static final BigInteger GNT = BigInteger.TEN.pow(18);
  public static final BigInteger ETH = BigInteger.TEN.pow(18);

  private final AnvilDeployment anvil;
  private final Chain chain;
  private final Deployment deployment;
  private final Path deploymentFile;
  private final Credentials treasury = AnvilDeployment.DEPLOYER;
  private final GntTokenGateway token;

  private TestChain(AnvilDeployment anvil, Path deploymentFile) {
    this.anvil = anvil;
    this.chain = anvil.chain();
    this.deployment = anvil.deployment();
    this.deploymentFile = deploymentFile;
    this.token = new GntTokenGateway(chain, deployment.token(), treasury);
  }

  /** Starts anvil, deploys, and writes the deployment to {@code deploymentFile}. */
  public static TestChain start(Path deploymentFile) {
    AnvilDeployment anvil = AnvilDeployment.deployed(Anvil.Options.of(4));
    try {
      anvil.deployment().write(deploymentFile);
      return new TestChain(anvil, deploymentFile);
    } catch (RuntimeException | Error e) {
      anvil.close();
      throw e;
    }
  }

  public Path deploymentFile() {
    return deploymentFile;
  }

  public Deployment deployment() {
    return deployment;
  }

  public Chain chain() {
    return chain;
  }

  /**
   * Sends {@code gnt} GNT and {@code eth} ether (base units) from the dev treasury to {@code to}.
   */
  public void fund(Address to, BigInteger gnt, BigInteger eth) {
    if (gnt.signum() > 0) token.transfer(to, gnt);
    if (eth.signum() > 0) chain.signer(treasury).execute(to.hex(), "", eth, List.of());
  }

  /** Checks {@code condition} on the chain; gives its value. */
  public <T> T verify(Condition<TestChain, T> condition) {
    return condition.verify(this);
  }

  /** The GNT balance of each node, in the order given. */
  public Map<Address, BigInteger> gnt(List<NodeProcess> nodes) {
    Map<Address, BigInteger> out = new LinkedHashMap<>();
    for (NodeProcess n : nodes) out.put(n.id(), gnt(n.id()));
    return out;
  }

  public BigInteger gnt(Address a) {
    return token.balanceOf(a);
  }

  /** {@code owner}'s Concent deposit, as GNTDeposit holds it. */
  public BigInteger depositOf(Address owner) {
    return new ConcentDepositsGateway(chain, deployment.deposit(), treasury).balanceOf(owner);
  }

  /** Every GNT {@code Transfer} log to {@code payee} since the deployment. */
  public List<GntToken.IncomingTransfer> transfersTo(Address payee) {
    return token.incomingTransfers(payee, deployment.deploymentBlock(), chain.blockNumber());
  }

  @Override
  public void close() {
    anvil.close();
  }
}
