package org.jgolem.concent.evidence;

import java.util.Objects;
import org.jgolem.protocol.messages.concent.ServiceRefused;

/**
 * A request or its evidence is refused: {@link #reason()} is the ServiceRefused reason Concent
 * answers with ({@code INVALID_EVIDENCE} for a forged or mismatched frame, {@code INVALID_REQUEST}
 * for a request from the wrong party), and the message names what exactly is wrong.
 */
public final class EvidenceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ServiceRefused.Reason reason;

  public EvidenceException(ServiceRefused.Reason reason, String detail) {
    super(detail);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** Forged or mismatched evidence. */
  public static EvidenceException invalid(String detail) {
    return new EvidenceException(ServiceRefused.Reason.INVALID_EVIDENCE, detail);
  }

  public ServiceRefused.Reason reason() {
    return reason;
  }
}
