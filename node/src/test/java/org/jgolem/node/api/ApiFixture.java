package org.jgolem.node.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real ApiServer on 127.0.0.1 (ephemeral port) over a {@link FakeNodeService}, and a raw HTTP
 * client for it.
 */
public final class ApiFixture implements AutoCloseable {
  public static final ObjectMapper JSON = new ObjectMapper();

  public final FakeNodeService service = new FakeNodeService();
  public final Path dataDir;
  public final ApiServer server;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  public ApiFixture(Path dataDir) throws IOException {
    this(dataDir, ApiConfig.defaults(dataDir).withPort(0));
  }

  public ApiFixture(Path dataDir, ApiConfig config) throws IOException {
    this.dataDir = dataDir;
    this.server = ApiServer.start(service, config);
  }

  public String token() {
    return server.token().value();
  }

  public Reply get(String path) {
    return send("GET", path, null, "Bearer " + token());
  }

  public Reply send(String method, String path, String body) {
    return send(method, path, body, "Bearer " + token());
  }

  /** {@code authorization} null sends no Authorization header. */
  public Reply send(String method, String path, String body, String authorization) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(server.uri() + path))
            .timeout(Duration.ofSeconds(10))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return send(b.build());
  }

  public Reply send(HttpRequest request) {
    try {
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.body(), r.headers());
    } catch (IOException e) {
      throw new AssertionError("request " + request.method() + " " + request.uri() + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    server.close();
  }

  public record Reply(int status, String body, HttpHeaders headers) {
    public JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON (HTTP " + status + "): " + body, e);
      }
    }

    /** The "error" code of a JSON error body. */
    public String error() {
      return json().path("error").asText();
    }

    public String message() {
      return json().path("message").asText();
    }
  }
}
