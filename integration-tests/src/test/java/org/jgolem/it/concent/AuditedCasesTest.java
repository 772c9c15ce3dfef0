package org.jgolem.it.concent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.jgolem.chain.testing.AnvilDeployment;
import org.jgolem.concent.ConcentFixtures;
import org.jgolem.concent.ConcentFixtures.Subtask;
import org.jgolem.concent.cli.ConcentAssembly;
import org.jgolem.concent.cli.ConcentMain;
import org.jgolem.concent.record.Bundle;
import org.jgolem.concent.record.CanonicalCbor;
import org.jgolem.it.harness.ConcentWorld;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.concent.ForceGetTaskResult;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultFailed;
import org.jgolem.protocol.messages.concent.ForcePayment;
import org.jgolem.protocol.messages.concent.ForcePaymentResponse;
import org.jgolem.protocol.messages.concent.ForceReportComputedTask;
import org.jgolem.protocol.messages.concent.ForceReportComputedTaskResponse;
import org.jgolem.protocol.messages.concent.ForceSubtaskResults;
import org.jgolem.protocol.messages.concent.SettlementMade;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The auditors' story on a real chain: Concent handles a case of each of its four use cases (a
 * report it acknowledges for a silent requestor, a result the provider never uploads, results it
 * accepts for a silent requestor and pays from the deposit, a payment it makes for a requestor that
 * never paid), the settlements are mined; then an auditor who trusts nothing lists the cases
 * through the read API, fetches each case's bundle and runs {@code golem-concent audit} on it as a
 * user would: every bundle is CONSISTENT offline and against the chain ({@code --rpc}). A bundle
 * that Concent itself altered to name a wrong but existing transaction, or one that does not exist,
 * and signed again, still passes offline and is caught on chain, by name.
 */
@Timeout(300)
class AuditedCasesTest {
  static final BigInteger PRICE = ConcentWorld.GNT.multiply(BigInteger.valueOf(3));
  static final Duration WAIT = Duration.ofSeconds(45);

  final HttpClient http = HttpClient.newHttpClient();
  final ObjectMapper json = new ObjectMapper();

