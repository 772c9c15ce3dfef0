package org.jgolem.node.concentlink;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jgolem.chain.deploy.Deployment;
import org.jgolem.concent.cli.ConcentAssembly;
import org.jgolem.concent.client.ConcentClient;
import org.jgolem.concent.http.InMemoryNonceLedger;
import org.jgolem.concent.service.ConcentService;
import org.jgolem.concent.service.DepositBook;
import org.jgolem.concent.storage.ResultStorage;
import org.jgolem.concent.store.JdbcConcentStore;
import org.jgolem.concent.time.Windows;
import org.jgolem.eth.Address;
import org.jgolem.node.concent.ConcentMessage;
import org.jgolem.node.concent.ConcentPort;
import org.jgolem.node.resources.IpfsExchange;
import org.jgolem.protocol.hashing.Keccak;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.concent.ForceGetTaskResult;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultUpload;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.ResourceLimits;
import org.jgolem.protocol.messages.market.SubtaskDefinition;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.messages.market.WireNote;
import org.jgolem.protocol.notes.NoteSigner;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.Purpose;
import org.jgolem.testkit.FakeClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's {@link ConcentPort} against a real Concent (its service on a SQLite file, its HTTP
 * server, its content-addressed storage; no chain: the deposit is a stand-in): Concent's windows
 * read, a ForceGetTaskResult sent by the requestor's port, the upload order delivered to the
 * provider's port and acknowledged, the result uploaded as a CAR of the provider's resource store
 * and downloaded into the requestor's, file for file.
 */
@Timeout(60)
class ClientConcentPortTest {
  static final long CHAIN = 31337;
  static final Address DEPOSIT = Address.of("0x5fbdb2315678afecb367f032d93f642f64180aa3");
  static final NodeKey CONCENT = NodeKey.generate();
  static final NodeKey REQUESTOR = NodeKey.generate();
  static final NodeKey PROVIDER = NodeKey.generate();

  @Test
  void aResultGoesUpFromTheProviderAndComesDownToTheRequestor(@TempDir Path dir) throws Exception {
    FakeClock clock = new FakeClock(System.currentTimeMillis());
    MessageCodec codec = new MessageCodec(CHAIN, ConcentClient.MAX_PAYLOAD_BYTES);
    NoteSigner notes = new NoteSigner(CHAIN, DEPOSIT);
    try (JdbcConcentStore store =
            JdbcConcentStore.open("jdbc:sqlite:" + dir.resolve("concent.db"), clock);
        ConcentAssembly.Running concent = startConcent(dir, clock, codec, notes, store);
        IpfsExchange providerStore = IpfsExchange.open(dir.resolve("p-res"), "127.0.0.1", 0);
        IpfsExchange requestorStore = IpfsExchange.open(dir.resolve("r-res"), "127.0.0.1", 0);
        ClientConcentPort provider = port(concent, PROVIDER, clock, providerStore, dir);
        ClientConcentPort requestor = port(concent, REQUESTOR, clock, requestorStore, dir)) {
      Windows times = requestor.times();
      assertThat(times.cmt()).isEqualTo(Duration.ofMinutes(4));
      assertThat(times.fat()).isEqualTo(Duration.ofMinutes(16));

      Path result = Files.createDirectories(dir.resolve("result"));
      Files.writeString(result.resolve("frame.txt"), "a frame", StandardCharsets.UTF_8);
      Files.writeString(result.resolve("log.txt"), "computed\n", StandardCharsets.UTF_8);
      String cid = providerStore.publish(result, "subtask");

      long now = clock.millis();
      TaskToCompute ttc = assignment(notes, now + 600_000);
      ReportComputedTask rct =
          ReportComputedTask.answering(
              ttc, cid, Keccak.keccak256(cid.getBytes(StandardCharsets.UTF_8)), 100, 1_000);
      byte[] ttcFrame = codec.encode(codec.seal(ttc, REQUESTOR, clock));
      byte[] rctFrame = codec.encode(codec.seal(rct, PROVIDER, clock));

      assertThat(requestor.send(new ForceGetTaskResult(ttcFrame, rctFrame)))
          .as("queued: the answer comes through receive")
          .isEmpty();
      List<ConcentPort.Delivery> orders = provider.receive();
      assertThat(orders).hasSize(1);
      ConcentMessage order = orders.get(0).message();
      assertThat(order.envelope().type()).isEqualTo(MessageType.FORCE_GET_TASK_RESULT_UPLOAD);
      assertThat(order.envelope().sender()).isEqualTo(CONCENT.address());
      assertThat(order.envelope().payload(ForceGetTaskResultUpload.class).resultCid())
          .isEqualTo(cid);
      provider.ack(List.of(orders.get(0).id()));
      assertThat(provider.receive()).as("acknowledged, not delivered again").isEmpty();

      provider.uploadResult(ttc.subtaskIdHex(), cid);
      assertThat(requestor.receive())
          .extracting(d -> d.message().envelope().type())
          .contains(MessageType.FORCE_GET_TASK_RESULT_DOWNLOAD);
      Path got = requestor.downloadResult(ttc.subtaskIdHex(), cid);
      assertThat(got.resolve("frame.txt")).hasContent("a frame");
      assertThat(got.resolve("log.txt")).hasContent("computed\n");
    }
  }

