package org.jgolem.protocol.messages.p2p;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;

/** Kademlia lookup step: asks for the nodes the receiver knows closest to {@code target}. */
@JsonPropertyOrder({"target"})
public record FindNode(Address target) implements Payload {
  @Override
  public MessageType type() {
    return MessageType.FIND_NODE;
  }

  @Override
  public void validate() {
    if (target == null) {
      throw InvalidMessageException.invalid("target", "is missing");
    }
  }
}
