package org.jgolem.node.api;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** One request being handled: its path parameters and its (size-limited) body. */
final class ApiCall {
  private final HttpExchange ex;
  private final Map<String, String> params;
  private final ObjectMapper json;
  private final int maxBodyBytes;

  ApiCall(HttpExchange ex, Map<String, String> params, ObjectMapper json, int maxBodyBytes) {
    this.ex = ex;
    this.params = params;
    this.json = json;
    this.maxBodyBytes = maxBodyBytes;
  }

  String param(String name) {
    return params.get(name);
  }

  /**
   * The body, refused with 413 past {@code api.maxBodyBytes} (before reading, if Content-Length
   * says so).
   */
  byte[] body() throws ApiException, IOException {
    int max = maxBodyBytes;
    String declared = ex.getRequestHeaders().getFirst("Content-Length");
    if (declared != null) {
      long length;
      try {
        length = Long.parseLong(declared.strip());
      } catch (NumberFormatException e) {
        throw ApiException.badRequest(
            "malformed Content-Length header '" + declared + "'", List.of());
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
    return new ApiException(
        413,
        "payload_too_large",
        "the request body is too large: at most " + max + " bytes are accepted, got " + got,
        List.of());
  }

  /** The body as a JSON object whose fields are all in {@code fields}. */
  ObjectNode jsonObject(String example, Set<String> fields) throws ApiException, IOException {
    String type = ex.getRequestHeaders().getFirst("Content-Type");
    if (type != null && !type.toLowerCase(Locale.ROOT).strip().startsWith(ApiServer.JSON_TYPE)) {
      throw new ApiException(
          415,
          "unsupported_media_type",
          "the request body must be JSON (Content-Type: "
              + ApiServer.JSON_TYPE
              + "), got Content-Type '"
              + type
              + "'",
          List.of());
    }
    byte[] bytes = body();
    if (bytes.length == 0) {
      throw ApiException.badRequest(
          "the request body is empty; expected a JSON object like " + example, List.of());
    }
    JsonNode node;
    try {
      node = json.readTree(bytes);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      List<String> where =
          at == null
              ? List.of()
              : List.of("at line " + at.getLineNr() + ", column " + at.getColumnNr());
      throw ApiException.badRequest(
          "malformed JSON in the request body: " + e.getOriginalMessage(), where);
    }
    if (node == null || !node.isObject()) {
      throw ApiException.badRequest(
          "the request body must be a JSON object like "
              + example
              + ", got "
              + (node == null ? "nothing" : node.getNodeType().name().toLowerCase(Locale.ROOT)),
          List.of());
    }
    List<String> unknown = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!fields.contains(f)) {
        unknown.add("unknown field \"" + f + "\"");
      }
    }
    if (!unknown.isEmpty()) {
      throw ApiException.badRequest(
          "the request body has fields this route does not take; expected only "
              + String.join(", ", new TreeSet<>(fields)),
          unknown);
    }
    return (ObjectNode) node;
  }

  /** For action routes: no body, or an empty JSON object. */
  void noBody() throws ApiException, IOException {
    byte[] bytes = body();
    String text = new String(bytes, StandardCharsets.UTF_8).strip();
    if (!text.isEmpty() && !text.replaceAll("\\s", "").equals("{}")) {
      throw ApiException.badRequest(
          ex.getRequestMethod()
              + " "
              + ex.getRequestURI().getRawPath()
              + " takes no request body (or an empty JSON object)",
          List.of());
    }
  }
}
