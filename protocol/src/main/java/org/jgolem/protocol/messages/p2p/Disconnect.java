package org.jgolem.protocol.messages.p2p;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;

/** Sent before closing a session, saying why. */
@JsonPropertyOrder({"reason"})
public record Disconnect(Reason reason) implements Payload {
  public enum Reason {
    REQUESTED,
    SHUTTING_DOWN,
    TOO_MANY_PEERS,
    DUPLICATE_CONNECTION,
    PROTOCOL_ERROR,
    BANNED,
    UNEXPECTED_IDENTITY,
    INCOMPATIBLE_VERSION,
    TIMEOUT,
    RATE_LIMITED,
    /** The connection dropped without a Disconnect (reported locally, never sent). */
    CONNECTION_LOST
  }

  @Override
  public MessageType type() {
    return MessageType.DISCONNECT;
  }

  @Override
  public void validate() {
    if (reason == null) {
      throw InvalidMessageException.invalid("reason", "is missing or unknown");
    }
  }
}
