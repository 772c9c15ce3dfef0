package org.jgolem.concent.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.jgolem.chain.Chain;
import org.jgolem.chain.TxReceipt;
import org.jgolem.chain.contracts.ConcentDepositsGateway;
import org.jgolem.chain.contracts.GntTokenGateway;
import org.jgolem.chain.deploy.Deployment;
import org.jgolem.chain.dev.DevAccounts;
import org.jgolem.concent.cli.ConcentAssembly;
import org.jgolem.concent.cli.ConcentMain;
import org.jgolem.concent.cli.ConcentParts;
import org.jgolem.concent.client.ConcentClient;
import org.jgolem.concent.client.Received;
import org.jgolem.concent.storage.ResultStorage;
import org.jgolem.concent.time.Windows;
import org.jgolem.eth.Address;
import org.jgolem.protocol.hashing.Keccak;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.concent.ForceSubtaskResults;
import org.jgolem.protocol.messages.concent.ForceSubtaskResultsResponse;
import org.jgolem.protocol.messages.concent.SettlementMade;
import org.jgolem.protocol.messages.market.AckReportComputedTask;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.ResourceLimits;
import org.jgolem.protocol.messages.market.SubtaskDefinition;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.messages.market.WireNote;
import org.jgolem.protocol.notes.NoteSigner;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.Purpose;
import org.web3j.crypto.Credentials;

/**
 * The Concent scene of {@code ./scripts/demo}: a requestor that goes silent, and a provider paid
 * through Concent. On the demo's chain, Concent runs with Golem's windows divided by 240 (CMT one
 * second); the requestor (dev account 7) deposits, assigns a subtask with its signed promissory
 * notes and acknowledges the provider's (dev account 8) report, then never decides. At deadline +
 * SVT the provider forces acceptance; past FAT Concent accepts in the requestor's place and pays
 * the provider from the deposit. The summary shows the case and the reimbursement transaction.
 *
 * <p>Arguments: the deployment file and a work folder.
 */
public final class ConcentScene {
  private static final BigInteger GNT = BigInteger.TEN.pow(18);
  private static final BigInteger PRICE =
      GNT.multiply(BigInteger.valueOf(7)).divide(BigInteger.TWO);
  private static final long SCALE = 240;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final PrintStream out;

