package org.jgolem.concent.evidence;

import java.util.Objects;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.Payload;

/**
 * One opened, signature-checked frame of evidence: the envelope, its payload as {@code T}, and the
 * exact bytes it came from (which Concent stores and relays unchanged).
 */
public record Signed<T extends Payload>(Envelope envelope, T payload, byte[] frame) {
  public Signed {
    Objects.requireNonNull(envelope, "envelope");
    Objects.requireNonNull(payload, "payload");
    frame = frame.clone();
  }

  @Override
  public byte[] frame() {
    return frame.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Signed<?> s && envelope.equals(s.envelope);
  }

  @Override
  public int hashCode() {
    return envelope.hashCode();
  }

  @Override
  public String toString() {
    return "Signed[" + envelope + "]";
  }
}
