package org.jgolem.chain.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Path;
import org.jgolem.chain.Chain;
import org.jgolem.chain.contracts.GntTokenGateway;
import org.jgolem.chain.testing.AnvilTest;
import org.jgolem.contracts.generated.GNTFaucet;
import org.jgolem.testkit.Anvil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.tx.gas.StaticEIP1559GasProvider;

/**
 * DeployMain's choice of deploying a faucet. Note: {@code DeployMain.main} calls {@code
 * System.exit(1)} on a deployment failure, which would end this test JVM; it only runs here where
 * it must succeed.
 */
class DeployMainTest extends AnvilTest {
  private static final long[] TEST_CHAINS = {31337, 1337, 2018, 1981};
  private static final long[] OTHER_CHAINS = {
    0, 1, 5, 10, 56, 100, 137, 8453, 17000, 42161, 11155111, 31338
  };

  @TempDir Path dir;

  @Test
  void chainId1IsNotATestChain() {
    assertThat(DeployMain.isTestChain(1)).isFalse();
    for (long id : TEST_CHAINS) {
      assertThat(DeployMain.isTestChain(id)).as("chain %d", id).isTrue();
    }
    for (long id : OTHER_CHAINS) {
      assertThat(DeployMain.isTestChain(id)).as("chain %d", id).isFalse();
    }
  }

  @Test
  void deployMainAgreesWithTheFaucetContract() throws Exception {
    GNTFaucet g =
        GNTFaucet.load(
            deployment.faucet().hex(),
            chain.web3j(),
            chain.signer(DEPLOYER),
            new StaticEIP1559GasProvider(
                chain.chainId(), BigInteger.ONE, BigInteger.ONE, BigInteger.ONE));
    for (long[] ids : new long[][] {TEST_CHAINS, OTHER_CHAINS}) {
      for (long id : ids) {
        assertThat(DeployMain.isTestChain(id))
            .as("chain %d", id)
            .isEqualTo(g.isTestChain(BigInteger.valueOf(id)).send());
      }
    }
  }

  @Test
  void mainOnChainId1DeploysEverythingButTheFaucet() throws Exception {
    Path out = dir.resolve("mainnet-like.json");
    try (Anvil dev = Anvil.start(3, 1);
        Chain c = Chain.connect(dev.rpcUrl())) {
      DeployMain.main(new String[] {"--dev", "--rpc", dev.rpcUrl(), "--out", out.toString()});
      Deployment d = Deployment.read(out);
      assertThat(d.chainId()).isEqualTo(1);
      assertThat(d.contracts().faucet()).isNull();
      d.verify(c);
      assertThat(new GntTokenGateway(c, d.token(), DEPLOYER).balanceOf(addr(DEPLOYER)))
          .isEqualTo(gnt(1_000_000_000));
    }
  }

  @Test
  void mainOnATestChainDeploysAFundedFaucetUnlessToldNotTo() throws Exception {
    try (Anvil dev = Anvil.start(3, 1337);
        Chain c = Chain.connect(dev.rpcUrl())) {
      Path with = dir.resolve("with.json");
      DeployMain.main(new String[] {"--dev", "--rpc", dev.rpcUrl(), "--out", with.toString()});
      Deployment d = Deployment.read(with);
      assertThat(d.chainId()).isEqualTo(1337);
      assertThat(d.faucet()).isNotNull();
      assertThat(c.hasCode(d.faucet())).isTrue();
      assertThat(new GntTokenGateway(c, d.token(), DEPLOYER).balanceOf(d.faucet()))
          .isEqualTo(gnt(10_000_000));

      Path without = dir.resolve("without.json");
      DeployMain.main(
          new String[] {
            "--dev", "--no-faucet", "--rpc", dev.rpcUrl(), "--out", without.toString()
          });
      assertThat(Deployment.read(without).faucet()).isNull();
    }
  }
}
