package org.jgolem.node.api;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's local REST API: JSON over HTTP/1.1 on a loopback address, every request authenticated by
 * the bearer token of {@link ApiToken}. Routes are listed in {@code docs/API.md}.
 *
 * <p>It runs on the JDK's {@code com.sun.net.httpserver}: an operator API serves a handful of requests
 * per second from one machine, so a small blocking thread pool is simpler to reason about than an
 * event loop, and needs no dependency. Every failure, including a bug in the {@link NodeService},
 * becomes a JSON error response; none stops the server.
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
  private static final String JSON_TYPE = "application/json";
  private static final String CREATE_EXAMPLE = "{\"file\": \"/absolute/path/task.json\"}";
  private static final String SETTING_EXAMPLE = "{\"value\": \"...\"}";

  private final NodeService service;
  private final ApiConfig config;
  private final ApiToken token;
  private final HttpServer http;
  private final ExecutorService executor;
  private final URI uri;
  private final Path addressFile;
  private final List<Route> routes;
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
  private final ObjectMapper json = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
      .build();

  private ApiServer(NodeService service, ApiConfig config, ApiToken token, HttpServer http, ExecutorService executor)
      throws IOException {
    this.service = service;
    this.config = config;
    this.token = token;
    this.http = http;
    this.executor = executor;
    InetSocketAddress bound = http.getAddress();
    try {
      this.uri = new URI("http", null, bound.getAddress().getHostAddress(), bound.getPort(), null, null, null);
    } catch (URISyntaxException e) {
      throw new IOException("cannot form the API's URI from " + bound, e);
    }
    this.addressFile = config.dataDir().resolve(ApiConfig.ADDRESS_FILE);
    this.routes = routes();
  }

  /**
   * Binds the API (refusing a non-loopback {@code api.host} unless {@code api.allowRemote}), creates or
   * reads the token file, writes {@code <dataDir>/api-address} and starts serving.
   *
   * @throws IllegalArgumentException a setting is wrong (the message names it)
   * @throws IOException the port is taken, or the token file cannot be created or is unsafe
   */
  public static ApiServer start(NodeService service, ApiConfig config) throws IOException {
    Objects.requireNonNull(service, "service");
    InetSocketAddress bind = config.validate().bindAddress();
    ApiToken token = ApiToken.loadOrCreate(config.dataDir());
    HttpServer http;
    try {
      http = HttpServer.create(bind, 32);
    } catch (BindException e) {
      throw new IOException("the REST API cannot listen on " + bind.getAddress().getHostAddress() + ":" + bind.getPort()
          + " (api.host, api.port): " + e.getMessage() + ". Is another node using it? Choose another api.port.", e);
    }
    AtomicInteger n = new AtomicInteger();
    ThreadFactory threads = r -> {
      Thread t = new Thread(r, "jgolem-api-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    ExecutorService executor = Executors.newFixedThreadPool(config.threads(), threads);
    ApiServer server = new ApiServer(service, config, token, http, executor);
    http.createContext("/", server::handle);
    http.setExecutor(executor);
    http.start();
    try {
      server.writeAddressFile();
    } catch (IOException e) {
      server.close();
      throw e;
    }
    if (!bind.getAddress().isLoopbackAddress()) {
      log.warn("the REST API listens on {} (api.allowRemote): it has no TLS, so its token crosses the network in clear"
          + " text", server.uri);
    }
    log.info("REST API listening on {} (token in {})", server.uri, token.file());
    return server;
  }

  public InetSocketAddress address() {
    return http.getAddress();
  }

  /** The base URI, e.g. {@code http://127.0.0.1:61000}. */
  public URI uri() {
    return uri;
  }

  public ApiToken token() {
    return token;
  }

  public ApiConfig config() {
    return config;
  }

  @Override
  public void close() {
    if (closed.getAndSet(true)) {
      return;
    }
    http.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try { // only ours: another node may have started on this data folder since
      if (Files.exists(addressFile) && Files.readString(addressFile).strip().equals(uri.toString())) {
        Files.delete(addressFile);
      }
    } catch (IOException e) {
      log.warn("could not remove {}: {}", addressFile, e.toString());
    }
  }

  private void writeAddressFile() throws IOException {
    Path tmp = Files.createTempFile(config.dataDir(), ".api-address", ".tmp");
    try {
      Files.writeString(tmp, uri + "\n", StandardCharsets.US_ASCII);
      try {
        Files.move(tmp, addressFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, addressFile, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  // ---------------------------------------------------------------- routes

  private List<Route> routes() {
    return List.of(
        new Route("GET", "/v1/status", c -> ok(service.status())),
        new Route("POST", "/v1/tasks", this::createTask),
        new Route("GET", "/v1/tasks", c -> ok(service.tasks())),
        new Route("GET", "/v1/tasks/{id}", c -> ok(service.task(c.param("id")))),
        new Route("GET", "/v1/tasks/{id}/subtasks", c -> ok(service.subtasks(c.param("id")))),
        new Route("POST", "/v1/tasks/{id}/restart", c -> {
          c.noBody();
          return ok(service.restartTask(c.param("id")));
        }),
        new Route("POST", "/v1/tasks/{id}/abort", c -> {
          c.noBody();
          return ok(service.abortTask(c.param("id")));
        }),
        new Route("POST", "/v1/tasks/{id}/subtasks/{name}/restart", c -> {
          c.noBody();
          return ok(service.restartSubtask(c.param("id"), c.param("name")));
        }),
        new Route("GET", "/v1/peers", c -> ok(service.peers())),
        new Route("GET", "/v1/payments", c -> ok(service.payments())),
        new Route("GET", "/v1/incomes", c -> ok(service.incomes())),
        new Route("GET", "/v1/account", c -> ok(service.account())),
        new Route("GET", "/v1/settings", c -> ok(service.settings())),
        new Route("PUT", "/v1/settings/{key}", this::updateSetting));
  }

  private Response createTask(Call c) throws ApiException, IOException {
    ObjectNode body = c.jsonObject(CREATE_EXAMPLE, Set.of("file"));
    JsonNode file = body.get("file");
    if (file == null || !file.isTextual() || file.asText().isBlank()) {
      throw ApiException.badRequest("the request body needs \"file\": the absolute path of a task file on the node's"
          + " machine, as a string, e.g. " + CREATE_EXAMPLE, List.of());
    }
    Path path;
    try {
      path = Path.of(file.asText());
    } catch (InvalidPathException e) {
      throw ApiException.badRequest("\"file\" is not a valid path: " + e.getMessage(), List.of());
    }
    if (!path.isAbsolute()) {
      throw ApiException.badRequest("\"file\" must be an absolute path (the node does not share the client's working"
          + " folder), got '" + file.asText() + "'", List.of());
    }
    NodeService.TaskSummary task = service.createTask(path);
    Response r = ok(task);
    return new Response(201, r.body(), Map.of("Location", "/v1/tasks/" + encodeSegment(task.id())));
  }

  private Response updateSetting(Call c) throws ApiException, IOException {
    ObjectNode body = c.jsonObject(SETTING_EXAMPLE, Set.of("value"));
    JsonNode value = body.get("value");
    if (value == null || !(value.isTextual() || value.isNumber() || value.isBoolean())) {
      throw ApiException.badRequest("the request body needs \"value\": the new value of setting '" + c.param("key")
          + "' as a string (a number or boolean is taken as its text), e.g. " + SETTING_EXAMPLE, List.of());
    }
    return ok(service.updateSetting(c.param("key"), value.asText()));
  }

  private static Response ok(Object body) {
    if (body == null) {
      throw new IllegalStateException("the node service returned nothing (null)");
    }
    return new Response(200, body, Map.of());
  }

  // ---------------------------------------------------------------- dispatch

  private void handle(HttpExchange ex) {
    String method = ex.getRequestMethod();
    String path = ex.getRequestURI().getRawPath();
    long start = System.nanoTime();
    int status = 0;
    try {
      byte[] body;
      Response r;
      try {
        r = dispatch(ex, method, path);
        body = json.writeValueAsBytes(r.body());
      } catch (ApiException e) {
        r = error(e.status(), e.code(), e.getMessage(), e.details(), Map.of());
        body = json.writeValueAsBytes(r.body());
      } catch (VirtualMachineError e) {
        throw e;
      } catch (Throwable e) { // a bug in the service (or here) must not stop the API: report it and carry on
        log.error("{} {} failed", method, path, e);
        String what = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        r = error(500, "internal_error", "the node failed while handling " + method + " " + path + ": " + what,
            List.of(), Map.of());
        body = json.writeValueAsBytes(r.body());
      }
      status = r.status();
      var headers = ex.getResponseHeaders();
      headers.set("Content-Type", JSON_TYPE + "; charset=utf-8");
      headers.set("Cache-Control", "no-store");
      headers.set("X-Content-Type-Options", "nosniff");
      r.headers().forEach(headers::set);
      if (status == 413) {
        headers.set("Connection", "close"); // the rest of the body is not read
      }
      ex.sendResponseHeaders(status, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    } catch (IOException e) {
      log.debug("could not answer {} {}: {}", method, path, e.toString()); // the client went away
    } finally {
      ex.close();
      log.debug("{} {} -> {} in {} ms", method, path, status, (System.nanoTime() - start) / 1_000_000);
    }
  }

  private Response dispatch(HttpExchange ex, String method, String path) throws ApiException, IOException {
    Response refused = authenticate(ex);
    if (refused != null) {
      return refused;
    }
    List<String> segments = segments(path);
    Set<String> allowed = new TreeSet<>();
    for (Route route : routes) {
      Map<String, String> params = route.match(segments);
      if (params == null) {
        continue;
      }
      if (route.method().equals(method)) {
        return route.handler().handle(new Call(ex, params));
      }
      allowed.add(route.method());
    }
    if (!allowed.isEmpty()) {
      return error(405, "method_not_allowed", method + " is not allowed on " + path + "; allowed: "
          + String.join(", ", allowed), List.of(), Map.of("Allow", String.join(", ", allowed)));
    }
    throw new ApiException(404, "not_found", "no route " + method + " " + path
        + " (the API's routes start with /v1/, e.g. GET /v1/status)", List.of());
  }

  /** Null if the request carries the token; otherwise the 401 to send. */
  private Response authenticate(HttpExchange ex) {
    List<String> values = ex.getRequestHeaders().get("Authorization");
    Map<String, String> challenge = Map.of("WWW-Authenticate", "Bearer realm=\"jgolem-node\"");
    if (values == null || values.isEmpty()) {
      return error(401, "unauthorized", "missing Authorization header: send 'Authorization: Bearer <token>' with the"
          + " token from the file " + ApiToken.FILE + " in the node's data folder", List.of(), challenge);
    }
    if (values.size() > 1) {
      return error(401, "unauthorized", "more than one Authorization header", List.of(), challenge);
    }
    String value = values.get(0).strip();
    int space = value.indexOf(' ');
    if (space < 0 || !value.substring(0, space).equalsIgnoreCase("Bearer")) {
      return error(401, "unauthorized", "the Authorization header must be 'Bearer <token>'", List.of(), challenge);
    }
    if (!token.matches(value.substring(space + 1).strip())) {
      return error(401, "unauthorized", "invalid API token: use the one in the file " + ApiToken.FILE
          + " in the node's data folder", List.of(), challenge);
    }
    return null;
  }

  private static List<String> segments(String rawPath) throws ApiException {
    String p = rawPath == null || rawPath.isEmpty() ? "/" : rawPath;
    if (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    List<String> out = new ArrayList<>();
    for (String raw : p.substring(1).split("/", -1)) {
      try {
        out.add(URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest("malformed percent-encoding in the path segment '" + raw + "'", List.of());
      }
    }
    return out;
  }

  static String encodeSegment(String s) {
    return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static Response error(int status, String code, String message, List<String> details,
      Map<String, String> headers) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", code);
    body.put("message", message);
    body.put("details", details);
    return new Response(status, body, headers);
  }

  private record Response(int status, Object body, Map<String, String> headers) {}

  @FunctionalInterface
  private interface Handler {
    Response handle(Call call) throws ApiException, IOException;
  }

  private record Route(String method, String pattern, Handler handler) {
    /** The path parameters if {@code segments} fit the pattern, else null. */
    Map<String, String> match(List<String> segments) {
      String[] parts = pattern.substring(1).split("/");
      if (parts.length != segments.size()) {
        return null;
      }
      Map<String, String> params = new LinkedHashMap<>();
      for (int i = 0; i < parts.length; i++) {
        String part = parts[i];
        String seg = segments.get(i);
        if (part.startsWith("{")) {
          if (seg.isEmpty()) {
            return null;
          }
          params.put(part.substring(1, part.length() - 1), seg);
        } else if (!part.equals(seg)) {
          return null;
        }
      }
      return params;
    }
  }

  /** One request being handled: its path parameters and its (size-limited) body. */
  private final class Call {
    private final HttpExchange ex;
    private final Map<String, String> params;

    Call(HttpExchange ex, Map<String, String> params) {
      this.ex = ex;
      this.params = params;
    }

    String param(String name) {
      return params.get(name);
    }

    /** The body, refused with 413 past {@code api.maxBodyBytes} (before reading, if Content-Length says so). */
    byte[] body() throws ApiException, IOException {
      int max = config.maxBodyBytes();
      String declared = ex.getRequestHeaders().getFirst("Content-Length");
      if (declared != null) {
        long length;
        try {
          length = Long.parseLong(declared.strip());
        } catch (NumberFormatException e) {
          throw ApiException.badRequest("malformed Content-Length header '" + declared + "'", List.of());
        }
        if (length > max) {
          throw tooLarge(max, length + " bytes");
        }
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      try (InputStream in = ex.getRequestBody()) {
        int n;
        while ((n = in.read(buf)) > 0) {
          if (out.size() + n > max) {
            throw tooLarge(max, "more than that");
          }
          out.write(buf, 0, n);
        }
      }
      return out.toByteArray();
    }

    private static ApiException tooLarge(int max, String got) {
      return new ApiException(413, "payload_too_large", "the request body is too large: at most " + max
          + " bytes are accepted, got " + got, List.of());
    }

    /** The body as a JSON object whose fields are all in {@code fields}. */
    ObjectNode jsonObject(String example, Set<String> fields) throws ApiException, IOException {
      String type = ex.getRequestHeaders().getFirst("Content-Type");
      if (type != null && !type.toLowerCase(Locale.ROOT).strip().startsWith(JSON_TYPE)) {
        throw new ApiException(415, "unsupported_media_type", "the request body must be JSON (Content-Type: "
            + JSON_TYPE + "), got Content-Type '" + type + "'", List.of());
      }
      byte[] bytes = body();
      if (bytes.length == 0) {
        throw ApiException.badRequest("the request body is empty; expected a JSON object like " + example, List.of());
      }
      JsonNode node;
      try {
        node = json.readTree(bytes);
      } catch (JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        List<String> where = at == null ? List.of()
            : List.of("at line " + at.getLineNr() + ", column " + at.getColumnNr());
        throw ApiException.badRequest("malformed JSON in the request body: " + e.getOriginalMessage(), where);
      }
      if (node == null || !node.isObject()) {
        throw ApiException.badRequest("the request body must be a JSON object like " + example + ", got "
            + (node == null ? "nothing" : node.getNodeType().name().toLowerCase(Locale.ROOT)), List.of());
      }
      List<String> unknown = new ArrayList<>();
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!fields.contains(f)) {
          unknown.add("unknown field \"" + f + "\"");
        }
      }
      if (!unknown.isEmpty()) {
        throw ApiException.badRequest("the request body has fields this route does not take; expected only "
            + String.join(", ", new TreeSet<>(fields)), unknown);
      }
      return (ObjectNode) node;
    }

    /** For action routes: no body, or an empty JSON object. */
    void noBody() throws ApiException, IOException {
      byte[] bytes = body();
      String text = new String(bytes, StandardCharsets.UTF_8).strip();
      if (!text.isEmpty() && !text.replaceAll("\\s", "").equals("{}")) {
        throw ApiException.badRequest(ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath()
            + " takes no request body (or an empty JSON object)", List.of());
      }
    }
  }
}
