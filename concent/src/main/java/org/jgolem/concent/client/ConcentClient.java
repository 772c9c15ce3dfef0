package org.jgolem.concent.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bouncycastle.crypto.digests.KeccakDigest;
import org.jgolem.concent.api.ConcentApi;
import org.jgolem.eth.Address;
import org.jgolem.protocol.hashing.Keccak;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.concent.ConcentAuth;
import org.jgolem.protocol.messages.concent.ConcentDelivery;
import org.jgolem.protocol.messages.concent.Frames;

/**
 * A node's client of Concent's HTTP API (docs/CONCENT-API.md), on the JDK's HttpClient. Every
 * request is signed by the node key: a fresh {@link ConcentAuth} (this Concent's address, method,
 * path, keccak256 of the body, the clock's time, a random nonce) in the {@code Concent-Auth}
 * header. What Concent answers is checked as Concent's: its replies and deliveries must be signed
 * by the configured Concent address. Failures are {@link ConcentClientException}s carrying the
 * server's status, code and reason. Thread-safe.
 */
public final class ConcentClient implements AutoCloseable {
  /** Room for a delivery of {@link Frames#MAX_ITEMS} frames of {@link Frames#MAX_FRAME} bytes. */
  public static final int MAX_PAYLOAD_BYTES = Frames.MAX_ITEMS * Frames.MAX_FRAME + 64 * 1024;

  public static final String CAR_TYPE = "application/vnd.ipld.car";

  /**
   * @param base Concent's base URI, e.g. {@code http://127.0.0.1:8250}
   * @param concent Concent's address (its deployment's {@code concent} role)
   * @param chainId the chain the messages are signed for
   * @param connectTimeout bound on connecting
   * @param requestTimeout bound on a request, from sending to the last byte of the answer
   * @param transferTimeout the same for result uploads and downloads
   */
  public record Config(
      URI base,
      Address concent,
      long chainId,
      Duration connectTimeout,
      Duration requestTimeout,
      Duration transferTimeout) {
    public Config {
      Objects.requireNonNull(base, "base");
      Objects.requireNonNull(concent, "concent");
      Objects.requireNonNull(connectTimeout, "connectTimeout");
      Objects.requireNonNull(requestTimeout, "requestTimeout");
      Objects.requireNonNull(transferTimeout, "transferTimeout");
    }

    /** 5 s to connect, 30 s a request, 10 min a transfer. */
    public static Config of(URI base, Address concent, long chainId) {
      return new Config(
          base,
          concent,
          chainId,
          Duration.ofSeconds(5),
          Duration.ofSeconds(30),
          Duration.ofMinutes(10));
    }
  }

  private static final ObjectMapper JSON =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
  private static final String VERSION = Integer.toString(MessageCodec.PROTOCOL_VERSION);

  private final Config config;
  private final NodeKey key;
  private final Clock clock;
  private final MessageCodec codec;
  private final HttpClient http;
  private final String base;
  private final Transport transport;

  public ConcentClient(Config config, NodeKey key, Clock clock) {
    this.config = config;
    this.key = Objects.requireNonNull(key, "key");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.codec = new MessageCodec(config.chainId(), MAX_PAYLOAD_BYTES);
    String b = config.base().toString();
    this.base = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(config.connectTimeout())
            .build();
    this.transport = new Transport(http, base);
  }

  public Address concent() {
    return config.concent();
  }

  public MessageCodec codec() {
    return codec;
  }

  /**
   * Sends one message (a Force… request, or an answer to one Concent relayed).
   *
   * @return Concent's reply (HTTP 200), verified as signed by Concent; empty if Concent queued the
   *     request and will answer through {@link #receive} (HTTP 202)
   */
  public Optional<Envelope> send(Envelope message) throws IOException {
    byte[] body = codec.encode(message);
    HttpResponse<byte[]> r =
        exchange(
            "POST",
            "/api/v1/send",
            body,
            "application/octet-stream",
            config.requestTimeout(),
            HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() == 202 || r.statusCode() == 204) {
      return Optional.empty();
    }
    return Optional.of(fromConcent(r.body(), "the reply to " + message.type()));
  }

  /**
   * Acknowledges {@code acks} (delivery ids of earlier receives) and collects what is pending for
   * this node: every message not yet acknowledged, again until it is.
   */
  public Received receive(List<byte[]> acks) throws IOException {
    StringBuilder path = new StringBuilder("/api/v1/receive");
    if (!acks.isEmpty()) {
      path.append("?ack=");
      for (int i = 0; i < acks.size(); i++) {
        path.append(i == 0 ? "" : ",").append(HexFormat.of().formatHex(acks.get(i)));
      }
    }
    HttpResponse<byte[]> r =
        exchange(
            "POST",
            path.toString(),
            new byte[0],
            null,
            config.requestTimeout(),
            HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() == 204) {
      return Received.none();
    }
    Envelope e = fromConcent(r.body(), "the delivery");
    if (e.type() != MessageType.CONCENT_DELIVERY) {
      throw badReply("receive answered a " + e.type() + ", not a CONCENT_DELIVERY");
    }
    ConcentDelivery d = e.payload(ConcentDelivery.class);
    if (!d.recipient().equals(key.address())) {
      throw badReply("the delivery is for " + d.recipient() + ", not for " + key.address());
    }
    List<Received.Delivered> ok = new ArrayList<>();
    List<Received.Undecodable> bad = new ArrayList<>();
    List<byte[]> ids = d.deliveryIds();
    List<byte[]> frames = d.messages();
    for (int i = 0; i < frames.size(); i++) {
      try {
        ok.add(new Received.Delivered(ids.get(i), codec.decode(frames.get(i))));
      } catch (InvalidMessageException x) {
        bad.add(new Received.Undecodable(ids.get(i), x.getMessage()));
      }
    }
    return new Received(List.copyOf(ok), List.copyOf(bad));
  }

