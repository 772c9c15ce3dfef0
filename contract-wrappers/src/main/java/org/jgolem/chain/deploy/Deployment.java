package org.jgolem.chain.deploy;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.jgolem.chain.Chain;
import org.jgolem.chain.ChainException;
import org.jgolem.eth.Address;

/**
 * Where the contracts live on one chain: written by {@code scripts/deploy}, read by node and
 * Concent configuration. Addresses are 0x hex strings.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Deployment(
    long chainId,
    String rpcUrl,
    long deploymentBlock,
    String deployer,
    Contracts contracts,
    Roles roles) {

  /** {@code faucet} is null, and left out of the file, on deployments without one. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Contracts(String token, String deposit, String registry, String faucet) {}

  public record Roles(String concent, String coldwallet) {}

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public Address token() {
    return Address.of(contracts.token());
  }

  public Address deposit() {
    return Address.of(contracts.deposit());
  }

  public Address registry() {
    return Address.of(contracts.registry());
  }

  /** Null on deployments without a faucet (any non-test chain). */
  public Address faucet() {
    return contracts.faucet() == null ? null : Address.of(contracts.faucet());
  }

  /** Writes atomically (temp file + rename). */
  public void write(Path file) {
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, ".deployment", ".json");
      JSON.writeValue(tmp.toFile(), this);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write deployment file " + file, e);
    }
  }

  public static Deployment read(Path file) {
    try {
      Deployment d = JSON.readValue(file.toFile(), Deployment.class);
      if (d.contracts() == null
          || d.contracts().token() == null
          || d.contracts().deposit() == null
          || d.contracts().registry() == null) {
        throw new IllegalArgumentException(
            "deployment file " + file + " lacks contracts.token, .deposit or .registry");
      }
      return d;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read deployment file " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Fails with a message naming what differs if {@code chain} is not the chain of this deployment.
   */
  public void verify(Chain chain) {
    if (chain.chainId() != chainId) {
      throw new ChainException(
          ChainException.Reason.MISCONFIGURED,
          "deployment is for chain id "
              + chainId
              + " but "
              + chain.rpcUrl()
              + " is chain "
              + chain.chainId());
    }
    check(chain, "token", token());
    check(chain, "deposit", deposit());
    check(chain, "registry", registry());
    if (contracts.faucet() != null) {
      check(chain, "faucet", faucet());
    }
  }

  private static void check(Chain chain, String name, Address a) {
    if (!chain.hasCode(a)) {
      throw new ChainException(
          ChainException.Reason.MISCONFIGURED,
          "no contract code at "
              + name
              + " address "
              + a
              + " on "
              + chain.rpcUrl()
              + " (chain restarted? redeploy)");
    }
  }
}
