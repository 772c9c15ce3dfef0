package org.jgolem.node.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The REST API seen from the CLI: one method per call shape, answers as JSON trees (printed as they
 * are with {@code --json}, or read into the API's records for tables). Every failure becomes a
 * {@link CliException} that says what went wrong and what to check.
 */
final class ApiClient {
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  static final ObjectMapper JSON =
      JsonMapper.builder()
          .disable(
              DeserializationFeature
                  .FAIL_ON_UNKNOWN_PROPERTIES) // a newer node may send more fields
          .build();

  private final URI base;
  private final String apiSource;
  private final String token;
  private final Path tokenFile;
  private final HttpClient http;

  /**
   * @param base e.g. {@code http://127.0.0.1:61000}
   * @param apiSource where {@code base} came from, for messages ("--api", "JGOLEM_API", a file...)
   */
  ApiClient(URI base, String apiSource, String token, Path tokenFile) {
    this.base = base;
    this.apiSource = apiSource;
    this.token = token;
    this.tokenFile = tokenFile;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  static String segment(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  JsonNode get(String path) {
    return send("GET", path, null);
  }

  JsonNode post(String path, Object body) {
    return send("POST", path, body);
  }

  JsonNode put(String path, Object body) {
    return send("PUT", path, body);
  }

  /** Reads a JSON answer into one of the API's types. */
  static <T> T read(JsonNode node, Class<T> type) {
    return read(node, JSON.constructType(type));
  }

  static <T> List<T> readList(JsonNode node, Class<T> element) {
    return read(node, JSON.getTypeFactory().constructCollectionType(List.class, element));
  }

  private static <T> T read(JsonNode node, JavaType type) {
    try {
      return JSON.treeToValue(node, type);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new CliException(
          "the node's answer does not have the expected shape ("
              + type.getTypeName()
              + "): "
              + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
    }
  }

  private JsonNode send(String method, String path, Object body) {
    URI uri = URI.create(base.toString().replaceAll("/+$", "") + path);
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(REQUEST_TIMEOUT)
            .header("Authorization", "Bearer " + token)
            .header("Accept", "application/json");
    try {
      if (body == null) {
        b.method(method, HttpRequest.BodyPublishers.noBody());
      } else {
        b.header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
      }
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode the request body", e);
    }
    HttpResponse<byte[]> response;
    try {
      response = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (ConnectException e) {
      throw new CliException(
          "cannot reach the node's API at "
              + base
              + " (from "
              + apiSource
              + "): connection refused."
              + " Is the node running? Start it with 'golem node start', or point --api or JGOLEM_API at it.");
    } catch (HttpTimeoutException e) {
      throw new CliException(
          "the node's API at "
              + base
              + " did not answer "
              + method
              + " "
              + path
              + " within "
              + REQUEST_TIMEOUT.toSeconds()
              + " s");
    } catch (IOException e) {
      // the connection broke before an answer: the node stopped (or restarted) while the request
      // was on its way
      throw new CliException(
          "cannot reach the node's API at "
              + base
              + " (from "
              + apiSource
              + "): the connection ended "
              + "without an answer to "
              + method
              + " "
              + path
              + " ("
              + (e.getMessage() == null ? e.toString() : e.getMessage())
              + "). Is the node still running?",
          List.of(),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(
          "interrupted while waiting for the node's API (" + method + " " + path + ")");
    }
    int status = response.statusCode();
    JsonNode json;
    try {
      json = response.body().length == 0 ? JSON.nullNode() : JSON.readTree(response.body());
    } catch (IOException e) {
      String text = new String(response.body(), StandardCharsets.UTF_8);
      throw new CliException(
          "the server at "
              + base
              + " answered "
              + method
              + " "
              + path
              + " with HTTP "
              + status
              + " and a body that is not JSON (is it a jgolem node?): "
              + (text.length() > 200 ? text.substring(0, 200) + "..." : text));
    }
    if (status >= 200 && status < 300) {
      return json;
    }
    throw refusal(method, path, status, json);
  }

  private CliException refusal(String method, String path, int status, JsonNode json) {
    String code = json.path("error").asText("");
    String message = json.path("message").asText("");
    if (message.isEmpty()) {
      message = "the node refused " + method + " " + path;
    }
    List<String> details = new ArrayList<>();
    json.path("details").forEach(d -> details.add(d.asText()));
    if (status == 401) {
      details.add(
          "the token was read from "
              + tokenFile
              + ": is that this node's data folder? (see --data-dir,"
              + " JGOLEM_DATA, --token-file)");
    }
    return new CliException(
        message + " (HTTP " + status + (code.isEmpty() ? "" : " " + code) + ")", details, null);
  }
}
