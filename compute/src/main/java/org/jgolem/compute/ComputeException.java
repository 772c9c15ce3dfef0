package org.jgolem.compute;

import java.util.Objects;

/**
 * A failure with its typed {@link FailureReason}; environments throw it internally and report it in
 * results.
 */
public class ComputeException extends Exception {
  private final FailureReason reason;

  public ComputeException(FailureReason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public ComputeException(FailureReason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public FailureReason reason() {
    return reason;
  }

  @Override
  public String toString() {
    return reason + ": " + getMessage();
  }
}
