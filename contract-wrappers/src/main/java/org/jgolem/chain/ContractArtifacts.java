package org.jgolem.chain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The compiled contracts, packaged by the {@code contracts} module as {@code
 * org/jgolem/contracts/NAME.json} ({abi, bytecode, deployedBytecode}).
 */
public final class ContractArtifacts {
  public static final List<String> ALL =
      List.of("GolemNetworkToken", "GNTDeposit", "ApplicationRegistry", "GNTFaucet");

  private static final ObjectMapper JSON = new ObjectMapper();

  private ContractArtifacts() {}

  public static JsonNode load(String contractName) {
    String resource = "/org/jgolem/contracts/" + contractName + ".json";
    try (InputStream in = ContractArtifacts.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(
            "no compiled artifact " + resource + " on the classpath: build the contracts module");
      }
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }

  public static JsonNode abi(String contractName) {
    return load(contractName).get("abi");
  }
}