  private static ConcentAssembly.Running startConcent(
      Path dir, FakeClock clock, MessageCodec codec, NoteSigner notes, JdbcConcentStore store)
      throws Exception {
    ConcentService service =
        new ConcentService(
            codec,
            CONCENT,
            notes,
            Windows.golem(),
            clock,
            store,
            owner -> new DepositBook.DepositStatus(BigInteger.TEN.pow(30), 0),
            (requestor, provider, since) -> BigInteger.ZERO);
    Deployment d =
        new Deployment(
            CHAIN,
            "http://127.0.0.1:1",
            1,
            REQUESTOR.address().hex(),
            new Deployment.Contracts(DEPOSIT.hex(), DEPOSIT.hex(), DEPOSIT.hex(), DEPOSIT.hex()),
            new Deployment.Roles(CONCENT.address().hex(), CONCENT.address().hex()));
    return new ConcentAssembly()
        .service((c, closer) -> service)
        .nonces((c, closer) -> new InMemoryNonceLedger())
        .start(
            new ConcentAssembly.Context(
                CONCENT,
                d,
                d.rpcUrl(),
                "unused",
                dir,
                Windows.golem(),
                clock,
                codec,
                ResultStorage.open(dir.resolve("storage"))),
            new InetSocketAddress("127.0.0.1", 0));
  }

  private static ClientConcentPort port(
      ConcentAssembly.Running concent, NodeKey key, FakeClock clock, IpfsExchange res, Path dir) {
    return new ClientConcentPort(
        new ConcentClient(
            ConcentClient.Config.of(concent.server().uri(), CONCENT.address(), CHAIN), key, clock),
        key,
        clock,
        res,
        dir.resolve("downloads-" + key.address()));
  }

  private static TaskToCompute assignment(NoteSigner notes, long deadline) {
    byte[] sid = Keccak.keccak256(("port-test-" + deadline).getBytes(StandardCharsets.UTF_8));
    BigInteger price = BigInteger.TEN.pow(18);
    return new TaskToCompute(
        Keccak.keccak256("port-test-task".getBytes(StandardCharsets.UTF_8)),
        sid,
        REQUESTOR.address(),
        PROVIDER.address(),
        price,
        deadline,
        new SubtaskDefinition(
            "wasm",
            "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
            "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
            "main",
            List.of(),
            List.of("frame.txt"),
            new ResourceLimits(1, 128, 60, 1L << 20)),
        WireNote.of(
            notes.sign(
                new PromissoryNote(
                    REQUESTOR.address(), PROVIDER.address(), price, sid, Purpose.SUBTASK_PAYMENT),
                REQUESTOR.keyPair())),
        WireNote.of(
            notes.sign(
                new PromissoryNote(
                    REQUESTOR.address(), DEPOSIT, BigInteger.TEN, sid, Purpose.VERIFICATION_COST),
                REQUESTOR.keyPair())));
  }
}
