package org.jgolem.node.state;

/** A failure of the node's local database, with the reason. */
public final class StateException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public enum Reason {
    /** The database file could not be opened or created. */
    OPEN_FAILED,
    /** A migration failed; its transaction was rolled back. */
    MIGRATION_FAILED,
    /** The database was written by a newer node version than this one knows. */
    NEWER_SCHEMA,
    /** A query or update failed. */
    QUERY_FAILED,
    /** The database is closed. */
    CLOSED
  }

  private final Reason reason;

  public StateException(Reason reason, String message, Throwable cause) {
    super(reason + ": " + message, cause);
    this.reason = reason;
  }

  public StateException(Reason reason, String message) {
    this(reason, message, null);
  }

  public Reason reason() {
    return reason;
  }
}
