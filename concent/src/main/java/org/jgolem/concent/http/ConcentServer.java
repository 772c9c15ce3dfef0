package org.jgolem.concent.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jgolem.concent.api.ConcentApi;
import org.jgolem.concent.storage.ResultStorage;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Concent's HTTP API (docs/CONCENT-API.md) on the JDK's {@code com.sun.net.httpserver}, as the
 * node's REST API: a bounded pool of {@link ServerConfig#threads} handles the requests, each one
 * blocking (signature check, then the {@link ConcentApi} call, which may wait on the database).
 * Every request but {@code protocol-constants} is authenticated by {@link RequestAuthenticator}.
 * Every failure, a bug included, becomes a JSON error {@code {"error", "code"}}; none stops the
 * server. The routes themselves are in {@link Routes}.
 */
public final class ConcentServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConcentServer.class);

  /** The protocol version, sent in every response; a request naming another major gets 404. */
  public static final String VERSION_HEADER = "Concent-Protocol-Version";

  static final ObjectMapper JSON = JsonMapper.builder().build();

  private final HttpServer http;
  private final ExecutorService executor;
  private final Routes routes;
  private final URI uri;
  private final AtomicBoolean closed = new AtomicBoolean();

  private ConcentServer(HttpServer http, ExecutorService executor, Routes routes) {
    this.http = http;
    this.executor = executor;
    this.routes = routes;
    InetSocketAddress a = http.getAddress();
    this.uri = URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort());
  }

  /**
   * Binds and starts serving.
   *
   * @param api the service
   * @param auth the request authenticator (this Concent's address, the chain's codec, the clock,
   *     the nonce ledger)
   * @param codec the codec of the chain (for the limits of a frame)
   * @param storage where uploaded results are kept
   * @throws IOException the address is taken
   */
  public static ConcentServer start(
      ConcentApi api,
      RequestAuthenticator auth,
      MessageCodec codec,
      ResultStorage storage,
      ServerConfig config)
      throws IOException {
    Objects.requireNonNull(api, "api");
    Objects.requireNonNull(codec, "codec");
    HttpServer http;
    try {
      http = HttpServer.create(config.bind(), 256);
    } catch (BindException e) {
      throw new IOException(
          "Concent cannot listen on " + config.bind() + ": " + e.getMessage() + " (--listen)", e);
    }
    AtomicInteger n = new AtomicInteger();
    ExecutorService executor =
        Executors.newFixedThreadPool(
            config.threads(),
            r -> {
              Thread t = new Thread(r, "concent-http-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    ConcentServer server =
        new ConcentServer(http, executor, new Routes(api, auth, storage, config, codec));
    http.createContext("/", server::handle);
    http.setExecutor(executor);
    http.start();
    log.info("Concent's HTTP API listening on {}", server.uri);
    return server;
  }

  /** The base URI, e.g. {@code http://127.0.0.1:8250}. */
  public URI uri() {
    return uri;
  }

  public InetSocketAddress address() {
    return http.getAddress();
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
  }

  /** What a route answers. */
  sealed interface Reply {
    int status();

    /** A body in memory (empty for 202/204). */
    record Bytes(int status, String contentType, byte[] body) implements Reply {}

    /** A stored file, streamed; {@code done} runs once it is sent, or not. */
    record File(int status, String contentType, Path file, Runnable done) implements Reply {}

    static Reply json(int status, Object body) {
      try {
        return new Bytes(status, "application/json", JSON.writeValueAsBytes(body));
      } catch (IOException e) {
        throw new IllegalStateException("cannot write JSON", e);
      }
    }

    static Reply empty(int status) {
      return new Bytes(status, null, new byte[0]);
    }
  }

  private void handle(HttpExchange ex) {
    Call call = new Call(ex);
    int status = 0;
    try {
      Reply r;
      try {
        checkVersion(call);
        r = routes.dispatch(call);
      } catch (Refusal e) {
        r = error(e.status(), e.code(), e.getMessage());
        log.debug("{} {} refused: {}", call.method, call.path, e.getMessage());
      } catch (VirtualMachineError e) {
        throw e;
      } catch (IOException e) {
        throw e;
      } catch (Throwable e) { // a bug in the service or here must not stop the server
        log.error("{} {} failed", call.method, call.path, e);
        r =
            error(
                500,
                "server.internal_error",
                "Concent failed while handling "
                    + call.method
                    + " "
                    + call.path
                    + ": "
                    + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()));
      }
      status = r.status();
      var headers = ex.getResponseHeaders();
      headers.set(VERSION_HEADER, Integer.toString(MessageCodec.PROTOCOL_VERSION));
      headers.set("Cache-Control", "no-store");
      headers.set("X-Content-Type-Options", "nosniff");
      if (status >= 400 && !drain(ex)) {
        headers.set("Connection", "close"); // the rest of the body is not read
      }
      switch (r) {
        case Reply.Bytes b -> {
          if (b.contentType() != null) {
            headers.set("Content-Type", b.contentType());
          }
          boolean noBody = status == 204 || b.body().length == 0;
          ex.sendResponseHeaders(status, noBody ? -1 : b.body().length);
          if (!noBody) {
            try (OutputStream out = ex.getResponseBody()) {
              out.write(b.body());
            }
          }
        }
        case Reply.File f -> {
          try {
            headers.set("Content-Type", f.contentType());
            ex.sendResponseHeaders(status, Files.size(f.file()));
            try (OutputStream out = ex.getResponseBody()) {
              Files.copy(f.file(), out);
            }
          } finally {
            f.done().run();
          }
        }
      }
    } catch (IOException e) {
      log.debug("could not answer {} {}: {}", call.method, call.path, e.toString());
    } finally {
      ex.close();
      log.trace("{} {} -> {}", call.method, call.pathAndQuery, status);
    }
  }

  /**
   * Reads what is left of a refused request's body, up to {@link #DRAIN_LIMIT}, so that a client
   * still sending (an upload refused at its headers) reads the answer rather than a reset; false if
   * more is left (the connection is then closed).
   */
  private static boolean drain(HttpExchange ex) {
    String declared = ex.getRequestHeaders().getFirst("Content-Length");
    try {
      if (declared != null && Long.parseLong(declared.strip()) > DRAIN_LIMIT) {
        return false;
      }
    } catch (NumberFormatException e) {
      return false;
    }
    byte[] buf = new byte[8192];
    long total = 0;
    try {
      var in = ex.getRequestBody();
      int n;
      while ((n = in.read(buf)) >= 0) {
        total += n;
        if (total > DRAIN_LIMIT) {
          return false;
        }
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static final long DRAIN_LIMIT = 16L << 20;

  /** Golem answered 404 to a client of another protocol version; so does this server. */
  private static void checkVersion(Call call) throws Refusal {
    String v = call.header(VERSION_HEADER);
    if (v == null) {
      return;
    }
    String major = v.strip().split("\\.", 2)[0];
    if (!major.equals(Integer.toString(MessageCodec.PROTOCOL_VERSION))) {
      throw new Refusal(
          404,
          "protocol.unsupported_version",
          "this Concent speaks protocol version "
              + MessageCodec.PROTOCOL_VERSION
              + ", the request names "
              + v.strip());
    }
  }

  static Reply error(int status, String code, String message) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("error", message);
    body.put("code", code);
    return Reply.json(status, body);
  }
}
