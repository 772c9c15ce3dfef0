package org.jgolem.node.concent;

import java.util.Objects;
import org.jgolem.protocol.messages.Envelope;

/**
 * A message from Concent (its own, or a party's it relays unchanged), decoded and its signature
 * checked, with the exact frame it came in (evidence: Concent's verdict is cited in later cases).
 */
public record ConcentMessage(Envelope envelope, byte[] frame) {
  public ConcentMessage {
    Objects.requireNonNull(envelope, "envelope");
    frame = frame.clone();
  }

  @Override
  public byte[] frame() {
    return frame.clone();
  }
}
