package org.jgolem.concent.service;

/** A case was changed by another transaction since it was read; retry with a fresh read. */
public final class StaleCaseException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StaleCaseException(String message) {
    super(message);
  }
}
