package org.jgolem.concent.service;

import java.util.Objects;
import org.jgolem.protocol.messages.concent.ServiceRefused;

/**
 * A handler refuses a request; the dispatcher answers with a signed ServiceRefused. Thrown inside a
 * store transaction, it rolls the transaction back: a refused request stores nothing.
 */
final class RefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ServiceRefused.Reason reason;
  private final byte[] subtaskId;

  RefusedException(ServiceRefused.Reason reason, byte[] subtaskId, String detail) {
    super(detail);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.subtaskId = subtaskId == null ? null : subtaskId.clone();
  }

  ServiceRefused.Reason reason() {
    return reason;
  }

  /** The subtask refused, or null if none is known. */
  byte[] subtaskId() {
    return subtaskId == null ? null : subtaskId.clone();
  }
}
