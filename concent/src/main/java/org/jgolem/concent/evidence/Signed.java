package org.jgolem.concent.evidence;

import java.util.Objects;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.Payload;

/**
 * One opened, signature-checked frame of evidence: the envelope, its payload as {@code T}, and the
 * exact bytes it came from (which Concent stores and relays unchanged).
 */
public final class Signed<T extends Payload> {
  private final Envelope envelope;
  private final T payload;
  private final byte[] frame;

  public Signed(Envelope envelope, T payload, byte[] frame) {
    this.envelope = Objects.requireNonNull(envelope, "envelope");
    this.payload = Objects.requireNonNull(payload, "payload");
    this.frame = frame.clone();
  }

  public Envelope envelope() {
    return envelope;
  }

  public T payload() {
    return payload;
  }

  /** The frame's bytes, as received. */
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
