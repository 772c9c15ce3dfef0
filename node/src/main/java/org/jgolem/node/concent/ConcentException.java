package org.jgolem.node.concent;

/** Concent could not be reached, or answered with an error (the message says which). */
public final class ConcentException extends Exception {
  private static final long serialVersionUID = 1L;

  public ConcentException(String message) {
    super(message);
  }

  public ConcentException(String message, Throwable cause) {
    super(message, cause);
  }
}
