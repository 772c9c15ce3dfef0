package org.jgolem.protocol.messages;

import java.util.Arrays;
import java.util.HexFormat;
import org.jgolem.eth.Address;
import org.jgolem.protocol.identity.Signature;

/**
 * A signed protocol message. Wire layout (big-endian, canonical by construction):
 *
 * <pre>
 * u8  protocol version      u16 message type code      20 bytes sender (node id)
 * u64 timestamp (ms since the epoch)                   16 bytes message id (random)
 * u32 payload length        payload (CBOR, fields in a fixed order)
 * 65 bytes signature (r ‖ s ‖ v) over the EIP-712 digest of all of the above ({@link MessageHasher})
 * </pre>
 */
public record Envelope(
    int protocolVersion,
    MessageType type,
    Address sender,
    long timestamp,
    byte[] messageId,
    byte[] payloadBytes,
    Payload payload,
    Signature signature) {

  public static final int HEADER_LENGTH = 1 + 2 + 20 + 8 + 16 + 4;
  public static final int MESSAGE_ID_LENGTH = 16;

  public Envelope {
    messageId = messageId.clone();
    payloadBytes = payloadBytes.clone();
  }

  @Override
  public byte[] messageId() {
    return messageId.clone();
  }

  @Override
  public byte[] payloadBytes() {
    return payloadBytes.clone();
  }

  public String messageIdHex() {
    return HexFormat.of().formatHex(messageId);
  }

  /** The payload as the given type; throws if it is another type. */
  public <T extends Payload> T payload(Class<T> type) {
    return type.cast(payload);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Envelope e
        && protocolVersion == e.protocolVersion
        && type == e.type
        && sender.equals(e.sender)
        && timestamp == e.timestamp
        && Arrays.equals(messageId, e.messageId)
        && Arrays.equals(payloadBytes, e.payloadBytes)
        && signature.equals(e.signature);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(messageId) * 31 + sender.hashCode();
  }

  @Override
  public String toString() {
    return type
        + "[from "
        + sender
        + ", id "
        + messageIdHex()
        + ", t "
        + timestamp
        + ", "
        + payload
        + "]";
  }
}
