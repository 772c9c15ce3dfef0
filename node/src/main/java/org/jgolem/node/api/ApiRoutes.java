package org.jgolem.node.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The REST API's routes, by resource (listed in {@code docs/API.md}), and how a path is matched to
 * one.
 */
final class ApiRoutes {
  private static final String CREATE_EXAMPLE = "{\"file\": \"/absolute/path/task.json\"}";
  private static final String SETTING_EXAMPLE = "{\"value\": \"...\"}";
  private static final String DEPOSIT_EXAMPLE = "{\"amount\": \"10000000000000000000\"}";

  private ApiRoutes() {}

  /**
   * Every route of the API, by resource: tasks, the node and its dealings, settings, the Concent
   * deposit.
   */
  static List<Route> of(NodeService service) {
    List<Route> all = new ArrayList<>(tasks(service));
    all.addAll(node(service));
    all.addAll(settings(service));
    all.addAll(concent(service));
    return List.copyOf(all);
  }

  /** The requestor's tasks and their subtasks. */
  static List<Route> tasks(NodeService service) {
    return List.of(
        new Route("POST", "/v1/tasks", c -> createTask(service, c)),
        new Route("GET", "/v1/tasks", c -> ok(service.tasks())),
        new Route("GET", "/v1/tasks/{id}", c -> ok(service.task(c.param("id")))),
        new Route("GET", "/v1/tasks/{id}/subtasks", c -> ok(service.subtasks(c.param("id")))),
        new Route("GET", "/v1/tasks/{id}/assignments", c -> ok(service.assignments(c.param("id")))),
        new Route(
            "POST",
            "/v1/tasks/{id}/restart",
            c -> {
              c.noBody();
              return ok(service.restartTask(c.param("id")));
            }),
        new Route(
            "POST",
            "/v1/tasks/{id}/abort",
            c -> {
              c.noBody();
              return ok(service.abortTask(c.param("id")));
            }),
        new Route(
            "POST",
            "/v1/tasks/{id}/subtasks/{name}/restart",
            c -> {
              c.noBody();
              return ok(service.restartSubtask(c.param("id"), c.param("name")));
            }));
  }

  /**
   * The node itself and its dealings: status, peers, payments, incomes, account, reputation,
   * provider jobs.
   */
  static List<Route> node(NodeService service) {
    return List.of(
        new Route("GET", "/v1/status", c -> ok(service.status())),
        new Route("GET", "/v1/peers", c -> ok(service.peers())),
        new Route("GET", "/v1/payments", c -> ok(service.payments())),
        new Route("GET", "/v1/incomes", c -> ok(service.incomes())),
        new Route("GET", "/v1/account", c -> ok(service.account())),
        new Route("GET", "/v1/reputation", c -> ok(service.reputation())),
        new Route("GET", "/v1/provider/jobs", c -> ok(service.providerJobs())));
  }

  /** The node's settings. */
  static List<Route> settings(NodeService service) {
    return List.of(
        new Route("GET", "/v1/settings", c -> ok(service.settings())),
        new Route("PUT", "/v1/settings/{key}", c -> updateSetting(service, c)));
  }

  /** The node's Concent deposit. */
  static List<Route> concent(NodeService service) {
    return List.of(
        new Route("GET", "/v1/concent/deposit", c -> ok(service.deposit())),
        new Route("POST", "/v1/concent/deposit", c -> addToDeposit(service, c)),
        new Route(
            "POST",
            "/v1/concent/unlock",
            c -> {
              c.noBody();
              return ok(service.unlockDeposit());
            }),
        new Route(
            "POST",
            "/v1/concent/withdraw",
            c -> {
              c.noBody();
              return ok(service.withdrawDeposit());
            }));
  }

  private static Response addToDeposit(NodeService service, ApiCall c)
      throws ApiException, IOException {
    ObjectNode body = c.jsonObject(DEPOSIT_EXAMPLE, Set.of("amount"));
    JsonNode amount = body.get("amount");
    if (amount == null || !amount.isTextual() || !amount.asText().matches("[0-9]{1,78}")) {
      throw ApiException.badRequest(
          "the request body needs \"amount\": the wei to deposit as a decimal string of digits,"
              + " e.g. "
              + DEPOSIT_EXAMPLE
              + " (10 GNT)",
          List.of());
    }
    return ok(service.addToDeposit(amount.asText()));
  }

  private static Response createTask(NodeService service, ApiCall c)
      throws ApiException, IOException {
    ObjectNode body = c.jsonObject(CREATE_EXAMPLE, Set.of("file"));
    JsonNode file = body.get("file");
    if (file == null || !file.isTextual() || file.asText().isBlank()) {
      throw ApiException.badRequest(
          "the request body needs \"file\": the absolute path of a task file on the node's"
              + " machine, as a string, e.g. "
              + CREATE_EXAMPLE,
          List.of());
    }
    Path path;
    try {
      path = Path.of(file.asText());
    } catch (InvalidPathException e) {
      throw ApiException.badRequest("\"file\" is not a valid path: " + e.getMessage(), List.of());
    }
    if (!path.isAbsolute()) {
      throw ApiException.badRequest(
          "\"file\" must be an absolute path (the node does not share the client's working"
              + " folder), got '"
              + file.asText()
              + "'",
          List.of());
    }
    NodeService.TaskSummary task = service.createTask(path);
    Response r = ok(task);
    return new Response(201, r.body(), Map.of("Location", "/v1/tasks/" + encodeSegment(task.id())));
  }

  private static Response updateSetting(NodeService service, ApiCall c)
      throws ApiException, IOException {
    ObjectNode body = c.jsonObject(SETTING_EXAMPLE, Set.of("value"));
    JsonNode value = body.get("value");
    if (value == null || !(value.isTextual() || value.isNumber() || value.isBoolean())) {
      throw ApiException.badRequest(
          "the request body needs \"value\": the new value of setting '"
              + c.param("key")
              + "' as a string (a number or boolean is taken as its text), e.g. "
              + SETTING_EXAMPLE,
          List.of());
    }
    return ok(service.updateSetting(c.param("key"), value.asText()));
  }

  private static Response ok(Object body) {
    if (body == null) {
      throw new IllegalStateException("the node service returned nothing (null)");
    }
    return new Response(200, body, Map.of());
  }

  static List<String> segments(String rawPath) throws ApiException {
    String p = rawPath == null || rawPath.isEmpty() ? "/" : rawPath;
    if (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    List<String> out = new ArrayList<>();
    for (String raw : p.substring(1).split("/", -1)) {
      try {
        out.add(URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest(
            "malformed percent-encoding in the path segment '" + raw + "'", List.of());
      }
    }
    return out;
  }

  static String encodeSegment(String s) {
    return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  static Response error(
      int status, String code, String message, List<String> details, Map<String, String> headers) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", code);
    body.put("message", message);
    body.put("details", details);
    return new Response(status, body, headers);
  }

  record Response(int status, Object body, Map<String, String> headers) {}

  @FunctionalInterface
  interface Handler {
    Response handle(ApiCall call) throws ApiException, IOException;
  }

  record Route(String method, String pattern, Handler handler) {
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
}
