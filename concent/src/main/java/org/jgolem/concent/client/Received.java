package org.jgolem.concent.client;

import java.util.ArrayList;
import java.util.List;
import org.jgolem.protocol.messages.Envelope;

/**
 * What one receive brought: the messages addressed to this node, oldest first, each verified, with
 * the id to acknowledge it by; and those that did not verify (with their ids, so they can be
 * acknowledged and not delivered forever, and why).
 */
public record Received(List<Delivered> messages, List<Undecodable> undecodable) {
  public record Delivered(byte[] deliveryId, Envelope message) {}

  public record Undecodable(byte[] deliveryId, String reason) {}

  public static Received none() {
    return new Received(List.of(), List.of());
  }

  public boolean isEmpty() {
    return messages.isEmpty() && undecodable.isEmpty();
  }

  /** Every delivery id, to acknowledge all of it at the next receive. */
  public List<byte[]> allIds() {
    List<byte[]> ids = new ArrayList<>();
    messages.forEach(m -> ids.add(m.deliveryId()));
    undecodable.forEach(u -> ids.add(u.deliveryId()));
    return ids;
  }

  public List<Envelope> envelopes() {
    return messages.stream().map(Delivered::message).toList();
  }
}
