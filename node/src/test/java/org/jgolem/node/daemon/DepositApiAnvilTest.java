package org.jgolem.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import org.jgolem.chain.contracts.ConcentDepositsGateway;
import org.jgolem.chain.dev.DevAccounts;
import org.jgolem.chain.testing.AnvilDeployment;
import org.jgolem.eth.Address;
import org.jgolem.node.api.ApiToken;
import org.jgolem.node.chain.Web3Deposits;
import org.jgolem.node.concent.DepositChecks;
import org.jgolem.node.concent.Deposits;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.testkit.Anvil;
import org.jgolem.testkit.FakeClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;

/**
 * The Concent deposit commands of a real node (a {@link NodeDaemon} with Concent optional) through
 * its REST API, on anvil with the contracts deployed: deposit, status, a task refused for a small
 * deposit, unlock, a withdraw refused until the timelock, the provider's check of a deposit being
 * withdrawn through the real chain adapter, and the withdraw; every balance checked on chain.
 */
@Timeout(180)
class DepositApiAnvilTest {
  static final BigInteger GNT = AnvilDeployment.GNT;
  static final Credentials NODE = DevAccounts.account(5);
  static final ObjectMapper JSON = new ObjectMapper();

  static AnvilDeployment anvil;
  static NodeDaemon daemon;
  static HttpClient http;
  static String base;
  static String token;
  static Address node;

  @TempDir static Path dir;

  @BeforeAll
  static void start() throws Exception {
    anvil = AnvilDeployment.deployed(Anvil.Options.of(8));
    node = AnvilDeployment.addr(NODE);
    anvil.token(AnvilDeployment.DEPLOYER).transfer(node, GNT.multiply(BigInteger.valueOf(100)));
    Path deployment = dir.resolve("deployment.json");
    anvil.deployment().write(deployment);
    Path config = dir.resolve("node.json");
    NodeConfig.write(
        config,
        """
        {"p2p": {"host": "127.0.0.1", "port": %d},
         "api": {"host": "127.0.0.1", "port": 0},
         "chain": {"deployment": "%s", "confirmations": 1},
         "provider": {"enabled": false},
         "concent": {"mode": "optional"}}
        """
            .formatted(LoopbackPorts.free(), deployment));
    NodeKey key = NodeKey.fromPrivateKey(NODE.getEcKeyPair().getPrivateKey());
    Path data = dir.resolve("data");
    daemon = NodeDaemon.start(key, NodeConfig.read(config), data, Clock.systemUTC());
    http = HttpClient.newHttpClient();
    base = "http://127.0.0.1:" + daemon.api.address().getPort();
    token = ApiToken.read(data.resolve(ApiToken.FILE));
  }

  @AfterAll
  static void stop() {
    if (daemon != null) daemon.close();
    if (anvil != null) anvil.close();
  }

  record Answer(int status, JsonNode body) {
    String text(String field) {
      return body.path(field).asText();
    }
  }

