package org.jgolem.protocol.messages;

/**
 * The body of a message. Implementations are immutable records whose fields are encoded as CBOR in
 * a fixed order; {@link #validate()} states the message's rules and is run on every decode.
 */
public interface Payload {
  MessageType type();

  /**
   * Throws {@link InvalidMessageException} with reason INVALID_PAYLOAD naming the field at fault.
   */
  void validate();
}
