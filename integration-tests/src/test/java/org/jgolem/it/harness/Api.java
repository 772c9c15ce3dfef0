package org.jgolem.it.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A node's REST API (docs/API.md), as an operator's script would use it: the token and address
 * files of its data folder.
 */
public final class Api {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final URI base;
  private final String token;

  /** An answer: its status and JSON body, read as a task or as an error. */
  public record Response(int status, JsonNode body) {
    public JsonNode ok() {
      if (status / 100 != 2) throw new AssertionError("HTTP " + status + ": " + body);
      return body;
    }

    /** The task a 2xx answer carries (created, aborted, restarted). */
    public Views.TaskView task() {
      return Views.TaskView.of(ok());
    }

    public Views.ApiError error() {
      if (status / 100 == 2)
        throw new AssertionError("expected an error, got HTTP " + status + ": " + body);
      return Views.ApiError.of(body);
    }
  }

  private Api(URI base, String token) {
    this.base = base;
    this.token = token;
  }

  /**
   * The API of the node whose data folder is {@code dataDir} (its {@code api-address} and {@code
   * api-token}).
   */
  public static Api of(Path dataDir) throws IOException {
    String address = Files.readString(dataDir.resolve("api-address")).trim();
    String token = Files.readString(dataDir.resolve("api-token")).trim();
    return new Api(URI.create(address), token);
  }

  public URI base() {
    return base;
  }

  public JsonNode get(String path) {
    return send("GET", path, null).ok();
  }

  public Response post(String path, Object body) {
    return send("POST", path, body);
  }

  public Response send(String method, String path, Object body) {
    try {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(base.resolve(path))
              .timeout(Duration.ofSeconds(30))
              .header("Authorization", "Bearer " + token);
      if (body == null) {
        b.method(method, HttpRequest.BodyPublishers.noBody());
      } else {
        b.header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
      }
      HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(
          r.statusCode(), r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body()));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(method + " " + base.resolve(path) + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** {@code POST /v1/tasks} with the task file's absolute path. */
  public Response createTask(Path taskFile) {
    return post("/v1/tasks", Map.of("file", taskFile.toAbsolutePath().toString()));
  }

  /** {@code POST /v1/tasks/{id}/abort}. */
  public Response abort(String id) {
    return post("/v1/tasks/" + id + "/abort", null);
  }

  /** {@code POST /v1/tasks/{id}/restart}. */
  public Response restart(String id) {
    return post("/v1/tasks/" + id + "/restart", null);
  }

  public Views.TaskView task(String id) {
    return Views.TaskView.of(get("/v1/tasks/" + id));
  }

  public List<Views.TaskView> tasks() {
    return Views.list(get("/v1/tasks"), Views.TaskView::of);
  }

  public List<Views.SubtaskView> subtasks(String id) {
    return Views.list(get("/v1/tasks/" + id + "/subtasks"), Views.SubtaskView::of);
  }

  /**
   * Every assignment of task {@code id}, whatever became of it: by subtask, each one's oldest
   * first.
   */
  public List<Views.Assignment> assignments(String id) {
    return Views.list(get("/v1/tasks/" + id + "/assignments"), Views.Assignment::of);
  }

  /** The node's rankings of the providers it gave work to and the requestors it worked for. */
  public List<Views.Ranking> reputation() {
    return Views.list(get("/v1/reputation"), Views.Ranking::of);
  }

  /** The subtasks the node holds as a provider. */
  public List<Views.Job> providerJobs() {
    return Views.list(get("/v1/provider/jobs"), Views.Job::of);
  }

  /** The whole payment ledger, every task's. */
  public List<Views.Payment> payments() {
    return Views.list(get("/v1/payments"), Views.Payment::of);
  }

  public List<Views.Income> incomes() {
    return Views.list(get("/v1/incomes"), Views.Income::of);
  }

  public Views.NodeStatus status() {
    return Views.NodeStatus.of(get("/v1/status"));
  }
}
