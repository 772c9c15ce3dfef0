package org.jgolem.node.api;

import java.util.List;

/**
 * A refused API call: an HTTP status, a short code, a message naming what is wrong, and optional
 * details.
 */
public final class ApiException extends Exception {
  private final int status;
  private final String code;
  private final List<String> details;

  public ApiException(int status, String code, String message, List<String> details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = List.copyOf(details);
  }

  public static ApiException notFound(String what) {
    return new ApiException(404, "not_found", what + " not found", List.of());
  }

  public static ApiException badRequest(String message, List<String> details) {
    return new ApiException(400, "bad_request", message, details);
  }

  public static ApiException conflict(String message) {
    return new ApiException(409, "conflict", message, List.of());
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public List<String> details() {
    return details;
  }
}
