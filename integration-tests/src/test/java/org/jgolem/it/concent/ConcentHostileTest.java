package org.jgolem.it.concent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.jgolem.concent.ConcentFixtures;
import org.jgolem.concent.ConcentFixtures.Subtask;
import org.jgolem.concent.client.ConcentClient;
import org.jgolem.concent.client.ConcentClientException;
import org.jgolem.concent.time.CaseWindows;
import org.jgolem.it.harness.ConcentWorld;
import org.jgolem.protocol.hashing.Keccak;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.concent.ForcePayment;
import org.jgolem.protocol.messages.concent.ForceReportComputedTask;
import org.jgolem.protocol.messages.concent.ForceReportComputedTaskResponse;
import org.jgolem.protocol.messages.concent.ForceSubtaskResults;
import org.jgolem.protocol.messages.concent.ForceSubtaskResultsResponse;
import org.jgolem.protocol.messages.concent.ServiceRefused;
import org.jgolem.protocol.messages.concent.ServiceRefused.Reason;
import org.jgolem.protocol.messages.concent.SettlementMade;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.messages.market.WireNote;
import org.jgolem.protocol.notes.NoteSigner;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.Purpose;
import org.jgolem.testkit.Postgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile story: a running Concent (real HTTP, its real store on a SQLite file or on a real
 * PostgreSQL server, anvil) is attacked with forged, replayed, out-of-window, cross-chain and
 * malformed requests. Each is refused with its own reason (the HTTP status and {@code code} when
 * the transport refuses it, the signed ServiceRefused reason when the service does), and after each
 * one a legitimate, authenticated request is still served, no relayed message reaches the
 * requestor, and nothing moves on chain: the provider's balance and the requestor's deposit stay
 * exactly as they were. The windows are probed at their exact edges on the FakeClock. At the end
 * two legitimate forced acceptances (one opened just inside each edge of the window) are still
 * settled, exactly, on chain.
 */
@Timeout(240)
class ConcentHostileTest {
  static final BigInteger PRICE = ConcentWorld.GNT.multiply(BigInteger.valueOf(3));
  static final BigInteger DEPOSIT = ConcentWorld.GNT.multiply(BigInteger.valueOf(20));
  static final NodeKey STRANGER = ConcentFixtures.STRANGER;
  static final long OTHER_CHAIN = 4242;
  static final ObjectMapper JSON = new ObjectMapper();

  private ConcentWorld world;
  private BigInteger providerBefore;
  private HttpClient http;

  @Test
  void everyHostileRequestIsRefusedAndConcentKeepsServingAndSettlingExactly(@TempDir Path dir)
      throws Exception {
    story(dir, "jdbc:sqlite:" + dir.resolve("concent.db"));
  }

  /** The same story with Concent's store on a real PostgreSQL server (a fresh database). */
  @Test
  void theSameStoryOnPostgresql(@TempDir Path dir) throws Exception {
    story(dir, Postgres.shared().createDatabase("concent_hostile"));
  }

