package org.jgolem.it.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jgolem.protocol.hashing.Keccak;

/**
 * A JSON-RPC gate between a process under test and the chain: every request is passed on to the
 * upstream node and its answer returned, except the first {@code eth_sendRawTransaction} of a
 * transaction the gate has not seen before, once the test has {@linkplain #hold armed} it. That one
 * is held — before it reaches the chain, or after the chain took it but before the sender hears so
 * — until the test {@linkplain #release() releases} it, so a test can kill the sender at that exact
 * point of its work without a hook in the sender's code. A transaction sent again (the same bytes)
 * always passes, and is counted ({@link #sends}).
 */
public final class RpcGate implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where an armed gate holds the next new transaction. */
  public enum Hold {
    /** Before the chain sees it: the sender has signed (and stored) it, nothing is broadcast. */
    BEFORE_THE_CHAIN,
    /** After the chain took it (mined at once on an automining anvil), before the sender knows. */
    AFTER_THE_CHAIN
  }

  /** The transaction held: its hash and the chain's answer ({@code null} before the chain). */
  public record Held(String hash, String chainAnswer) {}

  private final URI upstream;
  private final HttpServer server;
  private final ExecutorService threads;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final Map<String, Integer> sends = new HashMap<>();
  private Hold armed;
  private CompletableFuture<Held> held;
  private CountDownLatch release = new CountDownLatch(0);

  private RpcGate(URI upstream) throws IOException {
    this.upstream = upstream;
    this.threads =
        Executors.newCachedThreadPool(r -> {
          Thread t = new Thread(r, "rpc-gate");
          t.setDaemon(true);
          return t;
        });
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(threads);
    server.createContext("/", this::handle);
    server.start();
  }

  /** A gate in front of the JSON-RPC node at {@code upstream}, passing everything. */
  public static RpcGate in(String upstream) {
    try {
      return new RpcGate(URI.create(upstream));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the RPC gate", e);
    }
  }

  /** The URL the process under test is given as its chain's. */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /**
   * Arms the gate: the next transaction it has not seen is held at {@code where}; the future
   * completes once it is held there.
   */
  public synchronized CompletableFuture<Held> hold(Hold where) {
    if (armed != null) {
      throw new IllegalStateException("the gate is already armed: " + armed);
    }
    armed = where;
    held = new CompletableFuture<>();
    release = new CountDownLatch(1);
    return held;
  }

  /**
   * Lets the held request go (its sender is gone by then): a request held before the chain is
   * answered with an error and never passed on.
   */
  public synchronized void release() {
    release.countDown();
  }

  /** How many times the transaction {@code hash} was sent through the gate. */
  public synchronized int sends(String hash) {
    return sends.getOrDefault(hash.toLowerCase(Locale.ROOT), 0);
  }

  /** A JSON-RPC call straight to the upstream node (anvil's test methods); its result. */
  public JsonNode rpc(String method, List<?> params) {
    try {
      String body =
          JSON.writeValueAsString(
              Map.of("jsonrpc", "2.0", "id", 1, "method", method, "params", params));
      JsonNode r = JSON.readTree(forward(body.getBytes(StandardCharsets.UTF_8)).body());
      if (r.has("error")) {
        throw new IllegalStateException(method + ": " + r.get("error"));
      }
      return r.get("result");
    } catch (IOException e) {
      throw new UncheckedIOException(method, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      Hold where = null;
      CompletableFuture<Held> signal = null;
      CountDownLatch wait = null;
      String hash = rawTransactionHash(body);
      if (hash != null) {
        synchronized (this) {
          int n = sends.merge(hash, 1, Integer::sum);
          if (n == 1 && armed != null) {
            where = armed;
            signal = held;
            wait = release;
            armed = null;
          }
        }
      }
      if (where == Hold.BEFORE_THE_CHAIN) {
        signal.complete(new Held(hash, null));
        await(wait);
        reply(
            exchange,
            503,
            "{\"error\":\"held by the test's RPC gate\"}".getBytes(StandardCharsets.UTF_8));
        return;
      }
      HttpResponse<byte[]> answer;
      try {
        answer = forward(body);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (where == Hold.AFTER_THE_CHAIN) {
        signal.complete(new Held(hash, new String(answer.body(), StandardCharsets.UTF_8)));
        await(wait);
      }
      reply(exchange, answer.statusCode(), answer.body());
    } catch (IOException | RuntimeException e) {
      // The sender died while its request was held: nobody to answer.
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(5, TimeUnit.MINUTES)) {
        throw new IllegalStateException("the RPC gate was never released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private HttpResponse<byte[]> forward(byte[] body) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(upstream)
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static void reply(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  /** The hash of the transaction an {@code eth_sendRawTransaction} request carries, or null. */
  private static String rawTransactionHash(byte[] body) {
    JsonNode request;
    try {
      request = JSON.readTree(body);
    } catch (IOException e) {
      return null;
    }
    if (request == null
        || !request.isObject()
        || !"eth_sendRawTransaction".equals(request.path("method").asText())) {
      return null;
    }
    String raw = request.path("params").path(0).asText();
    byte[] bytes = HexFormat.of().parseHex(raw.startsWith("0x") ? raw.substring(2) : raw);
    return "0x" + HexFormat.of().formatHex(Keccak.keccak256(bytes));
  }

  @Override
  public void close() {
    release();
    server.stop(0);
    threads.shutdownNow();
    http.close();
  }
}
