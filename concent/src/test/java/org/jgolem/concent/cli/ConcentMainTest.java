package org.jgolem.concent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jgolem.chain.deploy.Deployment;
import org.jgolem.concent.api.ConcentApi;
import org.jgolem.concent.client.ConcentClient;
import org.jgolem.concent.http.InMemoryNonceLedger;
import org.jgolem.protocol.identity.Keystore;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.testkit.Await;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConcentMainTest {
  @TempDir Path dir;
  final NodeKey concentKey = NodeKey.generate();
  Path keystore;
  Path password;
  Path deployment;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  @BeforeEach
  void files() throws Exception {
    password = dir.resolve("password");
    Files.writeString(password, "secret");
    keystore = dir.resolve("concent.json");
    Keystore.write(keystore, concentKey, new Keystore.Password.FromFile(password));
    deployment = deploymentFor(concentKey.address().toString());
  }

  private Path deploymentFor(String concentRole) {
    Path file = dir.resolve("deployment-" + concentRole + ".json");
    new Deployment(
            31337,
            "http://127.0.0.1:8545",
            1,
            "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
            new Deployment.Contracts(
                "0x5fbdb2315678afecb367f032d93f642f64180aa3",
                "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512",
                "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0",
                null),
            new Deployment.Roles(concentRole, "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc"))
        .write(file);
    return file;
  }

  private int run(ConcentMain main, String... args) {
    return ConcentMain.commandLine(main, new PrintWriter(out, true), new PrintWriter(err, true))
        .execute(args);
  }

  private String[] startArgs(Path deploymentFile) {
    return new String[] {
      "start",
      "--keystore",
      keystore.toString(),
      "--password-file",
      password.toString(),
      "--deployment",
      deploymentFile.toString(),
      "--data-dir",
      dir.resolve("data").toString(),
      "--listen",
      "127.0.0.1:0",
      "--windows-scale",
      "240"
    };
  }

  @Test
  void refusesAKeyThatIsNotTheDeploymentsConcentRole() {
    String role = NodeKey.generate().address().toString();
    ConcentMain main =
        new ConcentMain(Map.of(), new ConcentAssembly(), Clock.systemUTC(), new CountDownLatch(0));
    assertThat(run(main, startArgs(deploymentFor(role)))).isEqualTo(1);
    assertThat(err.toString())
        .contains("is not the deployment's concent role")
        .contains(concentKey.address().toString())
        .contains(role);
  }

  @Test
  void failsClearlyWhileThePartsAreNotAssembled() {
    ConcentMain main =
        new ConcentMain(Map.of(), new ConcentAssembly(), Clock.systemUTC(), new CountDownLatch(0));
    assertThat(run(main, startArgs(deployment))).isEqualTo(1);
    assertThat(err.toString()).contains("not assembled yet").contains("service");
  }

  @Test
  void startsAndServesWithTheParts() throws Exception {
    ConcentApi api =
        new ConcentApi() {
          @Override
          public SendResult send(org.jgolem.eth.Address client, byte[] frame) {
            return SendResult.queued();
          }

          @Override
          public java.util.Optional<byte[]> receive(
              org.jgolem.eth.Address client, java.util.List<byte[]> ackIds) {
            return java.util.Optional.empty();
          }

          @Override
          public java.util.Optional<String> uploadRefusal(
              org.jgolem.eth.Address client, String cid) {
            return java.util.Optional.of("no");
          }

          @Override
          public void resultUploaded(org.jgolem.eth.Address client, String cid) {}

          @Override
          public java.util.Optional<String> downloadRefusal(
              org.jgolem.eth.Address client, String cid) {
            return java.util.Optional.of("no");
          }

          @Override
          public ProtocolConstants constants() {
            return new ProtocolConstants(1, 2, 3, 4, 5, 6, 7, 8);
          }

          @Override
          public DepositReport deposit(org.jgolem.eth.Address owner) {
            throw new UnsupportedOperationException();
          }
        };
    ConcentAssembly assembly =
        new ConcentAssembly()
            .service((ctx, closer) -> api)
            .nonces((ctx, closer) -> new InMemoryNonceLedger());
    CountDownLatch stop = new CountDownLatch(1);
    ConcentMain main = new ConcentMain(Map.of(), assembly, Clock.systemUTC(), stop);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<Integer> code = pool.submit(() -> run(main, startArgs(deployment)));
      Path urlFile = dir.resolve("data").resolve(ConcentMain.URL_FILE);
      Await.until(
          java.time.Duration.ofSeconds(30), () -> Files.exists(urlFile), () -> "no " + urlFile);
      URI uri = URI.create(Files.readString(urlFile).strip());
      try (ConcentClient c =
          new ConcentClient(
              ConcentClient.Config.of(uri, concentKey.address(), 31337),
              NodeKey.generate(),
              Clock.systemUTC())) {
        assertThat(c.protocolConstants()).isEqualTo(api.constants());
        assertThat(c.receive(java.util.List.of()).isEmpty()).isTrue();
      }
      stop.countDown();
      assertThat(code.get(30, TimeUnit.SECONDS)).isZero();
      assertThat(out.toString()).contains("listening on " + uri).contains("stopping");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aBadListenAddressIsNamed() {
    ConcentMain main =
        new ConcentMain(Map.of(), new ConcentAssembly(), Clock.systemUTC(), new CountDownLatch(0));
    String[] args = startArgs(deployment);
    args[10] = "nowhere";
    assertThat(run(main, args)).isEqualTo(1);
    assertThat(err.toString()).contains("--listen must be HOST:PORT");
  }
}
