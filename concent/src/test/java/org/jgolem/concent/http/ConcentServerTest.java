package org.jgolem.concent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jgolem.concent.api.ConcentApi;
import org.jgolem.concent.client.ConcentClient;
import org.jgolem.concent.client.ConcentClientException;
import org.jgolem.concent.client.Received;
import org.jgolem.eth.Address;
import org.jgolem.protocol.hashing.Keccak;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.FreshnessGuard;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.concent.ConcentAuth;
import org.jgolem.protocol.messages.concent.ServiceRefused;
import org.jgolem.protocol.messages.p2p.Ping;
import org.jgolem.testkit.FakeClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP transport over real sockets: authentication, send, receive, the JSON routes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConcentServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path dir;
  TestConcent concent;
  final NodeKey node = NodeKey.generate();
  ConcentClient client;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    concent = new TestConcent(dir);
    client = concent.client(node);
  }

  @AfterEach
  void stop() {
    client.close();
    concent.close();
  }

  private Envelope ping(NodeKey key) {
    return concent.codec.seal(new Ping(RANDOM.nextLong()), key, concent.clock);
  }

  /** A Concent-Auth header built by hand, each part chosen by the test. */
  private String auth(
      MessageCodec codec,
      NodeKey key,
      Address to,
      String method,
      String path,
      byte[] body,
      long timestamp,
      byte[] nonce) {
    ConcentAuth a = new ConcentAuth(to, method, path, Keccak.keccak256(body));
    return HexFormat.of().formatHex(codec.encode(codec.seal(a, key, timestamp, nonce)));
  }

  private String auth(String method, String path, byte[] body) {
    return auth(
        concent.codec,
        node,
        concent.address(),
        method,
        path,
        body,
        concent.clock.millis(),
        nonce());
  }

  private static byte[] nonce() {
    byte[] n = new byte[16];
    RANDOM.nextBytes(n);
    return n;
  }

  private HttpResponse<byte[]> raw(
      String method, String path, byte[] body, String contentType, String authHeader)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(concent.uri() + path))
            .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    if (authHeader != null) {
      b.header("Concent-Auth", authHeader);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** A send of {@code body} whose auth is dated {@code timestamp}. */
  private HttpResponse<byte[]> sendAt(byte[] body, long timestamp) throws Exception {
    String path = "/api/v1/send";
    return raw(
        "POST",
        path,
        body,
        "application/octet-stream",
        auth(concent.codec, node, concent.address(), "POST", path, body, timestamp, nonce()));
  }

  private static JsonNode json(HttpResponse<byte[]> r) throws Exception {
    return JSON.readTree(r.body());
  }

  private void assertRefused(HttpResponse<byte[]> r, int status, String code, String... words)
      throws Exception {
    assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(status);
    JsonNode j = json(r);
    assertThat(j.get("code").asText()).isEqualTo(code);
    for (String w : words) {
      assertThat(j.get("error").asText()).contains(w);
    }
    assertThat(r.headers().firstValue("Concent-Protocol-Version")).contains("1");
  }

  /** After a refusal, the server still serves an authorized request. */
  private void stillServing() throws Exception {
    concent.api.onSend = (c, f) -> ConcentApi.SendResult.queued();
    assertThat(client.send(ping(node))).isEmpty();
  }

  @Test
  void anAuthorizedSendGetsConcentsReply() throws Exception {
    Envelope message = ping(node);
    Optional<Envelope> reply = client.send(message);
    assertThat(reply).isPresent();
    assertThat(reply.get().sender()).isEqualTo(concent.address());
    assertThat(reply.get().type()).isEqualTo(MessageType.SERVICE_REFUSED);
    assertThat(reply.get().payload(ServiceRefused.class).detail())
        .isEqualTo("the fake refuses everything");
    assertThat(concent.api.sent).hasSize(1);
    assertThat(concent.api.sent.get(0).client()).isEqualTo(node.address());
    assertThat(concent.api.sent.get(0).frame()).isEqualTo(concent.codec.encode(message));
  }

  @Test
  void aQueuedSendIs202AndTheClientSeesNoReply() throws Exception {
    concent.api.onSend = (c, f) -> ConcentApi.SendResult.queued();
    byte[] body = concent.codec.encode(ping(node));
    HttpResponse<byte[]> r =
        raw(
            "POST",
            "/api/v1/send",
            body,
            "application/octet-stream",
            auth("POST", "/api/v1/send", body));
    assertThat(r.statusCode()).isEqualTo(202);
    assertThat(r.body()).isEmpty();
    assertThat(client.send(ping(node))).isEmpty();
  }

  @Test
  void sendRefusesAnotherContentTypeAMissingOneAndATooLargeBody() throws Exception {
    byte[] body = concent.codec.encode(ping(node));
    assertRefused(
        raw("POST", "/api/v1/send", body, "application/json", auth("POST", "/api/v1/send", body)),
        415,
        "request.unsupported_media_type",
        "application/octet-stream");
    assertRefused(
        raw("POST", "/api/v1/send", body, null, auth("POST", "/api/v1/send", body)),
        400,
        "request.missing_content_type");
    byte[] huge = new byte[ServerConfig.DEFAULT_MAX_SEND_BYTES + 1];
    assertRefused(
        raw(
            "POST",
            "/api/v1/send",
            huge,
            "application/octet-stream",
            auth("POST", "/api/v1/send", huge)),
        413,
        "request.too_large");
    assertThat(concent.api.sent).isEmpty();
    stillServing();
  }

  @Test
  void aMessageFromAnotherSenderThanTheAuthIsRefused() throws Exception {
    byte[] body = concent.codec.encode(ping(NodeKey.generate()));
    assertRefused(
        raw(
            "POST",
            "/api/v1/send",
            body,
            "application/octet-stream",
            auth("POST", "/api/v1/send", body)),
        403,
        "send.sender_mismatch",
        node.address().toString());
    assertThat(concent.api.sent).isEmpty();
  }

  @Test
  void eachAuthFailureIsRefusedWithItsReasonAndTheServerKeepsServing() throws Exception {
    byte[] body = concent.codec.encode(ping(node));
    String path = "/api/v1/send";
    String type = "application/octet-stream";
    long now = concent.clock.millis();

    assertRefused(raw("POST", path, body, type, null), 401, "auth.missing", "Concent-Auth");
    assertRefused(raw("POST", path, body, type, "zz"), 401, "auth.malformed", "not hex");

    // bad signature: one byte of r flipped
    byte[] good = HexFormat.of().parseHex(auth("POST", path, body));
    good[good.length - 60] ^= 0x01;
    assertRefused(
        raw("POST", path, body, type, HexFormat.of().formatHex(good)), 401, "auth.bad_signature");

    // signed for another chain: the domain differs, so the signature does not verify here
    MessageCodec otherChain = new MessageCodec(1, 1 << 20);
    assertRefused(
        raw(
            "POST",
            path,
            body,
            type,
            auth(otherChain, node, concent.address(), "POST", path, body, now, nonce())),
        401,
        "auth.bad_signature",
        "another chain");

    // addressed to another Concent
    Address other = NodeKey.generate().address();
    assertRefused(
        raw(
            "POST",
            path,
            body,
            type,
            auth(concent.codec, node, other, "POST", path, body, now, nonce())),
        421,
        "auth.other_concent",
        other.toString(),
        concent.address().toString());

    // another route or method
    assertRefused(
        raw(
            "POST",
            path,
            body,
            type,
            auth(
                concent.codec,
                node,
                concent.address(),
                "POST",
                "/api/v1/receive",
                body,
                now,
                nonce())),
        401,
        "auth.path_mismatch",
        "/api/v1/receive");
    assertRefused(
        raw(
            "POST",
            path,
            body,
            type,
            auth(concent.codec, node, concent.address(), "PUT", path, body, now, nonce())),
        401,
        "auth.method_mismatch",
        "PUT");

    // the body tampered with
    byte[] tampered = concent.codec.encode(ping(node));
    assertRefused(
        raw("POST", path, tampered, type, auth("POST", path, body)),
        401,
        "auth.body_mismatch",
        "keccak256");

    // stale, and from the future (just past each edge of the window)
    long maxAge = FreshnessGuard.MAX_AGE.toMillis();
    long maxSkew = FreshnessGuard.MAX_SKEW.toMillis();
    assertRefused(sendAt(body, now - maxAge - 1), 401, "auth.expired", "too old");
    assertRefused(sendAt(body, now + maxSkew + 1), 401, "auth.from_the_future", "future");
    // ... while at the edges themselves it is accepted
    concent.api.onSend = (c, f) -> ConcentApi.SendResult.queued();
    assertThat(sendAt(body, now - maxAge).statusCode()).isEqualTo(202);
    assertThat(sendAt(body, now + maxSkew).statusCode()).isEqualTo(202);

    // replayed: the same header twice
    String once = auth("POST", path, body);
    assertThat(raw("POST", path, body, type, once).statusCode()).isEqualTo(202);
    assertRefused(raw("POST", path, body, type, once), 401, "auth.replayed", "used already");

    assertThat(concent.api.sent).hasSize(3); // the two edges and the first of the replayed pair
    stillServing();
  }

  @Test
  void aNonceIsRefusedAfterARestartThroughTheLedger() throws Exception {
    byte[] body = concent.codec.encode(ping(node));
    String header = auth("POST", "/api/v1/send", body);
    concent.api.onSend = (c, f) -> ConcentApi.SendResult.queued();
    assertThat(raw("POST", "/api/v1/send", body, "application/octet-stream", header).statusCode())
        .isEqualTo(202);
    NonceLedger ledger = concent.ledger;
    concent.close();
    concent = new TestConcent(dir.resolve("again"), ledger, 1 << 20); // a fresh FreshnessGuard
    concent.api.onSend = (c, f) -> ConcentApi.SendResult.queued();
    // the same Concent key, so the header is addressed to it; only the ledger remembers
    assertRefused(
        raw("POST", "/api/v1/send", body, "application/octet-stream", header),
        401,
        "auth.replayed");
    assertThat(concent.api.sent).isEmpty();
  }

  @Test
  void receiveDeliversUntilAcknowledged() throws Exception {
    byte[] first = concent.api.refusal("first");
    byte[] second = concent.api.refusal("second");
    byte[] id1 = concent.api.queue(node.address(), first);
    byte[] id2 = concent.api.queue(node.address(), second);

    Received r = client.receive(List.of());
    assertThat(r.messages()).hasSize(2);
    assertThat(r.messages().get(0).deliveryId()).isEqualTo(id1);
    assertThat(r.messages().get(0).message().payload(ServiceRefused.class).detail())
        .isEqualTo("first");
    assertThat(r.messages().get(1).deliveryId()).isEqualTo(id2);

    Received again = client.receive(List.of()); // not acknowledged: delivered again
    assertThat(again.messages()).hasSize(2);

    Received afterAck = client.ack(List.of(id1));
    assertThat(afterAck.envelopes()).hasSize(1);
    assertThat(afterAck.messages().get(0).deliveryId()).isEqualTo(id2);
    assertThat(concent.api.acksSeen.get(concent.api.acksSeen.size() - 1)).containsExactly(id1);

    assertThat(client.ack(afterAck.allIds()).isEmpty()).isTrue();
    // 204 on the wire
    String path = "/api/v1/receive";
    assertThat(raw("POST", path, new byte[0], null, auth("POST", path, new byte[0])).statusCode())
        .isEqualTo(204);
    // a malformed ack id
    String bad = "/api/v1/receive?ack=abcd";
    assertRefused(
        raw("POST", bad, new byte[0], null, auth("POST", bad, new byte[0])),
        400,
        "receive.bad_ack",
        "abcd");
  }

  @Test
  void aDeliveryForAnotherNodeOrNotFromConcentIsABadReply() throws Exception {
    NodeKey impostor = NodeKey.generate();
    concent.api.onSend =
        (c, f) ->
            ConcentApi.SendResult.reply(
                concent.codec.encode(
                    concent.codec.seal(
                        new ServiceRefused(
                            new byte[32],
                            new byte[16],
                            ServiceRefused.Reason.INVALID_REQUEST,
                            "forged"),
                        impostor,
                        concent.clock)));
    assertThatThrownBy(() -> client.send(ping(node)))
        .isInstanceOfSatisfying(
            ConcentClientException.class, e -> assertThat(e.code()).isEqualTo("client.bad_reply"))
        .hasMessageContaining(impostor.address().toString());
  }

  @Test
  void protocolConstantsNeedNoAuthAndDepositsDo() throws Exception {
    HttpResponse<byte[]> r = raw("GET", "/api/v1/protocol-constants", new byte[0], null, null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).get("concentMessagingTimeMs").asLong()).isEqualTo(240_000);
    assertThat(client.protocolConstants()).isEqualTo(concent.api.constants());

    Address owner = NodeKey.generate().address();
    assertRefused(
        raw("GET", "/api/v1/deposits/" + owner, new byte[0], null, null), 401, "auth.missing");
    ConcentApi.DepositReport d = client.deposit(owner);
    assertThat(d).isEqualTo(concent.api.deposit(owner));
    String bad = "/api/v1/deposits/0x12";
    assertRefused(
        raw("GET", bad, new byte[0], null, auth("GET", bad, new byte[0])),
        400,
        "request.bad_address");
  }

  @Test
  void anotherProtocolMajorGets404AndUnknownRoutesTo() throws Exception {
    HttpResponse<byte[]> r =
        http.send(
            HttpRequest.newBuilder(URI.create(concent.uri() + "/api/v1/protocol-constants"))
                .header("Concent-Protocol-Version", "2.0")
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertRefused(r, 404, "protocol.unsupported_version", "2.0");
    assertRefused(raw("GET", "/api/v1/nothing", new byte[0], null, null), 404, "request.not_found");
    assertRefused(
        raw("GET", "/api/v1/send", new byte[0], null, null),
        405,
        "request.method_not_allowed",
        "POST");
  }

  @Test
  void aServiceBugIsA500AndTheServerKeepsServing() throws Exception {
    concent.api.onSend =
        (c, f) -> {
          throw new IllegalStateException("boom");
        };
    assertThatThrownBy(() -> client.send(ping(node)))
        .isInstanceOfSatisfying(
            ConcentClientException.class,
            e -> {
              assertThat(e.status()).isEqualTo(500);
              assertThat(e.code()).isEqualTo("server.internal_error");
            })
        .hasMessageContaining("boom");
    stillServing();
  }

  @Test
  void aClientWhoseClockIsFarBehindIsToldSo() throws Exception {
    FakeClock late = new FakeClock(concent.clock.millis() - Duration.ofHours(1).toMillis());
    try (ConcentClient c = concent.client(node, late)) {
      assertThatThrownBy(() -> c.send(ping(node)))
          .isInstanceOfSatisfying(
              ConcentClientException.class,
              e -> {
                assertThat(e.status()).isEqualTo(401);
                assertThat(e.code()).isEqualTo("auth.expired");
              })
          .hasMessageContaining("check your clock");
    }
  }
}
