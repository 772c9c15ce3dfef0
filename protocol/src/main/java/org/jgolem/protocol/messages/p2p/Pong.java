package org.jgolem.protocol.messages.p2p;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;

/** Answer to a {@link Ping}. */
@JsonPropertyOrder({"nonce"})
public record Pong(long nonce) implements Payload {
  @Override
  public MessageType type() {
    return MessageType.PONG;
  }

  @Override
  public void validate() {}
}
