package org.jgolem.chain.dev;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.jgolem.testkit.Anvil;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Keys;
import org.web3j.rlp.RlpDecoder;
import org.web3j.rlp.RlpList;
import org.web3j.rlp.RlpString;
import org.web3j.rlp.RlpType;
import org.web3j.utils.Numeric;

/**
 * The Besu files in {@code scripts/besu/}, checked without Besu (which cannot be installed here):
 * chain ids, forks, fees, funded dev accounts and the dev network's validator.
 */
class BesuGenesisTest {
  private static final Path DIR = Anvil.repositoryRoot().resolve("scripts/besu");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final BigInteger ETH = BigInteger.TEN.pow(18);
  private static final String BFT_MIX_HASH =
      "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365";

  /** As given for the mnemonic "test … junk"; must equal what DevAccounts derives. */
  private static final List<String> FUNDED =
      List.of(
          "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
          "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
          "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
          "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
          "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
          "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
          "0x976EA74026E726554dB657fA54763abd0C3a0aa9");

  private static JsonNode read(String file) throws Exception {
    return JSON.readTree(DIR.resolve(file).toFile());
  }

  private static BigInteger quantity(JsonNode n) {
    String s = n.asText();
    return s.startsWith("0x") ? Numeric.toBigInt(s) : new BigInteger(s);
  }

  private static String norm(String address) {
    String a = address.toLowerCase(Locale.ROOT);
    return a.startsWith("0x") ? a : "0x" + a;
  }

  @Test
  void theListedAddressesAreTheFirstSevenDevAccounts() {
    List<String> derived =
        IntStream.range(0, 7)
            .mapToObj(i -> Keys.toChecksumAddress(DevAccounts.account(i).getAddress()))
            .toList();
    assertThat(derived).isEqualTo(FUNDED);
  }

  @Test
  void devGenesisIsChain2018AndQbftWithCancunFromGenesis() throws Exception {
    JsonNode g = read("genesis-dev.json");
    assertThat(g.path("config").path("chainId").asLong()).isEqualTo(2018);
    assertForksAndFees(g);
  }

  @Test
  void qbftGenesisIsChain1981WithTheSameForks() throws Exception {
    JsonNode g = read("genesis-qbft.json");
    assertThat(g.path("config").path("chainId").asLong()).isEqualTo(1981);
    assertForksAndFees(g);
  }

  private static void assertForksAndFees(JsonNode g) {
    JsonNode c = g.path("config");
    for (String block :
        List.of(
            "homesteadBlock",
            "eip150Block",
            "eip155Block",
            "eip158Block",
            "byzantiumBlock",
            "constantinopleBlock",
            "petersburgBlock",
            "istanbulBlock",
            "berlinBlock",
            "londonBlock")) {
      assertThat(c.has(block)).as(block).isTrue();
      assertThat(c.path(block).asLong(-1)).as(block).isZero();
    }
    assertThat(c.has("shanghaiTime")).isTrue();
    assertThat(c.path("shanghaiTime").asLong(-1)).isZero();
    assertThat(c.has("cancunTime")).isTrue();
    assertThat(c.path("cancunTime").asLong(-1)).isZero();
    // EIP-1559 with a real base fee (the gateway refuses chains without one)
    assertThat(quantity(g.path("baseFeePerGas"))).isPositive();
    assertThat(c.path("zeroBaseFee").asBoolean(false)).isFalse();
    assertThat(quantity(g.path("gasLimit"))).isGreaterThanOrEqualTo(BigInteger.valueOf(30_000_000));
    // QBFT, with the BFT magic mixHash; no other consensus section
    assertThat(c.path("qbft").path("blockperiodseconds").asInt()).isPositive();
    assertThat(c.path("qbft").path("epochlength").asInt()).isPositive();
    assertThat(c.has("ethash") || c.has("clique") || c.has("ibft2")).isFalse();
    assertThat(g.path("mixHash").asText()).isEqualTo(BFT_MIX_HASH);
    assertFunded(g);
  }

  private static void assertFunded(JsonNode g) {
    List<String> allocated = new ArrayList<>();
    g.path("alloc").fieldNames().forEachRemaining(a -> allocated.add(norm(a)));
    List<String> expected =
        IntStream.range(0, 7).mapToObj(i -> norm(DevAccounts.account(i).getAddress())).toList();
    assertThat(allocated).containsExactlyInAnyOrderElementsOf(expected);
    g.path("alloc")
        .fields()
        .forEachRemaining(e ->
            assertThat(quantity(e.getValue().path("balance")))
                .as(e.getKey())
                .isEqualTo(ETH.multiply(BigInteger.valueOf(10_000))));
  }

  @Test
  void devExtraDataNamesExactlyTheValidatorOfTheDevNodeKey() throws Exception {
    // scripts/besu/dev-key writes account 9 of the public dev mnemonic as the validator's key
    // (not one of the funded accounts); the key file itself is never committed.
    String validator = norm(DevAccounts.account(9).getAddress());

    byte[] extra =
        Numeric.hexStringToByteArray(read("genesis-dev.json").path("extraData").asText());
    List<RlpType> top = RlpDecoder.decode(extra).getValues();
    assertThat(top).hasSize(1);
    List<RlpType> fields = ((RlpList) top.get(0)).getValues();
    assertThat(fields).hasSize(5); // vanity, validators, vote, round, seals
    assertThat(((RlpString) fields.get(0)).getBytes()).isEqualTo(new byte[32]);
    List<String> validators =
        ((RlpList) fields.get(1))
            .getValues().stream()
                .map(v -> Numeric.toHexString(((RlpString) v).getBytes()))
                .toList();
    assertThat(validators).containsExactly(validator);
    assertThat(((RlpList) fields.get(2)).getValues()).isEmpty();
    assertThat(((RlpString) fields.get(3)).getBytes()).isEmpty(); // round 0
    assertThat(((RlpList) fields.get(4)).getValues()).isEmpty();
  }

  @Test
  void qbftExtraDataIsAPlaceholderAndTheOperatorConfigHoldsTheSameGenesis() throws Exception {
    JsonNode g = read("genesis-qbft.json");
    String extra = g.path("extraData").asText();
    assertThat(extra).startsWith("REPLACE_WITH_").contains("generate-blockchain-config");
    assertThat(Files.readString(DIR.resolve("README.md"))).contains("generate-blockchain-config");

    JsonNode config = read("qbft-config.json");
    ObjectNode withoutExtra = ((ObjectNode) g.deepCopy()).without("extraData");
    assertThat(config.path("genesis")).isEqualTo(withoutExtra);
    assertThat(config.path("blockchain").path("nodes").path("generate").asBoolean()).isTrue();
    assertThat(config.path("blockchain").path("nodes").path("count").asInt())
        .isGreaterThanOrEqualTo(4);
  }

  @Test
  void composeRunsAPinnedBesuOnTheDevGenesisOnLoopback() throws Exception {
    String compose = Files.readString(DIR.resolve("docker-compose.yml"));
    assertThat(compose).containsPattern("image: hyperledger/besu:\\d+\\.\\d+\\.\\d+\\s");
    assertThat(compose)
        .contains("./genesis-dev.json:/config/genesis-dev.json:ro")
        .contains("--genesis-file=/config/genesis-dev.json")
        .contains("./dev-validator.key:/config/dev-validator.key:ro")
        .contains("--rpc-http-api=ETH,NET,WEB3,TXPOOL")
        .contains("--host-allowlist=")
        .contains("\"127.0.0.1:8545:8545\"");
  }
}
