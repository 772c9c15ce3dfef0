package org.jgolem.protocol.messages.concent;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Objects;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.market.Rules;

/**
 * Concent's answer to a receive request: the messages addressed to {@code recipient} that it has
 * not acknowledged yet, oldest first. {@code messages[i]} is a signed frame (Concent's own, or a
 * party's, relayed unchanged) and {@code deliveryIds[i]} the id the recipient acknowledges it by. A
 * message is delivered again until it is acknowledged.
 */
@JsonPropertyOrder({"recipient", "deliveryIds", "messages"})
public record ConcentDelivery(Address recipient, List<byte[]> deliveryIds, List<byte[]> messages)
    implements Payload {
  @Override
  public MessageType type() {
    return MessageType.CONCENT_DELIVERY;
  }

  @Override
  public void validate() {
    Rules.address("recipient", recipient);
    Frames.frames("messages", messages, 0, Frames.MAX_ITEMS);
    if (deliveryIds == null || deliveryIds.size() != messages.size()) {
      throw InvalidMessageException.invalid("deliveryIds", "must pair one to one with messages");
    }
    for (int i = 0; i < deliveryIds.size(); i++) {
      byte[] id = deliveryIds.get(i);
      if (id == null || id.length != Envelope.MESSAGE_ID_LENGTH) {
        throw InvalidMessageException.invalid("deliveryIds[" + i + "]", "must have 16 bytes");
      }
    }
  }

  @Override
  public List<byte[]> deliveryIds() {
    return Frames.copy(deliveryIds);
  }

  @Override
  public List<byte[]> messages() {
    return Frames.copy(messages);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConcentDelivery d
        && Objects.equals(recipient, d.recipient)
        && Frames.equal(deliveryIds, d.deliveryIds)
        && Frames.equal(messages, d.messages);
  }

  @Override
  public int hashCode() {
    return Frames.hash(deliveryIds);
  }

  @Override
  public String toString() {
    return "ConcentDelivery[" + (messages == null ? 0 : messages.size()) + " to " + recipient + "]";
  }
}
