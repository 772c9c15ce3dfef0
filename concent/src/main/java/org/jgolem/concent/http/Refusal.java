package org.jgolem.concent.http;

/**
 * A request the server refuses: the HTTP status, a stable machine-readable {@code code} and a
 * message a person can read. Answered as JSON {@code {"error": message, "code": code}}; the codes
 * are listed in docs/CONCENT-API.md.
 */
public final class Refusal extends Exception {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;

  public Refusal(int status, String code, String message) {
    super(message, null, false, false); // an expected outcome: no stack trace to fill
    this.status = status;
    this.code = code;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  static Refusal badRequest(String code, String message) {
    return new Refusal(400, code, message);
  }

  static Refusal unauthorized(String code, String message) {
    return new Refusal(401, code, message);
  }
}