  private void story(Path dir, String db) throws Exception {
    try (ConcentWorld w = ConcentWorld.start(dir, DEPOSIT, db);
        HttpClient h = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      this.world = w;
      this.http = h;
      ConcentWorld.Party provider = world.provider();
      ConcentWorld.Party requestor = world.requestor();
      ConcentFixtures f = world.fixtures();
      providerBefore = world.chain().gnt(ConcentFixtures.PROVIDER.address());

      forcePaymentOneMillisecondBeforePdt(provider, f);

      long assigned = world.clock().millis();
      long deadline = assigned + Duration.ofMinutes(10).toMillis();
      CaseWindows windows = new CaseWindows(world.windows());
      long opensAfter = windows.forceAcceptanceOpensAfter(assigned, deadline, ConcentFixtures.SIZE);
      long closes = windows.forceAcceptanceClosesAt(assigned, deadline, ConcentFixtures.SIZE);
      Subtask a = f.subtask(0x21, PRICE, assigned, deadline);
      Subtask b = f.subtask(0x22, PRICE, assigned, deadline);

      transportRefusals(provider, a, assigned);
      forceReportAtTheDeadlineEdge(provider, requestor, f, assigned, deadline);

      // ForceSubtaskResults at deadline + SVT: too early, by one millisecond.
      world.clock().set(opensAfter);
      assertRefused(provider.send(force(f, a, assigned)), Reason.TOO_EARLY);
      assertStillServingAndUntouched(provider, requestor);

      world.clock().set(opensAfter + 1);
      forgedAndCrossChainEvidence(provider, requestor, f, assigned, deadline);

      // The legitimate request opens its case; the same request again is a duplicate.
      ForceSubtaskResults forceA = force(f, a, assigned);
      byte[] frameA =
          provider
              .client()
              .codec()
              .encode(provider.client().codec().seal(forceA, provider.key(), world.clock()));
      assertThat(provider.sendFrame(frameA)).as("A queued").isNull();
      assertThat(requestor.receive())
          .extracting(Envelope::type)
          .containsExactly(MessageType.FORCE_SUBTASK_RESULTS);
      Envelope replayedFrame = provider.sendFrame(frameA);
      assertThat(replayedFrame.payload(ServiceRefused.class).reason())
          .as("the exact same signed Force frame again")
          .isEqualTo(Reason.DUPLICATE_REQUEST);
      assertRefused(provider.send(forceA), Reason.DUPLICATE_REQUEST);
      assertStillServingAndUntouched(provider, requestor);

      // deadline + SVT + FAT exactly: still in time; one millisecond later: too late.
      world.clock().set(closes);
      assertThat(provider.send(force(f, b, assigned))).as("B queued at the last instant").isNull();
      assertThat(requestor.receive())
          .extracting(Envelope::type)
          .containsExactly(MessageType.FORCE_SUBTASK_RESULTS);
      world.clock().set(closes + 1);
      Subtask late = f.subtask(0x23, PRICE, assigned, deadline);
      assertRefused(provider.send(force(f, late, assigned)), Reason.TOO_LATE);

      // The silent requestor loses both open cases: each is paid exactly once.
      List<SettlementMade> settled =
          provider.awaitMessages(
              MessageType.SETTLEMENT_MADE, SettlementMade.class, 2, Duration.ofSeconds(60));
      assertThat(settled)
          .flatExtracting(m -> m.subtaskIds().stream().map(HexFormat.of()::formatHex).toList())
          .containsExactlyInAnyOrder(
              HexFormat.of().formatHex(a.subtaskId()), HexFormat.of().formatHex(b.subtaskId()));
      for (SettlementMade m : settled) {
        assertThat(world.chain().chain().receipt(m.transactionHash()))
            .hasValueSatisfying(r -> assertThat(r.success()).isTrue());
      }
      assertThat(
              provider.inbox().stream()
                  .filter(e -> e.type() == MessageType.FORCE_SUBTASK_RESULTS_RESPONSE)
                  .map(e -> e.payload(ForceSubtaskResultsResponse.class).outcome())
                  .toList())
          .containsOnly(ForceSubtaskResultsResponse.Outcome.ACCEPTED_BY_CONCENT)
          .hasSize(2);
      BigInteger paid = PRICE.multiply(BigInteger.TWO);
      assertThat(world.chain().gnt(ConcentFixtures.PROVIDER.address()))
          .isEqualTo(providerBefore.add(paid));
      assertThat(world.depositOf(ConcentFixtures.REQUESTOR)).isEqualTo(DEPOSIT.subtract(paid));
    }
  }

  // ------------------------------------------------------------------ the attacks

  /** ForcePayment one millisecond before payment time + PDT: TOO_EARLY, nothing paid. */
  private void forcePaymentOneMillisecondBeforePdt(ConcentWorld.Party provider, ConcentFixtures f)
      throws Exception {
    long now = world.clock().millis();
    long pdt = world.windows().pdt().toMillis();
    long paymentTs = (now - pdt) / 1000 + 1;
    long due = paymentTs * 1000 + pdt;
    long assigned = now - Duration.ofMinutes(30).toMillis();
    Subtask p = f.subtask(0x31, PRICE, assigned, assigned + 600_000);
    world.clock().set(due - 1);
    Envelope r =
        provider.send(
            new ForcePayment(
                List.of(p.ttcFrame()), List.of(f.accepted(p, paymentTs, paymentTs * 1000))));
    assertRefused(r, Reason.TOO_EARLY);
    assertStillServingAndUntouched(provider, world.requestor());
  }

