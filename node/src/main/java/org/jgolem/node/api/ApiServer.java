package org.jgolem.node.api;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
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
 * The node's local REST API: JSON over HTTP/1.1 on a loopback address, every request authenticated
 * by the bearer token of {@link ApiToken}. Routes are listed in {@code docs/API.md}.
 *
 * <p>It runs on the JDK's {@code com.sun.net.httpserver}: an operator API serves a handful of
 * requests per second from one machine, so a small blocking thread pool is simpler to reason about
 * than an event loop, and needs no dependency. Every failure, including a bug in the {@link
 * NodeService}, becomes a JSON error response; none stops the server.
 *
 * <p>This class binds, authenticates and answers; the routes, by resource, are in {@link
 * ApiRoutes}, and the reading of a request's body in {@link ApiCall}.
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
  static final String JSON_TYPE = "application/json";

  private final NodeService service;
  private final ApiConfig config;
  private final ApiToken token;
  private final HttpServer http;
  private final ExecutorService executor;
  private final URI uri;
  private final Path addressFile;
  private final List<ApiRoutes.Route> routes;
  private final java.util.concurrent.atomic.AtomicBoolean closed =
      new java.util.concurrent.atomic.AtomicBoolean();
  private final ObjectMapper json =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
          .build();

  private ApiServer(
      NodeService service,
      ApiConfig config,
      ApiToken token,
      HttpServer http,
      ExecutorService executor)
      throws IOException {
    this.service = service;
    this.config = config;
    this.token = token;
    this.http = http;
    this.executor = executor;
    InetSocketAddress bound = http.getAddress();
    try {
      this.uri =
          new URI(
              "http", null, bound.getAddress().getHostAddress(), bound.getPort(), null, null, null);
    } catch (URISyntaxException e) {
      throw new IOException("cannot form the API's URI from " + bound, e);
    }
    this.addressFile = config.dataDir().resolve(ApiConfig.ADDRESS_FILE);
    this.routes = ApiRoutes.of(service);
  }

  /**
   * Binds the API (refusing a non-loopback {@code api.host} unless {@code api.allowRemote}),
   * creates or reads the token file, writes {@code <dataDir>/api-address} and starts serving.
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
      throw new IOException(
          "the REST API cannot listen on "
              + bind.getAddress().getHostAddress()
              + ":"
              + bind.getPort()
              + " (api.host, api.port): "
              + e.getMessage()
              + ". Is another node using it? Choose another api.port.",
          e);
    }
    AtomicInteger n = new AtomicInteger();
    ThreadFactory threads =
        r -> {
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
      log.warn(
          "the REST API listens on {} (api.allowRemote): it has no TLS, so its token crosses the network in clear"
              + " text",
          server.uri);
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
      if (Files.exists(addressFile)
          && Files.readString(addressFile).strip().equals(uri.toString())) {
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
        Files.move(
            tmp, addressFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, addressFile, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  // ---------------------------------------------------------------- dispatch

  private void handle(HttpExchange ex) {
    String method = ex.getRequestMethod();
    String path = ex.getRequestURI().getRawPath();
    long start = System.nanoTime();
    int status = 0;
    try {
      byte[] body;
      ApiRoutes.Response r;
      try {
        r = dispatch(ex, method, path);
        body = json.writeValueAsBytes(r.body());
      } catch (ApiException e) {
        r = ApiRoutes.error(e.status(), e.code(), e.getMessage(), e.details(), Map.of());
        body = json.writeValueAsBytes(r.body());
      } catch (VirtualMachineError e) {
        throw e;
      } catch (
          Throwable
              e) { // a bug in the service (or here) must not stop the API: report it and carry on
        log.error("{} {} failed", method, path, e);
        String what =
            e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        r =
            ApiRoutes.error(
                500,
                "internal_error",
                "the node failed while handling " + method + " " + path + ": " + what,
                List.of(),
                Map.of());
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
      log.debug(
          "{} {} -> {} in {} ms", method, path, status, (System.nanoTime() - start) / 1_000_000);
    }
  }

  private ApiRoutes.Response dispatch(HttpExchange ex, String method, String path)
      throws ApiException, IOException {
    ApiRoutes.Response refused = authenticate(ex);
    if (refused != null) {
      return refused;
    }
    List<String> segments = ApiRoutes.segments(path);
    Set<String> allowed = new TreeSet<>();
    for (ApiRoutes.Route route : routes) {
      Map<String, String> params = route.match(segments);
      if (params == null) {
        continue;
      }
      if (route.method().equals(method)) {
        return route.handler().handle(new ApiCall(ex, params, json, config.maxBodyBytes()));
      }
      allowed.add(route.method());
    }
    if (!allowed.isEmpty()) {
      return ApiRoutes.error(
          405,
          "method_not_allowed",
          method + " is not allowed on " + path + "; allowed: " + String.join(", ", allowed),
          List.of(),
          Map.of("Allow", String.join(", ", allowed)));
    }
    throw new ApiException(
        404,
        "not_found",
        "no route "
            + method
            + " "
            + path
            + " (the API's routes start with /v1/, e.g. GET /v1/status)",
        List.of());
  }

  /** Null if the request carries the token; otherwise the 401 to send. */
  private ApiRoutes.Response authenticate(HttpExchange ex) {
    List<String> values = ex.getRequestHeaders().get("Authorization");
    Map<String, String> challenge = Map.of("WWW-Authenticate", "Bearer realm=\"jgolem-node\"");
    if (values == null || values.isEmpty()) {
      return ApiRoutes.error(
          401,
          "unauthorized",
          "missing Authorization header: send 'Authorization: Bearer <token>' with the"
              + " token from the file "
              + ApiToken.FILE
              + " in the node's data folder",
          List.of(),
          challenge);
    }
    if (values.size() > 1) {
      return ApiRoutes.error(
          401, "unauthorized", "more than one Authorization header", List.of(), challenge);
    }
    String value = values.get(0).strip();
    int space = value.indexOf(' ');
    if (space < 0 || !value.substring(0, space).equalsIgnoreCase("Bearer")) {
      return ApiRoutes.error(
          401,
          "unauthorized",
          "the Authorization header must be 'Bearer <token>'",
          List.of(),
          challenge);
    }
    if (!token.matches(value.substring(space + 1).strip())) {
      return ApiRoutes.error(
          401,
          "unauthorized",
          "invalid API token: use the one in the file "
              + ApiToken.FILE
              + " in the node's data folder",
          List.of(),
          challenge);
    }
    return null;
  }
}
