package org.jgolem.concent.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Semaphore;
import org.bouncycastle.crypto.digests.KeccakDigest;
import org.jgolem.concent.api.ConcentApi;
import org.jgolem.concent.http.ConcentServer.Reply;
import org.jgolem.concent.storage.CarRejectedException;
import org.jgolem.concent.storage.CarVerifier;
import org.jgolem.concent.storage.ResultStorage;
import org.jgolem.eth.Address;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.protocol.hashing.Keccak;
import org.jgolem.protocol.messages.Envelope;

/** The routes of {@link ConcentServer}, each from the request to its {@link Reply}. */
final class Routes {
  static final String PREFIX = "/api/v1/";
  static final String FRAME_TYPE = "application/octet-stream";
  static final String CAR_TYPE = "application/vnd.ipld.car";
  static final int MAX_ACKS = 1024;
  private static final byte[] EMPTY_HASH = Keccak.keccak256(new byte[0]);

  private final ConcentApi api;
  private final RequestAuthenticator auth;
  private final ResultStorage storage;
  private final ServerConfig config;
  private final Semaphore transfers;
  private final AuditRoutes audit;

  Routes(
      ConcentApi api,
      RequestAuthenticator auth,
      ResultStorage storage,
      ServerConfig config,
      org.jgolem.protocol.messages.codec.MessageCodec codec) {
    this.audit = api.records().map(r -> new AuditRoutes(r, codec)).orElse(null);
    this.api = api;
    this.auth = auth;
    this.storage = storage;
    this.config = config;
    this.transfers = new Semaphore(config.maxTransfers());
  }

  /** Takes a transfer slot, or refuses with 503 if all are taken. */
  private void startTransfer(Cid cid) throws Refusal {
    if (!transfers.tryAcquire()) {
      throw new Refusal(
          503,
          "server.busy",
          "Concent is already serving "
              + config.maxTransfers()
              + " result transfers; try "
              + cid
              + " again shortly");
    }
  }

  Reply dispatch(Call c) throws Refusal, IOException {
    String p = c.path;
    if (!p.startsWith(PREFIX)) {
      throw notFound(c);
    }
    String rest = p.substring(PREFIX.length());
    if (rest.endsWith("/")) {
      rest = rest.substring(0, rest.length() - 1); // Golem's routes ended in a slash
    }
    int slash = rest.indexOf('/');
    String head = slash < 0 ? rest : rest.substring(0, slash);
    String arg = slash < 0 ? null : rest.substring(slash + 1);
    switch (head) {
      case "send" -> {
        requireMethod(c, arg == null, "POST");
        return send(c);
      }
      case "receive" -> {
        requireMethod(c, arg == null, "POST");
        return receive(c);
      }
      case "protocol-constants" -> {
        requireMethod(c, arg == null, "GET");
        return Reply.json(200, api.constants());
      }
      case "deposits" -> {
        requireMethod(c, arg != null && !arg.contains("/"), "GET");
        return deposit(c, arg);
      }
      case "cases" -> {
        requireMethod(c, audit != null, "GET");
        return audit.dispatch(c, arg);
      }
      case "storage" -> {
        requireMethod(c, arg != null && !arg.contains("/"), "GET", "PUT");
        return c.method.equals("PUT") ? upload(c, arg) : download(c, arg);
      }
      default -> throw notFound(c);
    }
  }

  private static Refusal notFound(Call c) {
    return new Refusal(
        404,
        "request.not_found",
        "no route "
            + c.method
            + " "
            + c.path
            + " (routes: POST /api/v1/send, POST /api/v1/receive, GET /api/v1/protocol-constants,"
            + " GET /api/v1/deposits/<address>, PUT|GET /api/v1/storage/<cid>,"
            + " GET /api/v1/cases[/<id>[/bundle]])");
  }

  private static void requireMethod(Call c, boolean shapeOk, String... methods) throws Refusal {
    if (!shapeOk) {
      throw notFound(c);
    }
    for (String m : methods) {
      if (m.equals(c.method)) {
        return;
      }
    }
    throw new Refusal(
        405,
        "request.method_not_allowed",
        c.method + " is not allowed on " + c.path + "; allowed: " + String.join(", ", methods));
  }

  /** Authenticates a request whose body is small, reading it; returns the proven client. */
  private Address authenticate(Call c, byte[] body) throws Refusal {
    RequestAuthenticator.Authorized a =
        auth.check(c.header(RequestAuthenticator.HEADER), c.method, c.pathAndQuery);
    RequestAuthenticator.checkBody(a, body.length == 0 ? EMPTY_HASH : Keccak.keccak256(body));
    return a.client();
  }

  private Reply send(Call c) throws Refusal, IOException {
    c.requireContentType(Set.of(FRAME_TYPE));
    RequestAuthenticator.Authorized a =
        auth.check(c.header(RequestAuthenticator.HEADER), c.method, c.pathAndQuery);
    byte[] frame = c.body(config.maxSendBytes());
    RequestAuthenticator.checkBody(a, Keccak.keccak256(frame));
    if (frame.length < Envelope.HEADER_LENGTH) {
      throw Refusal.badRequest(
          "send.malformed",
          "the body must be one encoded envelope; "
              + frame.length
              + " bytes are shorter than an envelope's header");
    }
    // The sender field (bytes 3..23); the service verifies the signature against it.
    byte[] sender = new byte[20];
    System.arraycopy(frame, 3, sender, 0, 20);
    Address claimed = Address.of(sender);
    if (!claimed.equals(a.client())) {
      throw new Refusal(
          403,
          "send.sender_mismatch",
          "the message's sender is " + claimed + ", the request is signed by " + a.client());
    }
    ConcentApi.SendResult r = api.send(a.client(), frame);
    return r.reply().isPresent()
        ? new Reply.Bytes(200, FRAME_TYPE, r.reply().get())
        : Reply.empty(202);
  }