  /** Refusals by the HTTP layer: forged, replayed, redirected, cross-chain and malformed. */
  private void transportRefusals(ConcentWorld.Party provider, Subtask a, long assigned)
      throws Exception {
    ConcentWorld.Party requestor = world.requestor();
    ConcentClient stranger = world.party(STRANGER).client();
    byte[] empty = new byte[0];

    // A Concent-Auth signed by a stranger but claiming to be the provider's.
    byte[] auth =
        HexFormat.of()
            .parseHex(stranger.authorization("POST", "/api/v1/receive", Keccak.keccak256(empty)));
    System.arraycopy(ConcentFixtures.PROVIDER.address().toBytes(), 0, auth, 3, 20);
    assertHttp(
        post("/api/v1/receive", empty, HexFormat.of().formatHex(auth), null),
        401,
        "auth.bad_signature");
    assertStillServingAndUntouched(provider, requestor);

    // A message signed by a stranger, sent under the provider's own authorization.
    byte[] strangers =
        world.fixtures().frame(force(world.fixtures(), a, assigned), STRANGER, now());
    assertHttp(sendRaw(provider.client(), strangers), 403, "send.sender_mismatch");
    assertStillServingAndUntouched(provider, requestor);

    // The exact same request bytes and Concent-Auth, twice: served once, then a replay.
    String once =
        provider.client().authorization("POST", "/api/v1/receive", Keccak.keccak256(empty));
    HttpResponse<byte[]> first = post("/api/v1/receive", empty, once, null);
    assertThat(first.statusCode()).as("the captured request, first time").isIn(200, 204);
    assertHttp(post("/api/v1/receive", empty, once, null), 401, "auth.replayed");
    assertStillServingAndUntouched(provider, requestor);

    // Signed for another chain id: the signature does not recover in this chain's domain.
    try (ConcentClient otherChain =
        new ConcentClient(
            ConcentClient.Config.of(world.uri(), world.concentAddress(), OTHER_CHAIN),
            ConcentFixtures.PROVIDER,
            world.clock())) {
      assertClientRefused(() -> otherChain.receive(List.of()), 401, "auth.bad_signature");
    }
    assertStillServingAndUntouched(provider, requestor);

    // Bound to another Concent's address: redirected requests are refused.
    try (ConcentClient otherConcent =
        new ConcentClient(
            ConcentClient.Config.of(
                world.uri(), STRANGER.address(), world.chain().deployment().chainId()),
            ConcentFixtures.PROVIDER,
            world.clock())) {
      assertClientRefused(() -> otherConcent.receive(List.of()), 421, "auth.other_concent");
    }
    assertStillServingAndUntouched(provider, requestor);

    // Malformed bytes: shorter than a header, garbage with the right sender, truncated, too big.
    assertHttp(sendRaw(provider.client(), new byte[] {1, 2, 3}), 400, "send.malformed");
    byte[] valid =
        provider
            .client()
            .codec()
            .encode(
                provider
                    .client()
                    .codec()
                    .seal(force(world.fixtures(), a, assigned), provider.key(), world.clock()));
    byte[] garbage = new byte[valid.length];
    Arrays.fill(garbage, (byte) 0x5a);
    System.arraycopy(valid, 0, garbage, 0, 23);
    assertRefused(
        decodeReply(provider, sendRaw(provider.client(), garbage)), Reason.INVALID_REQUEST);
    assertStillServingAndUntouched(provider, requestor);
    byte[] truncated = Arrays.copyOf(valid, valid.length / 2);
    assertRefused(
        decodeReply(provider, sendRaw(provider.client(), truncated)), Reason.INVALID_REQUEST);
    assertStillServingAndUntouched(provider, requestor);
    byte[] oversized = Arrays.copyOf(valid, 2 * 1024 * 1024 + 1);
    assertHttp(sendRaw(provider.client(), oversized), 413, "request.too_large");
    assertStillServingAndUntouched(provider, requestor);
  }

  /** ForceReportComputedTask at the deadline is taken; one millisecond later it is too late. */
  private void forceReportAtTheDeadlineEdge(
      ConcentWorld.Party provider,
      ConcentWorld.Party requestor,
      ConcentFixtures f,
      long assigned,
      long deadline)
      throws Exception {
    Subtask inTime = f.subtask(0x41, PRICE, assigned, deadline);
    Subtask late = f.subtask(0x42, PRICE, assigned, deadline);
    world.clock().set(deadline);
    assertThat(provider.send(new ForceReportComputedTask(inTime.ttcFrame(), inTime.rctFrame())))
        .as("queued at the deadline")
        .isNull();
    assertThat(requestor.receive())
        .extracting(Envelope::type)
        .containsExactly(MessageType.FORCE_REPORT_COMPUTED_TASK);
    world.clock().set(deadline + 1);
    ForceReportComputedTaskResponse r =
        provider
            .send(new ForceReportComputedTask(late.ttcFrame(), late.rctFrame()))
            .payload(ForceReportComputedTaskResponse.class);
    assertThat(r.outcome()).isEqualTo(ForceReportComputedTaskResponse.Outcome.SUBTASK_TIMEOUT);
    // The requestor answers the case in time (so Concent has nothing more for it).
    requestor.sendFrame(f.ack(inTime, world.clock().millis()));
    assertThat(
            provider
                .awaitMessage(
                    MessageType.FORCE_REPORT_COMPUTED_TASK_RESPONSE,
                    ForceReportComputedTaskResponse.class,
                    Duration.ofSeconds(30))
                .outcome())
        .isEqualTo(ForceReportComputedTaskResponse.Outcome.ACK_FROM_REQUESTOR);
    assertStillServingAndUntouched(provider, requestor);
  }

