package org.jgolem.concent.store;

/** Concent's database failed: the message says what was being done and the database's reason. */
public final class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
