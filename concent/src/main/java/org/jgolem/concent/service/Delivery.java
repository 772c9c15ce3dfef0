package org.jgolem.concent.service;

import java.util.Objects;
import org.jgolem.eth.Address;

/** A message queued for a node: {@code frame} is a signed envelope, {@code id} 16 bytes. */
public record Delivery(byte[] id, Address recipient, byte[] frame, long queuedAt) {
  public Delivery {
    Objects.requireNonNull(recipient, "recipient");
    id = id.clone();
    frame = frame.clone();
  }

  @Override
  public byte[] id() {
    return id.clone();
  }

  @Override
  public byte[] frame() {
    return frame.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Delivery d
        && java.util.Arrays.equals(id, d.id)
        && recipient.equals(d.recipient)
        && java.util.Arrays.equals(frame, d.frame)
        && queuedAt == d.queuedAt;
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(id);
  }

  @Override
  public String toString() {
    return "Delivery[" + java.util.HexFormat.of().formatHex(id) + " to " + recipient + "]";
  }
}