  /** Evidence that is forged, mismatched or bound to another chain or contract. */
  private void forgedAndCrossChainEvidence(
      ConcentWorld.Party provider,
      ConcentWorld.Party requestor,
      ConcentFixtures f,
      long assigned,
      long deadline)
      throws Exception {
    // A TaskToCompute signed by a stranger in the requestor's name.
    Subtask s1 = f.subtask(0x51, PRICE, assigned, deadline);
    byte[] strangersTtc = f.frame(s1.ttc(), STRANGER, assigned);
    assertRefused(
        provider.send(
            new ForceSubtaskResults(strangersTtc, s1.rctFrame(), f.ack(s1, assigned + 120_000))),
        Reason.INVALID_EVIDENCE);
    assertStillServingAndUntouched(provider, requestor);

    // A report that answers another TaskToCompute.
    Subtask s2 = f.subtask(0x52, PRICE, assigned, deadline);
    Subtask other = f.subtask(0x53, PRICE, assigned, deadline);
    assertRefused(
        provider.send(
            new ForceSubtaskResults(
                s2.ttcFrame(), other.rctFrame(), f.ack(other, assigned + 120_000))),
        Reason.INVALID_EVIDENCE);
    assertStillServingAndUntouched(provider, requestor);

    // The notes signed by a stranger, not by the requestor whose deposit they draw on.
    Subtask s3 = withNotes(f, 0x54, assigned, deadline, STRANGER, f.notes(), f.notes());
    assertRefused(provider.send(force(f, s3, assigned)), Reason.INVALID_EVIDENCE);
    assertStillServingAndUntouched(provider, requestor);

    // The whole evidence signed for another chain id.
    ConcentFixtures otherChain =
        new ConcentFixtures(OTHER_CHAIN, world.chain().deployment().deposit());
    Subtask s4 = otherChain.subtask(0x55, PRICE, assigned, deadline);
    assertRefused(
        provider.send(
            new ForceSubtaskResults(
                s4.ttcFrame(), s4.rctFrame(), otherChain.ack(s4, assigned + 120_000))),
        Reason.INVALID_EVIDENCE);
    assertStillServingAndUntouched(provider, requestor);

    // Notes bound to another deposit contract, and to another chain, in frames of this chain.
    ConcentFixtures otherContract =
        new ConcentFixtures(world.chain().deployment().chainId(), STRANGER.address());
    Subtask s5 = otherContract.subtask(0x56, PRICE, assigned, deadline);
    assertRefused(
        provider.send(
            new ForceSubtaskResults(
                s5.ttcFrame(), s5.rctFrame(), otherContract.ack(s5, assigned + 120_000))),
        Reason.INVALID_EVIDENCE);
    assertStillServingAndUntouched(provider, requestor);
    NoteSigner otherChainNotes = new NoteSigner(OTHER_CHAIN, world.chain().deployment().deposit());
    Subtask s6 =
        withNotes(
            f, 0x57, assigned, deadline, ConcentFixtures.REQUESTOR, otherChainNotes, f.notes());
    assertRefused(provider.send(force(f, s6, assigned)), Reason.INVALID_EVIDENCE);
    assertStillServingAndUntouched(provider, requestor);
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Subtask {@code n} whose provider note is signed by {@code noteKey} with {@code providerNotes}
   * (and its Concent note with {@code concentNotes}); the frames are the real parties'.
   */
  private static Subtask withNotes(
      ConcentFixtures f,
      int n,
      long assigned,
      long deadline,
      NodeKey noteKey,
      NoteSigner providerNotes,
      NoteSigner concentNotes) {
    TaskToCompute honest =
        ConcentFixtures.taskToCompute(
            n, PRICE, deadline, ConcentFixtures.REQUESTOR, ConcentFixtures.PROVIDER, concentNotes);
    WireNote signed =
        WireNote.of(
            providerNotes.sign(
                new PromissoryNote(
                    noteKey.address(),
                    ConcentFixtures.PROVIDER.address(),
                    PRICE,
                    honest.subtaskId(),
                    Purpose.SUBTASK_PAYMENT),
                noteKey.keyPair()));
    // Presented as the requestor's note, whoever signed it.
    WireNote forged =
        new WireNote(
            ConcentFixtures.REQUESTOR.address(),
            signed.payee(),
            signed.amount(),
            signed.subtaskId(),
            signed.purpose(),
            signed.v(),
            signed.r(),
            signed.s());
    TaskToCompute ttc =
        new TaskToCompute(
            honest.taskId(),
            honest.subtaskId(),
            honest.requestor(),
            honest.provider(),
            honest.price(),
            honest.deadline(),
            honest.definition(),
            forged,
            honest.concentNote());
    ReportComputedTask rct = ConcentFixtures.report(ttc);
    return new Subtask(
        ttc,
        f.frame(ttc, ConcentFixtures.REQUESTOR, assigned),
        assigned,
        rct,
        f.frame(rct, ConcentFixtures.PROVIDER, assigned + 60_000));
  }

  private static ForceSubtaskResults force(ConcentFixtures f, Subtask s, long assigned) {
    return new ForceSubtaskResults(s.ttcFrame(), s.rctFrame(), f.ack(s, assigned + 120_000));
  }

  private long now() {
    return world.clock().millis();
  }

  private static void assertRefused(Envelope reply, Reason reason) {
    assertThat(reply).as("a signed reply").isNotNull();
    assertThat(reply.type()).isEqualTo(MessageType.SERVICE_REFUSED);
    ServiceRefused r = reply.payload(ServiceRefused.class);
    assertThat(r.reason()).as("refused: %s", r).isEqualTo(reason);
  }

  private static void assertHttp(HttpResponse<byte[]> r, int status, String code) throws Exception {
    assertThat(r.statusCode()).as("status; body %s", new String(r.body())).isEqualTo(status);
    assertThat(JSON.readTree(r.body()).get("code").asText()).isEqualTo(code);
  }

  private interface Call {
    void run() throws Exception;
  }

  private static void assertClientRefused(Call call, int status, String code) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            ConcentClientException.class,
            e -> {
              assertThat(e.status()).isEqualTo(status);
              assertThat(e.code()).isEqualTo(code);
            });
  }

  /**
   * Concent still serves an authenticated request (the deposit report: its balance is the whole
   * deposit, as the contract's), the requestor got nothing relayed, and nothing moved on chain.
   */
  private void assertStillServingAndUntouched(
      ConcentWorld.Party provider, ConcentWorld.Party requestor) throws Exception {
    assertThat(provider.client().deposit(ConcentFixtures.REQUESTOR.address()).balance())
        .as("Concent serves and reports the untouched deposit")
        .isEqualTo(DEPOSIT);
    assertThat(requestor.receive()).as("nothing relayed to the requestor").isEmpty();
    assertThat(world.depositOf(ConcentFixtures.REQUESTOR)).isEqualTo(DEPOSIT);
    assertThat(world.chain().gnt(ConcentFixtures.PROVIDER.address())).isEqualTo(providerBefore);
  }

  private Envelope decodeReply(ConcentWorld.Party p, HttpResponse<byte[]> r) {
    assertThat(r.statusCode()).as("a signed reply, body %s", new String(r.body())).isEqualTo(200);
    Envelope e = p.client().codec().decode(r.body());
    assertThat(e.sender()).isEqualTo(world.concentAddress());
    return e;
  }

  /** POSTs {@code body} to /api/v1/send with {@code client}'s fresh, correct authorization. */
  private HttpResponse<byte[]> sendRaw(ConcentClient client, byte[] body) throws Exception {
    return post(
        "/api/v1/send",
        body,
        client.authorization("POST", "/api/v1/send", Keccak.keccak256(body)),
        "application/octet-stream");
  }

  private HttpResponse<byte[]> post(String path, byte[] body, String auth, String contentType)
      throws Exception {
    String base = world.uri().toString().replaceAll("/$", "");
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(30))
            .header("Concent-Protocol-Version", "1")
            .header("Concent-Auth", auth)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }
}
