package org.jgolem.protocol.messages.p2p;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;

/** Answer to {@link FindNode}: at most {@link #MAX_NODES} nodes closest to the target. */
@JsonPropertyOrder({"target", "nodes"})
public record Neighbours(Address target, List<NodeRecord> nodes) implements Payload {
  /** Kademlia's k. */
  public static final int MAX_NODES = 16;

  @Override
  public MessageType type() {
    return MessageType.NEIGHBOURS;
  }

  @Override
  public void validate() {
    if (target == null) {
      throw InvalidMessageException.invalid("target", "is missing");
    }
    if (nodes == null || nodes.size() > MAX_NODES) {
      throw InvalidMessageException.invalid("nodes", "must list at most " + MAX_NODES);
    }
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i) == null) {
        throw InvalidMessageException.invalid("nodes[" + i + "]", "is null");
      }
      nodes.get(i).validate("nodes[" + i + "]");
    }
  }
}