  @Test
  void everyCaseOfTheFourUseCasesAuditsConsistentOfflineAndOnChain(@TempDir Path dir)
      throws Exception {
    BigInteger deposit = ConcentWorld.GNT.multiply(BigInteger.valueOf(30));
    try (ConcentWorld world = ConcentWorld.start(dir, deposit)) {
      ConcentWorld.Party provider = world.provider();
      ConcentWorld.Party requestor = world.requestor();
      ConcentFixtures f = world.fixtures();
      long assigned = world.clock().millis();
      long deadline = assigned + Duration.ofMinutes(10).toMillis();
      Subtask reported = f.subtask(0x51, PRICE, assigned, deadline);
      Subtask neverUploaded = f.subtask(0x52, PRICE, assigned, deadline);
      Subtask neverDecided = f.subtask(0x53, PRICE, assigned, deadline);
      BigInteger providerBefore = world.chain().gnt(ConcentFixtures.PROVIDER.address());

      // 1. ForceReportComputedTask before the deadline; the requestor stays silent.
      world.clock().set(deadline - 1000);
      assertThat(
              provider.send(new ForceReportComputedTask(reported.ttcFrame(), reported.rctFrame())))
          .isNull();
      // 2. ForceGetTaskResult; the provider never uploads.
      world.clock().set(deadline + 1000);
      assertThat(
              requestor.send(
                  new ForceGetTaskResult(neverUploaded.ttcFrame(), neverUploaded.rctFrame())))
          .isNull();
      // 3. ForceSubtaskResults inside its window; the requestor never decides.
      long opensAfter =
          deadline + world.windows().svt(assigned, deadline, ConcentFixtures.SIZE).toMillis();
      world.clock().set(opensAfter + 1);
      assertThat(
              provider.send(
                  new ForceSubtaskResults(
                      neverDecided.ttcFrame(),
                      neverDecided.rctFrame(),
                      f.ack(neverDecided, assigned + 120_000))))
          .isNull();
      world.clock().set(opensAfter + world.windows().fat().toMillis() + 1);
      assertThat(
              provider
                  .awaitMessage(
                      MessageType.FORCE_REPORT_COMPUTED_TASK_RESPONSE,
                      ForceReportComputedTaskResponse.class,
                      WAIT)
                  .outcome())
          .isEqualTo(ForceReportComputedTaskResponse.Outcome.CONCENT_ACK);
      requestor.awaitMessage(
          MessageType.FORCE_GET_TASK_RESULT_FAILED, ForceGetTaskResultFailed.class, WAIT);
      SettlementMade accepted =
          provider.awaitMessage(MessageType.SETTLEMENT_MADE, SettlementMade.class, WAIT);

      // 4. ForcePayment for two accepted subtasks the requestor never paid.
      Subtask a = f.subtask(0x61, PRICE, assigned, deadline);
      Subtask b = f.subtask(0x62, PRICE, assigned, deadline);
      long paymentTs = world.clock().millis() / 1000;
      world.clock().set(paymentTs * 1000 + world.windows().pdt().toMillis());
      ForcePaymentResponse committed =
          provider
              .send(
                  new ForcePayment(
                      List.of(a.ttcFrame(), b.ttcFrame()),
                      List.of(
                          f.accepted(a, paymentTs, paymentTs * 1000),
                          f.accepted(b, paymentTs, paymentTs * 1000))))
              .payload(ForcePaymentResponse.class);
      assertThat(committed.reimbursed()).isEqualTo(PRICE.multiply(BigInteger.TWO));
      List<SettlementMade> made =
          provider.awaitMessages(MessageType.SETTLEMENT_MADE, SettlementMade.class, 2, WAIT);
      String paymentTx = made.get(1).transactionHash();
      assertThat(world.chain().gnt(ConcentFixtures.PROVIDER.address()))
          .isEqualTo(providerBefore.add(PRICE.multiply(BigInteger.valueOf(3))));

      // The auditor: every case, a page of two at a time, through the read API.
      List<JsonNode> cases = new ArrayList<>();
      String next = null;
      do {
        JsonNode page =
            get(world, "/api/v1/cases?limit=2" + (next == null ? "" : "&cursor=" + next));
        page.get("cases").forEach(cases::add);
        next = page.get("next").isNull() ? null : page.get("next").asText();
      } while (next != null);
      Map<String, JsonNode> byVerdict = new LinkedHashMap<>();
      cases.forEach(c -> byVerdict.put(c.get("verdict").asText(), c));
      assertThat(byVerdict.keySet())
          .containsExactlyInAnyOrder(
              "CONCENT_ACK", "UPLOAD_FAILED", "ACCEPTED_BY_CONCENT", "PAYMENT_COMMITTED");
      assertThat(byVerdict.get("ACCEPTED_BY_CONCENT").get("settlementTx").asText())
          .isEqualTo(accepted.transactionHash());
      assertThat(byVerdict.get("PAYMENT_COMMITTED").get("settlementTx").asText())
          .isEqualTo(paymentTx);

      String rpc = world.chain().deployment().rpcUrl();
      Map<String, Path> bundles = new LinkedHashMap<>();
      for (JsonNode c : cases) {
        Path file = dir.resolve("case-" + c.get("id").asText() + ".cbor");
        Files.write(file, bytes(world, c.get("bundle").asText()));
        bundles.put(c.get("verdict").asText(), file);
        Audit offline = audit(file);
        assertThat(offline.exit).as(offline.out).isZero();
        assertThat(offline.last()).isEqualTo("CONSISTENT");
        Audit onChain = audit(file, "--rpc", rpc);
        assertThat(onChain.exit).as(onChain.out).isZero();
        assertThat(onChain.last()).isEqualTo("CONSISTENT");
      }
      Audit paid = audit(bundles.get("ACCEPTED_BY_CONCENT"), "--rpc", rpc);
      assertThat(paid.out)
          .contains("ok  settlement-tx")
          .contains("ok  settlement-payment ReimburseForSubtask pays exactly " + PRICE)
          .contains("ok  settled-once");
      assertThat(audit(bundles.get("PAYMENT_COMMITTED"), "--rpc", rpc).out)
          .contains("ReimburseForNoPayment pays exactly " + PRICE.multiply(BigInteger.TWO));

      // A lying Concent: the settled case names a wrong transaction, its bundle signed again.
      byte[] real = Files.readAllBytes(bundles.get("ACCEPTED_BY_CONCENT"));
      MessageCodec codec = new MessageCodec(world.chain().deployment().chainId(), 1 << 20);
      NodeKey concent = NodeKey.of(AnvilDeployment.CONCENT.getEcKeyPair());
      Path wrong =
          Files.write(dir.resolve("wrong-tx.cbor"), naming(real, paymentTx, codec, concent));
      assertThat(audit(wrong).last()).as("offline it holds together").isEqualTo("CONSISTENT");
      Audit caught = audit(wrong, "--rpc", rpc);
      assertThat(caught.exit).isEqualTo(1);
      assertThat(caught.last()).startsWith("INCONSISTENT settlement-payment: ");
      String none = "0x" + "5a".repeat(32);
      Path missing = Files.write(dir.resolve("no-tx.cbor"), naming(real, none, codec, concent));
      assertThat(audit(missing).last()).isEqualTo("CONSISTENT");
      Audit notThere = audit(missing, "--rpc", rpc);
      assertThat(notThere.exit).isEqualTo(1);
      assertThat(notThere.last()).startsWith("INCONSISTENT settlement-tx: no transaction " + none);
    }
  }

