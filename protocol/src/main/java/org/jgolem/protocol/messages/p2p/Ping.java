package org.jgolem.protocol.messages.p2p;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;

/** Keep-alive probe; answered by a {@link Pong} with the same nonce. */
@JsonPropertyOrder({"nonce"})
public record Ping(long nonce) implements Payload {
  @Override
  public MessageType type() {
    return MessageType.PING;
  }

  @Override
  public void validate() {}
}
