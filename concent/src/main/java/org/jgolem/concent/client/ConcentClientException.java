package org.jgolem.concent.client;

import java.io.IOException;

/**
 * A request to Concent that failed: refused by the server ({@link #status} and {@link #code} as in
 * docs/CONCENT-API.md, the message its reason), not answered ({@code status} 0, code {@code
 * client.transport}), or answered with something the client cannot trust ({@code
 * client.bad_reply}).
 */
public final class ConcentClientException extends IOException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;

  public ConcentClientException(int status, String code, String message) {
    super(message);
    this.status = status;
    this.code = code;
  }

  public ConcentClientException(int status, String code, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.code = code;
  }

  /** The HTTP status; 0 if there was no answer. */
  public int status() {
    return status;
  }

  /** The server's error code (e.g. {@code auth.replayed}), or one of the client's. */
  public String code() {
    return code;
  }

  @Override
  public String getMessage() {
    return (status == 0 ? "" : "HTTP " + status + " ") + code + ": " + super.getMessage();
  }
}