  ConcentScene(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: ConcentScene DEPLOYMENT.json WORK-DIR");
      System.exit(2);
    }
    new ConcentScene(System.out).run(Deployment.read(Path.of(args[0])), Path.of(args[1]));
  }

  void run(Deployment d, Path work) throws Exception {
    Files.createDirectories(work);
    Clock clock = Clock.systemUTC();
    Windows windows = Windows.golem().scaledBy(SCALE);
    NodeKey concentKey = key(DevAccounts.CONCENT);
    NodeKey requestor = key(7);
    NodeKey provider = key(8);
    long t0 = System.nanoTime();
    out.println();
    out.println("== Concent: a requestor that goes silent, a provider paid from its deposit ==");
    try (Chain chain = Chain.connect(d.rpcUrl())) {
      GntTokenGateway treasury =
          new GntTokenGateway(chain, d.token(), DevAccounts.account(DevAccounts.DEPLOYER));
      treasury.transfer(requestor.address(), GNT.multiply(BigInteger.valueOf(100)));
      BigInteger deposit = PRICE.multiply(BigInteger.TWO);
      Credentials rc = Credentials.create(requestor.keyPair());
      new GntTokenGateway(chain, d.token(), rc).approve(d.deposit(), deposit);
      ConcentDepositsGateway requestorDeposit = new ConcentDepositsGateway(chain, d.deposit(), rc);
      requestorDeposit.deposit(deposit);
      BigInteger providerBefore = treasury.balanceOf(provider.address());
      out.printf(
          "requestor %s deposits %s GNT (2 x the subtask's price)%n",
          requestor.address(), gnt(deposit));

      MessageCodec codec = new MessageCodec(d.chainId(), ConcentClient.MAX_PAYLOAD_BYTES);
      ConcentAssembly.Context context =
          new ConcentAssembly.Context(
              concentKey,
              d,
              d.rpcUrl(),
              "jdbc:sqlite:" + work.resolve("concent.db"),
              work,
              windows,
              clock,
              codec,
              ResultStorage.open(work.resolve("storage")));
      try (ConcentAssembly.Running concent =
              new ConcentParts(Duration.ofMillis(500))
                  .into(new ConcentAssembly())
                  .start(context, new InetSocketAddress("127.0.0.1", 0));
          ConcentClient providerClient =
              new ConcentClient(
                  ConcentClient.Config.of(
                      concent.server().uri(), concentKey.address(), d.chainId()),
                  provider,
                  clock)) {
        out.printf(
            "Concent %s listening on %s, windows: CMT %d ms, FAT %d ms%n",
            concentKey.address(),
            concent.server().uri(),
            windows.cmt().toMillis(),
            windows.fat().toMillis());

        // The requestor assigns, the provider reports, the requestor acknowledges: all signed.
        NoteSigner notes = new NoteSigner(d.chainId(), d.deposit());
        long assigned = clock.millis();
        long deadline = assigned + 2_000;
        TaskToCompute ttc = assignment(requestor, provider, notes, d.deposit(), deadline);
        byte[] ttcFrame = frame(codec, ttc, requestor, clock);
        ReportComputedTask rct =
            ReportComputedTask.answering(
                ttc,
                "bafkreidivzimqfqtoqxkrpge6bjyhlvxqs3rhe73owtmdulaxr5do5in7u",
                Keccak.keccak256("result".getBytes(StandardCharsets.UTF_8)),
                4096,
                1_500);
        byte[] rctFrame = frame(codec, rct, provider, clock);
        byte[] ackFrame =
            frame(
                codec,
                new AckReportComputedTask(rct.structHash(), rct.subtaskId()),
                requestor,
                clock);
        out.printf(
            "subtask %s: assigned for %s GNT, reported, acknowledged; then the requestor goes silent%n",
            ttc.subtaskIdHex().substring(0, 18) + "…", gnt(PRICE));

        long forceAt = deadline + windows.svt(assigned, deadline, rct.size()).toMillis() + 1;
        sleepUntil(clock, forceAt);
        Envelope request =
            codec.seal(new ForceSubtaskResults(ttcFrame, rctFrame, ackFrame), provider, clock);
        Optional<Envelope> reply = providerClient.send(request);
        if (reply.isPresent()) {
          throw new IllegalStateException("Concent refused: " + reply.get().payload());
        }
        out.printf(
            "deadline + SVT passed without a decision: the provider forces acceptance (case %s)%n",
            "FORCING_ACCEPTANCE");

        ForceSubtaskResultsResponse verdict = null;
        SettlementMade settlement = null;
        long giveUp = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (settlement == null && System.nanoTime() < giveUp) {
          Received r = providerClient.receive(List.of());
          for (Envelope e : r.envelopes()) {
            if (e.type() == MessageType.FORCE_SUBTASK_RESULTS_RESPONSE) {
              verdict = e.payload(ForceSubtaskResultsResponse.class);
              out.printf(
                  "FAT passed in silence: Concent's signed verdict %s, %s GNT%n",
                  verdict.outcome(), gnt(verdict.amount()));
            } else if (e.type() == MessageType.SETTLEMENT_MADE) {
              settlement = e.payload(SettlementMade.class);
            }
          }
          if (!r.isEmpty()) {
            providerClient.ack(r.allIds());
          }
          if (settlement == null) {
            Thread.sleep(200);
          }
        }
        if (verdict == null || settlement == null) {
          throw new IllegalStateException("Concent did not settle the case within 60 s");
        }
        TxReceipt receipt = chain.receipt(settlement.transactionHash()).orElseThrow();
        BigInteger paid = treasury.balanceOf(provider.address()).subtract(providerBefore);
        out.println();
        out.println("Concent summary");
        out.printf("  case         subtask %s, ACCEPTED by Concent%n", ttc.subtaskIdHex());
        out.printf(
            "  settlement   %s, tx %s (block %d, %d gas)%n",
            settlement.useCase(),
            settlement.transactionHash(),
            receipt.blockNumber(),
            receipt.gasUsed());
        out.printf("  provider     +%s GNT on chain (the price, exactly)%n", gnt(paid));
        out.printf(
            "  deposit      %s GNT left of %s%n",
            gnt(requestorDeposit.balanceOf(requestor.address())), gnt(deposit));
        out.printf("  scene time   %.1f s%n", (System.nanoTime() - t0) / 1e9);
        if (!paid.equals(PRICE)) {
          throw new IllegalStateException("the provider was paid " + paid + ", not " + PRICE);
        }
        auditorsView(concent.server().uri(), work, d.rpcUrl());
      }
    }
  }

  /**
   * An auditor who trusts nobody: the cases through Concent's open read API, one case in detail,
   * and its signed evidence bundle checked by {@code golem-concent audit} against the chain.
   */
  private void auditorsView(URI concent, Path work, String rpc) throws Exception {
    out.println();
    out.println("Auditor's view (docs/AUDITORS.md)");
    HttpClient http = HttpClient.newHttpClient();
    JsonNode page = JSON.readTree(get(http, concent, "/api/v1/cases?limit=50"));
    JsonNode first = null;
    for (JsonNode c : page.get("cases")) {
      if (first == null) first = c;
      out.printf(
          "  case %-4s %-18s %-22s subtask %s…  tx %s%n",
          c.get("id").asText(),
          c.get("state").asText(),
          c.get("verdict").asText(),
          c.get("subtaskId").asText().substring(0, 12),
          c.get("settlementTx").isNull() ? "-" : c.get("settlementTx").asText());
    }
    if (first == null) throw new IllegalStateException("Concent's record lists no case");
    JsonNode detail =
        JSON.readTree(get(http, concent, "/api/v1/cases/" + first.get("id").asText()));
    out.printf("  case %s in detail:%n", first.get("id").asText());
    for (JsonNode e : detail.get("entries")) {
      JsonNode m = e.get("message");
      String what;
      if (m != null && !m.isNull()) {
        what = m.path("type").asText() + " from " + m.path("sender").asText();
      } else {
        StringBuilder b = new StringBuilder();
        e.fields()
            .forEachRemaining(f -> {
              if (!f.getKey().equals("kind")
                  && !f.getKey().equals("at")
                  && f.getValue().isValueNode())
                b.append(f.getKey()).append('=').append(f.getValue().asText()).append(' ');
            });
        what = b.length() > 110 ? b.substring(0, 110) + "…" : b.toString().strip();
      }
      out.printf("    %-12s %s%n", e.get("kind").asText(), what);
    }
    Path bundle = work.resolve("case-" + first.get("id").asText() + ".bundle");
    Files.write(bundle, get(http, concent, first.get("bundle").asText()));
    StringWriter audit = new StringWriter();
    ConcentMain main =
        new ConcentMain(Map.of(), new ConcentAssembly(), Clock.systemUTC(), new CountDownLatch(1));
    int exit =
        ConcentMain.commandLine(main, new PrintWriter(audit, true), new PrintWriter(audit, true))
            .execute("audit", bundle.toString(), "--rpc", rpc);
    out.printf("  golem-concent audit %s --rpc %s%n", bundle.getFileName(), rpc);
    for (String line : audit.toString().strip().split("\n")) out.println("    " + line);
    if (exit != 0) throw new IllegalStateException("the audit of the demo's case failed: " + exit);
  }

  private static byte[] get(HttpClient http, URI base, String path) throws Exception {
    HttpResponse<byte[]> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200)
      throw new IllegalStateException(path + ": " + r.statusCode() + " " + new String(r.body()));
    return r.body();
  }

  private static NodeKey key(int devAccount) {
    return NodeKey.of(DevAccounts.account(devAccount).getEcKeyPair());
  }

  private static byte[] frame(MessageCodec codec, Payload p, NodeKey key, Clock clock) {
    return codec.encode(codec.seal(p, key, clock));
  }

  private static TaskToCompute assignment(
      NodeKey requestor, NodeKey provider, NoteSigner notes, Address deposit, long deadline) {
    byte[] subtaskId =
        Keccak.keccak256(("concent-scene-" + deadline).getBytes(StandardCharsets.UTF_8));
    byte[] taskId =
        Keccak.keccak256(("concent-scene-task-" + deadline).getBytes(StandardCharsets.UTF_8));
    WireNote providerNote =
        WireNote.of(
            notes.sign(
                new PromissoryNote(
                    requestor.address(),
                    provider.address(),
                    PRICE,
                    subtaskId,
                    Purpose.SUBTASK_PAYMENT),
                requestor.keyPair()));
    WireNote concentNote =
        WireNote.of(
            notes.sign(
                new PromissoryNote(
                    requestor.address(),
                    deposit,
                    GNT.divide(BigInteger.valueOf(100)),
                    subtaskId,
                    Purpose.VERIFICATION_COST),
                requestor.keyPair()));
    return new TaskToCompute(
        taskId,
        subtaskId,
        requestor.address(),
        provider.address(),
        PRICE,
        deadline,
        new SubtaskDefinition(
            "wasm",
            "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
            "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
            "main",
            List.of(),
            List.of("out/result.txt"),
            new ResourceLimits(1, 128, 60, 1L << 20)),
        providerNote,
        concentNote);
  }

  private static void sleepUntil(Clock clock, long millis) throws InterruptedException {
    long wait = millis - clock.millis();
    if (wait > 0) {
      Thread.sleep(wait);
    }
  }

  private static String gnt(BigInteger wei) {
    return new BigDecimal(wei, 18).stripTrailingZeros().toPlainString();
  }

  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