  private Reply receive(Call c) throws Refusal, IOException {
    Address client = authenticate(c, c.body(64 * 1024));
    List<byte[]> acks = acks(c.query());
    Optional<byte[]> delivery = api.receive(client, acks);
    return delivery.isPresent()
        ? new Reply.Bytes(200, FRAME_TYPE, delivery.get())
        : Reply.empty(204);
  }

  static List<byte[]> acks(String rawQuery) throws Refusal {
    List<byte[]> out = new ArrayList<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return out;
    }
    for (String param : rawQuery.split("&")) {
      int eq = param.indexOf('=');
      String name = eq < 0 ? param : param.substring(0, eq);
      if (!name.equals("ack")) {
        throw Refusal.badRequest(
            "receive.bad_query", "unknown query parameter '" + name + "' (only ack=<hex16>,…)");
      }
      String value =
          eq < 0 ? "" : URLDecoder.decode(param.substring(eq + 1), StandardCharsets.UTF_8);
      for (String id : value.split(",")) {
        if (id.isBlank()) {
          continue;
        }
        byte[] b;
        try {
          b = HexFormat.of().parseHex(id.strip());
        } catch (IllegalArgumentException e) {
          throw Refusal.badRequest("receive.bad_ack", "ack id '" + id + "' is not hex");
        }
        if (b.length != Envelope.MESSAGE_ID_LENGTH) {
          throw Refusal.badRequest(
              "receive.bad_ack", "ack id '" + id + "' has " + b.length + " bytes, not 16");
        }
        out.add(b);
        if (out.size() > MAX_ACKS) {
          throw Refusal.badRequest(
              "receive.bad_ack", "more than " + MAX_ACKS + " ack ids in one request");
        }
      }
    }
    return out;
  }

  private Reply deposit(Call c, String owner) throws Refusal, IOException {
    authenticate(c, c.body(64 * 1024));
    Address a;
    try {
      a = Address.of(owner);
    } catch (RuntimeException e) {
      throw Refusal.badRequest(
          "request.bad_address", "'" + owner + "' is not an address (0x and 40 hex digits)");
    }
    ConcentApi.DepositReport d = api.deposit(a);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("owner", d.owner().toString());
    json.put("balance", d.balance().toString());
    json.put("timelock", d.timelock());
    json.put("reserved", d.reserved().toString());
    return Reply.json(200, json);
  }

  private static Cid cid(String text) throws Refusal {
    try {
      return Cid.parse(text);
    } catch (RuntimeException e) {
      throw Refusal.badRequest("storage.bad_cid", "'" + text + "' is not a CID: " + e.getMessage());
    }
  }

  private Reply upload(Call c, String cidText) throws Refusal, IOException {
    Cid cid = cid(cidText);
    c.requireContentType(Set.of(CAR_TYPE, FRAME_TYPE));
    RequestAuthenticator.Authorized a =
        auth.check(c.header(RequestAuthenticator.HEADER), c.method, c.pathAndQuery);
    long declared = c.declaredLength();
    if (declared > config.maxUploadBytes()) {
      throw Call.tooLarge(config.maxUploadBytes(), declared + " bytes");
    }
    Optional<String> refusal = api.uploadRefusal(a.client(), cid.toString());
    if (refusal.isPresent()) {
      throw new Refusal(403, "storage.refused", refusal.get());
    }
    startTransfer(cid);
    Path temp = null;
    try {
      temp = storage.newUpload();
      byte[] hash = copy(c, temp);
      RequestAuthenticator.checkBody(a, hash);
      CarVerifier.Verified v;
      try {
        v = storage.keep(temp, cid);
      } catch (CarRejectedException e) {
        throw new Refusal(
            422, "storage.invalid_car", "the upload of " + cid + " is refused: " + e.getMessage());
      }
      api.resultUploaded(a.client(), cid.toString());
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("cid", cid.toString());
      json.put("blocks", v.blocks());
      json.put("bytes", Files.size(storage.find(cid).orElseThrow()));
      return Reply.json(201, json);
    } finally {
      transfers.release();
      if (temp != null) {
        Files.deleteIfExists(temp);
      }
    }
  }

  /** Copies the body into {@code temp} within the upload limit; returns its keccak256. */
  private byte[] copy(Call c, Path temp) throws Refusal, IOException {
    KeccakDigest keccak = new KeccakDigest(256);
    long max = config.maxUploadBytes();
    long total = 0;
    byte[] buf = new byte[1 << 16];
    try (InputStream in = c.ex.getRequestBody();
        OutputStream out = Files.newOutputStream(temp)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        total += n;
        if (total > max) {
          throw Call.tooLarge(max, "more than that");
        }
        keccak.update(buf, 0, n);
        out.write(buf, 0, n);
      }
    }
    byte[] hash = new byte[32];
    keccak.doFinal(hash, 0);
    return hash;
  }

  private Reply download(Call c, String cidText) throws Refusal, IOException {
    Cid cid = cid(cidText);
    Address client = authenticate(c, c.body(64 * 1024));
    Optional<String> refusal = api.downloadRefusal(client, cid.toString());
    if (refusal.isPresent()) {
      throw new Refusal(403, "storage.refused", refusal.get());
    }
    Optional<Path> file = storage.find(cid);
    if (file.isEmpty()) {
      throw new Refusal(404, "storage.not_found", "Concent's storage does not hold " + cid);
    }
    startTransfer(cid); // released by the server once the file is sent
    return new Reply.File(200, CAR_TYPE + "; version=1", file.get(), transfers::release);
  }
}
