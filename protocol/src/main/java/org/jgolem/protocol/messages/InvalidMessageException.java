package org.jgolem.protocol.messages;

/** A message that is refused, with the reason and what exactly was wrong. */
public final class InvalidMessageException extends RuntimeException {
  public enum Reason {
    MALFORMED,
    TOO_LARGE,
    UNSUPPORTED_VERSION,
    UNKNOWN_TYPE,
    BAD_SIGNATURE,
    SENDER_MISMATCH,
    EXPIRED,
    FROM_THE_FUTURE,
    REPLAYED,
    /** This node cannot judge the message now (its replay cache is full): not the peer's fault. */
    OVERLOADED,
    INVALID_PAYLOAD
  }

  private final Reason reason;

  public InvalidMessageException(Reason reason, String message) {
    super(reason + ": " + message);
    this.reason = reason;
  }

  public InvalidMessageException(Reason reason, String message, Throwable cause) {
    super(reason + ": " + message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  /** For payload validation: the field and the rule it broke. */
  public static InvalidMessageException invalid(String field, String rule) {
    return new InvalidMessageException(Reason.INVALID_PAYLOAD, field + " " + rule);
  }
}