  static Answer call(String method, String path, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Authorization", "Bearer " + token)
            .timeout(Duration.ofSeconds(60));
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) b.header("Content-Type", "application/json");
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), JSON.readTree(r.body()));
  }

  static ConcentDepositsGateway contract() {
    return new ConcentDepositsGateway(
        anvil.chain(), anvil.deployment().deposit(), AnvilDeployment.DEPLOYER);
  }

  static BigInteger tokens(Address a) {
    return anvil.token(AnvilDeployment.DEPLOYER).balanceOf(a);
  }

  /** A one-subtask gWASM task asking for Concent: 100 GNT an hour for 6 min, at most 10 GNT. */
  static Path concentTask() throws IOException {
    Path in = Files.createDirectories(dir.resolve("task/in"));
    Files.write(in.resolve("prog.wasm"), new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
    Files.writeString(Files.createDirectories(in.resolve("s0")).resolve("scene.txt"), "scene");
    return Files.writeString(
        dir.resolve("task/task.json"),
        """
        {"type": "wasm", "name": "deposit", "bid": "100", "timeout": "0:30:00",
         "subtask_timeout": "0:06:00", "concent_enabled": true, "verification": {"redundancy": 1},
         "options": {"js_name": "p.js", "wasm_name": "prog.wasm", "input_dir": "in", "output_dir": "out",
           "subtasks": {"s0": {"exec_args": [], "output_file_paths": ["band.pgm"]}}}}
        """);
  }

  @Test
  void depositStatusUnlockAndWithdrawThroughTheApiOnAChain() throws Exception {
    Answer s = call("GET", "/v1/concent/deposit", null);
    assertThat(s.status()).isEqualTo(200);
    assertThat(s.text("owner")).isEqualTo(node.toString());
    assertThat(s.text("balance")).isEqualTo("0");
    assertThat(s.text("state")).isEqualTo("LOCKED");
    assertThat(s.body().get("reserved").isNull())
        .as("unknown until Concent is configured")
        .isTrue();
    assertThat(s.body().get("withdrawalDelaySeconds").asLong()).isEqualTo(86_400);

    // bad amounts never reach the chain
    assertThat(call("POST", "/v1/concent/deposit", "{\"amount\": \"0\"}").status()).isEqualTo(400);
    assertThat(call("POST", "/v1/concent/deposit", "{\"amount\": 10}").status()).isEqualTo(400);
    // more GNT than the node has: the token's revert, decoded, as a conflict
    Answer tooMuch =
        call(
            "POST",
            "/v1/concent/deposit",
            "{\"amount\": \"" + GNT.multiply(BigInteger.valueOf(101)) + "\"}");
    assertThat(tooMuch.status()).as(tooMuch.body().toString()).isEqualTo(409);
    assertThat(tooMuch.text("message")).contains("reverted");

    BigInteger ten = GNT.multiply(BigInteger.TEN);
    Answer d = call("POST", "/v1/concent/deposit", "{\"amount\": \"" + ten + "\"}");
    assertThat(d.status()).as(d.body().toString()).isEqualTo(200);
    assertThat(d.text("txHash")).startsWith("0x").hasSize(66);
    assertThat(d.text("balance")).isEqualTo(ten.toString());
    assertThat(contract().balanceOf(node)).isEqualTo(ten);
    assertThat(tokens(node)).isEqualTo(GNT.multiply(BigInteger.valueOf(90)));

    // a task with Concent whose maximum cost (10 GNT) needs 20 GNT of deposit: refused, nothing
    // started
    Answer refused =
        call("POST", "/v1/tasks", "{\"file\": \"" + concentTask().toAbsolutePath() + "\"}");
    assertThat(refused.status()).as(refused.body().toString()).isEqualTo(402);
    assertThat(refused.text("error")).isEqualTo("insufficient_deposit");
    assertThat(refused.text("message"))
        .contains("the Concent deposit of " + node + " is 10 GNT, below the 20 GNT")
        .contains("'golem concent deposit 10'");
    assertThat(call("GET", "/v1/tasks", null).body()).isEmpty();

    Answer early = call("POST", "/v1/concent/withdraw", null);
    assertThat(early.status()).isEqualTo(409);
    assertThat(early.text("message")).contains("is locked: run 'golem concent unlock' first");

    Answer u = call("POST", "/v1/concent/unlock", null);
    assertThat(u.status()).as(u.body().toString()).isEqualTo(200);
    assertThat(u.text("state")).isEqualTo("UNLOCKING");
    long timelock = u.body().get("timelock").asLong();
    assertThat(timelock).isEqualTo(contract().timelock(node)).isPositive();
    Answer still = call("POST", "/v1/concent/withdraw", null);
    assertThat(still.status()).isEqualTo(409);
    assertThat(still.text("message"))
        .contains("still locked until " + java.time.Instant.ofEpochSecond(timelock));

    // a provider reading this requestor through the real chain adapter refuses it
    Web3Deposits adapter =
        new Web3Deposits(
            anvil.chain(),
            anvil.deployment().deposit(),
            anvil.deployment().token(),
            DevAccounts.account(6));
    assertThat(adapter.depositOf(node)).isEqualTo(new Deposits.Deposit(ten, timelock));
    Queue<Runnable> manual = new ArrayDeque<>();
    DepositChecks checks =
        new DepositChecks(
            adapter, new FakeClock(0), Duration.ofSeconds(10), manual::add, manual::add);
    assertThat(checks.verdict(node, BigInteger.ONE, () -> {})).isEmpty();
    while (!manual.isEmpty()) manual.poll().run();
    assertThat(checks.verdict(node, BigInteger.ONE, () -> {}))
        .hasValueSatisfying(v -> {
          assertThat(v.ok()).isFalse();
          assertThat(v.reason()).contains("being withdrawn");
        });

    anvil.rpc("evm_increaseTime", List.of(86_400));
    anvil.rpc("evm_mine", List.of());
    assertThat(call("GET", "/v1/concent/deposit", null).text("state")).isEqualTo("UNLOCKED");
    Answer w = call("POST", "/v1/concent/withdraw", null);
    assertThat(w.status()).as(w.body().toString()).isEqualTo(200);
    assertThat(w.text("balance")).isEqualTo("0");
    assertThat(w.text("state")).isEqualTo("LOCKED");
    assertThat(contract().balanceOf(node)).isZero();
    assertThat(tokens(node)).as("every GNT back").isEqualTo(GNT.multiply(BigInteger.valueOf(100)));
  }

  @Test
  void theConcentSettingChangesWhileTheNodeRuns() throws Exception {
    assertThat(call("GET", "/v1/settings", null).text("concent.mode")).isEqualTo("optional");
    Answer bad = call("PUT", "/v1/settings/concent.mode", "{\"value\": \"sometimes\"}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.text("message")).contains("off, optional, required");
    Answer req = call("PUT", "/v1/settings/concent.mode", "{\"value\": \"required\"}");
    assertThat(req.status()).isEqualTo(200);
    assertThat(req.text("concent.mode")).isEqualTo("required");
    assertThat(daemon.concent.mode()).isEqualTo(org.jgolem.node.concent.ConcentMode.REQUIRED);
    assertThat(call("PUT", "/v1/settings/concent.mode", "{\"value\": \"optional\"}").status())
        .isEqualTo(200);
  }
}