  /** Acknowledges {@code ids}; returns what is still pending (as {@link #receive}). */
  public Received ack(List<byte[]> ids) throws IOException {
    return receive(ids);
  }

  /** Uploads the CAR of result {@code cid} (use case 2), from memory. */
  public void uploadResult(String cid, byte[] car) throws IOException {
    exchange(
        "PUT",
        "/api/v1/storage/" + cid,
        car,
        CAR_TYPE,
        config.transferTimeout(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  /** Uploads the CAR of result {@code cid} from a file (read twice: hashed, then sent). */
  public void uploadResult(String cid, Path car) throws IOException {
    KeccakDigest keccak = new KeccakDigest(256);
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(car)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        keccak.update(buf, 0, n);
      }
    }
    byte[] hash = new byte[32];
    keccak.doFinal(hash, 0);
    String path = "/api/v1/storage/" + cid;
    HttpRequest.Builder b =
        request("PUT", path, hash, config.transferTimeout())
            .header("Content-Type", CAR_TYPE)
            .method("PUT", HttpRequest.BodyPublishers.ofFile(car));
    transport.send(b.build(), path, HttpResponse.BodyHandlers.ofByteArray());
  }

  /** Downloads the stored CAR of result {@code cid} into memory. */
  public byte[] downloadResult(String cid) throws IOException {
    return exchange(
            "GET",
            "/api/v1/storage/" + cid,
            new byte[0],
            null,
            config.transferTimeout(),
            HttpResponse.BodyHandlers.ofByteArray())
        .body();
  }

  /**
   * Downloads the stored CAR of result {@code cid} to {@code target}, which appears only when
   * complete. (Verify it with {@code CarVerifier} before use: Concent is trusted, the wire not.)
   */
  public void downloadResult(String cid, Path target) throws IOException {
    HttpResponse<InputStream> r =
        exchange(
            "GET",
            "/api/v1/storage/" + cid,
            new byte[0],
            null,
            config.transferTimeout(),
            HttpResponse.BodyHandlers.ofInputStream());
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, ".download-", ".car");
    try (InputStream in = r.body()) {
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Concent's windows ({@code GET /api/v1/protocol-constants}, unauthenticated). */
  public ConcentApi.ProtocolConstants protocolConstants() throws IOException {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(base + "/api/v1/protocol-constants"))
            .timeout(config.requestTimeout())
            .header("Concent-Protocol-Version", VERSION)
            .GET()
            .build();
    HttpResponse<byte[]> r =
        transport.send(req, "/api/v1/protocol-constants", HttpResponse.BodyHandlers.ofByteArray());
    try {
      return JSON.readValue(r.body(), ConcentApi.ProtocolConstants.class);
    } catch (IOException e) {
      throw badReply("protocol-constants is not the expected JSON: " + e.getMessage());
    }
  }

  /** {@code owner}'s deposit as Concent sees it. */
  public ConcentApi.DepositReport deposit(Address owner) throws IOException {
    HttpResponse<byte[]> r =
        exchange(
            "GET",
            "/api/v1/deposits/" + owner,
            new byte[0],
            null,
            config.requestTimeout(),
            HttpResponse.BodyHandlers.ofByteArray());
    try {
      JsonNode j = JSON.readTree(r.body());
      return new ConcentApi.DepositReport(
          Address.of(j.get("owner").asText()),
          new BigInteger(j.get("balance").asText()),
          j.get("timelock").asLong(),
          new BigInteger(j.get("reserved").asText()));
    } catch (RuntimeException | IOException e) {
      throw badReply("the deposit report is not the expected JSON: " + e);
    }
  }

  @Override
  public void close() {
    http.close();
  }

  // ------------------------------------------------------------------ plumbing

  /** The signed {@code Concent-Auth} value for one request. */
  public String authorization(String method, String pathAndQuery, byte[] bodyHash) {
    ConcentAuth auth = new ConcentAuth(config.concent(), method, pathAndQuery, bodyHash);
    return HexFormat.of().formatHex(codec.encode(codec.seal(auth, key, clock)));
  }

  private HttpRequest.Builder request(
      String method, String pathAndQuery, byte[] bodyHash, Duration timeout) {
    return HttpRequest.newBuilder(URI.create(base + pathAndQuery))
        .timeout(timeout)
        .header("Concent-Protocol-Version", VERSION)
        .header("Concent-Auth", authorization(method, pathAndQuery, bodyHash));
  }

  private <T> HttpResponse<T> exchange(
      String method,
      String pathAndQuery,
      byte[] body,
      String contentType,
      Duration timeout,
      HttpResponse.BodyHandler<T> handler)
      throws IOException {
    HttpRequest.Builder b = request(method, pathAndQuery, Keccak.keccak256(body), timeout);
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    b.method(
        method,
        body.length == 0 && !method.equals("POST") && !method.equals("PUT")
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body));
    return transport.send(b.build(), pathAndQuery, handler);
  }

  /** Decodes a frame Concent signed; anything else is a bad reply. */
  private Envelope fromConcent(byte[] frame, String what) throws ConcentClientException {
    Envelope e;
    try {
      e = codec.decode(frame);
    } catch (InvalidMessageException x) {
      throw badReply(what + " does not verify: " + x.getMessage());
    }
    if (!e.sender().equals(config.concent())) {
      throw badReply(what + " is signed by " + e.sender() + ", not by Concent " + config.concent());
    }
    return e;
  }

  static ConcentClientException badReply(String message) {
    return new ConcentClientException(200, "client.bad_reply", message);
  }
}