  // ------------------------------------------------------------------ the auditor's tools

  private JsonNode get(ConcentWorld world, String path) throws Exception {
    return json.readTree(bytes(world, path));
  }

  /** A GET without any credential: the read API is open to anyone. */
  private byte[] bytes(ConcentWorld world, String path) throws Exception {
    HttpResponse<byte[]> r =
        http.send(
            HttpRequest.newBuilder(URI.create(world.uri() + path)).GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).as(path + ": " + new String(r.body())).isEqualTo(200);
    return r.body();
  }

  record Audit(int exit, String out) {
    String last() {
      String[] lines = out.strip().split("\n");
      return lines[lines.length - 1];
    }
  }

  /** {@code golem-concent audit ARGS} through ConcentMain's command line, as a user runs it. */
  private static Audit audit(Path bundle, String... more) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> args = new ArrayList<>(List.of("audit", bundle.toString()));
    args.addAll(List.of(more));
    ConcentMain main =
        new ConcentMain(Map.of(), new ConcentAssembly(), Clock.systemUTC(), new CountDownLatch(1));
    int exit =
        ConcentMain.commandLine(main, new PrintWriter(out, true), new PrintWriter(err, true))
            .execute(args.toArray(String[]::new));
    return new Audit(exit, out + err.toString());
  }

  /**
   * The bundle as a lying Concent would make it: its settlement names transaction {@code hash}
   * everywhere (the record, the case, a SettlementMade signed anew), and Concent signs it again.
   */
  @SuppressWarnings("unchecked")
  private static byte[] naming(byte[] bundle, String hash, MessageCodec codec, NodeKey concent) {
    Map<String, Object> body =
        (Map<String, Object>) mutable(CanonicalCbor.decode(Bundle.read(bundle).body()));
    ((Map<String, Object>) body.get("case")).put("settlementTx", hash);
    for (Map<String, Object> e : (List<Map<String, Object>>) body.get("entries")) {
      if (e.get("kind").equals("settled")) {
        e.put("transactionHash", hash);
      }
      if (e.get("frame") instanceof byte[] frame && e.get("kind").equals("sent")) {
        Envelope env = codec.decode(frame);
        if (env.payload() instanceof SettlementMade m) {
          SettlementMade lie =
              new SettlementMade(
                  m.useCase(), m.payer(), m.payee(), m.subtaskIds(), m.amount(), hash);
          e.put("frame", codec.encode(codec.seal(lie, concent, env.timestamp(), env.messageId())));
        }
      }
    }
    byte[] b = CanonicalCbor.encode(body);
    return Bundle.file(b, concent.sign(Bundle.digest(b)).toBytes());
  }

  private static Object mutable(Object v) {
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put((String) k, mutable(x)));
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(x -> out.add(mutable(x)));
      return out;
    }
    return v;
  }
}
