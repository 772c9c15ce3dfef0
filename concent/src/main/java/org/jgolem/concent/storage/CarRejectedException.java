package org.jgolem.concent.storage;

/**
 * An uploaded CAR that is not the complete, intact DAG expected; the message says what is wrong.
 */
public final class CarRejectedException extends Exception {
  private static final long serialVersionUID = 1L;

  public CarRejectedException(String message) {
    super(message);
  }

  public CarRejectedException(String message, Throwable cause) {
    super(message, cause);
  }
}
