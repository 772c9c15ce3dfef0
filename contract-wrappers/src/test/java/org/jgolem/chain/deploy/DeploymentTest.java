package org.jgolem.chain.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.jgolem.chain.ChainException;
import org.jgolem.chain.testing.AnvilTest;
import org.jgolem.eth.Address;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment file: written and read back, refused when incomplete, and checked against a chain.
 */
class DeploymentTest extends AnvilTest {
  private static final Deployment.Contracts CONTRACTS =
      new Deployment.Contracts(
          "0x5fbdb2315678afecb367f032d93f642f64180aa3",
              "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512",
          "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0",
              "0xcf7ed3acca5a467e9e704c703e8d87f634fb0fc9");
  private static final Deployment.Roles ROLES =
      new Deployment.Roles(
          "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
          "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");
  private static final Deployment SAMPLE =
      new Deployment(
          31337,
          "http://127.0.0.1:8545",
          1,
          "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
          CONTRACTS,
          ROLES);

  @TempDir Path dir;

  @Test
  void writtenDeploymentReadsBackEqual() throws Exception {
    Path file = dir.resolve("nested/deployments/local.json"); // parent directories are created
    SAMPLE.write(file);
    Deployment back = Deployment.read(file);
    assertThat(back).isEqualTo(SAMPLE);
    assertThat(back.token()).isEqualTo(Address.of(CONTRACTS.token()));
    assertThat(back.deposit()).isEqualTo(Address.of(CONTRACTS.deposit()));
    assertThat(back.registry()).isEqualTo(Address.of(CONTRACTS.registry()));
    assertThat(back.faucet()).isEqualTo(Address.of(CONTRACTS.faucet()));
    assertThat(Files.readString(file))
        .contains("\"registry\" : \"0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0\"");
  }

  @Test
  void aDeploymentWithoutFaucetOmitsItAndReadsBackEqual() throws Exception {
    Deployment none =
        new Deployment(
            1,
            "https://rpc.example",
            19_000_000,
            SAMPLE.deployer(),
            new Deployment.Contracts(
                CONTRACTS.token(), CONTRACTS.deposit(), CONTRACTS.registry(), null),
            ROLES);
    Path file = dir.resolve("mainnet.json");
    none.write(file);
    assertThat(Files.readString(file)).doesNotContain("faucet");
    Deployment back = Deployment.read(file);
    assertThat(back).isEqualTo(none);
    assertThat(back.faucet()).isNull();
  }

  @Test
  void writeReplacesAnExistingFileAndLeavesNoTemporaryFiles() throws Exception {
    Path file = dir.resolve("local.json");
    Files.writeString(file, "stale");
    SAMPLE.write(file);
    Deployment other =
        new Deployment(1337, SAMPLE.rpcUrl(), 7, SAMPLE.deployer(), CONTRACTS, ROLES);
    other.write(file);
    assertThat(Deployment.read(file)).isEqualTo(other);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("local.json");
    }
  }

  @Test
  void aFileLackingTheRegistryIsRefusedNamingIt() throws Exception {
    Path file = dir.resolve("no-registry.json");
    Files.writeString(
        file,
        """
        { "chainId": 31337, "rpcUrl": "http://127.0.0.1:8545", "deploymentBlock": 1,
          "deployer": "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
          "contracts": { "token": "0x5fbdb2315678afecb367f032d93f642f64180aa3",
                         "deposit": "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512" },
          "roles": { "concent": "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
                     "coldwallet": "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc" } }
        """);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Deployment.read(file));
    assertThat(e.getMessage())
        .contains(file.toString())
        .contains("contracts.")
        .contains("registry");
  }

  @Test
  void aFileWithoutContractsIsRefused() throws Exception {
    Path file = dir.resolve("bare.json");
    Files.writeString(file, "{ \"chainId\": 31337 }");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Deployment.read(file));
    assertThat(e.getMessage()).contains(file.toString()).contains("contracts.token");
  }

  @Test
  void aMissingOrMalformedFileIsReportedWithItsPath() throws Exception {
    Path missing = dir.resolve("absent.json");
    UncheckedIOException e =
        assertThrows(UncheckedIOException.class, () -> Deployment.read(missing));
    assertThat(e.getMessage()).contains("cannot read deployment file").contains(missing.toString());

    Path broken = dir.resolve("broken.json");
    Files.writeString(broken, "{ \"chainId\": ");
    UncheckedIOException e2 =
        assertThrows(UncheckedIOException.class, () -> Deployment.read(broken));
    assertThat(e2.getMessage()).contains(broken.toString());
  }

  // ---------------------------------------------------------------- verify against the shared
  // anvil

  private static Deployment withContracts(long chainId, Deployment.Contracts contracts) {
    return new Deployment(
        chainId,
        deployment.rpcUrl(),
        deployment.deploymentBlock(),
        deployment.deployer(),
        contracts,
        deployment.roles());
  }

  @Test
  void theRealDeploymentVerifies() {
    deployment.verify(chain);
    assertThat(deployment.chainId()).isEqualTo(31337);
  }

  @Test
  void aDeploymentForAnotherChainIdIsMisconfiguredNamingBothIds() {
    Deployment other = withContracts(5, deployment.contracts());
    ChainException e = assertThrows(ChainException.class, () -> other.verify(chain));
    assertThat(e.reason()).isEqualTo(ChainException.Reason.MISCONFIGURED);
    assertThat(e.getMessage())
        .contains("chain id 5")
        .contains("is chain 31337")
        .contains(chain.rpcUrl());
  }

  @Test
  void anAddressWithoutCodeIsMisconfiguredNamingTheContract() {
    String noCode = addr(user(7)).hex(); // an account with ETH but no code
    Deployment.Contracts c = deployment.contracts();

    Deployment badRegistry =
        withContracts(31337, new Deployment.Contracts(c.token(), c.deposit(), noCode, c.faucet()));
    ChainException e = assertThrows(ChainException.class, () -> badRegistry.verify(chain));
    assertThat(e.reason()).isEqualTo(ChainException.Reason.MISCONFIGURED);
    assertThat(e.getMessage()).contains("registry address " + noCode);

    Deployment badToken =
        withContracts(
            31337, new Deployment.Contracts(noCode, c.deposit(), c.registry(), c.faucet()));
    ChainException t = assertThrows(ChainException.class, () -> badToken.verify(chain));
    assertThat(t.reason()).isEqualTo(ChainException.Reason.MISCONFIGURED);
    assertThat(t.getMessage()).contains("token address " + noCode);

    Deployment badDeposit =
        withContracts(31337, new Deployment.Contracts(c.token(), noCode, c.registry(), c.faucet()));
    ChainException d = assertThrows(ChainException.class, () -> badDeposit.verify(chain));
    assertThat(d.getMessage()).contains("deposit address " + noCode);
  }

  @Test
  void aListedFaucetWithoutCodeIsMisconfiguredToo() {
    String noCode = addr(user(8)).hex();
    Deployment.Contracts c = deployment.contracts();
    Deployment badFaucet =
        withContracts(
            31337, new Deployment.Contracts(c.token(), c.deposit(), c.registry(), noCode));
    ChainException e = assertThrows(ChainException.class, () -> badFaucet.verify(chain));
    assertThat(e.reason()).isEqualTo(ChainException.Reason.MISCONFIGURED);
    assertThat(e.getMessage()).contains("faucet address " + noCode);

    // a deployment without a faucet (non-test chains) verifies without one
    withContracts(31337, new Deployment.Contracts(c.token(), c.deposit(), c.registry(), null))
        .verify(chain);
  }
}
