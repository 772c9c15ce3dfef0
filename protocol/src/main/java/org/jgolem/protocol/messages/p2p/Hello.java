package org.jgolem.protocol.messages.p2p;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Arrays;
import java.util.List;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;

/**
 * First message of a session, sent encrypted by both sides. {@code challenge} is the hash of the
 * session's handshake transcript (both ephemeral keys and nonces): signing it proves that the
 * sender holds its node key and is the other end of this very session. {@code self} is the endpoint
 * others should dial.
 */
@JsonPropertyOrder({"protocolVersion", "clientVersion", "self", "challenge", "capabilities"})
public record Hello(
    int protocolVersion,
    String clientVersion,
    NodeRecord self,
    byte[] challenge,
    List<String> capabilities)
    implements Payload {
  public static final int MAX_CAPABILITIES = 16;

  @Override
  public MessageType type() {
    return MessageType.HELLO;
  }

  @Override
  public void validate() {
    if (protocolVersion < 1) {
      throw InvalidMessageException.invalid("protocolVersion", "must be positive");
    }
    if (clientVersion == null || clientVersion.isEmpty() || clientVersion.length() > 64) {
      throw InvalidMessageException.invalid("clientVersion", "must have 1..64 characters");
    }
    if (self == null) {
      throw InvalidMessageException.invalid("self", "is missing");
    }
    self.validate("self");
    if (challenge == null || challenge.length != 32) {
      throw InvalidMessageException.invalid("challenge", "must have 32 bytes");
    }
    if (capabilities == null || capabilities.size() > MAX_CAPABILITIES) {
      throw InvalidMessageException.invalid(
          "capabilities", "must list at most " + MAX_CAPABILITIES);
    }
    for (String c : capabilities) {
      if (c == null || c.isEmpty() || c.length() > 64) {
        throw InvalidMessageException.invalid("capabilities", "entries must have 1..64 characters");
      }
    }
  }

  @Override
  public byte[] challenge() {
    return challenge == null ? null : challenge.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Hello h
        && protocolVersion == h.protocolVersion
        && clientVersion.equals(h.clientVersion)
        && self.equals(h.self)
        && Arrays.equals(challenge, h.challenge)
        && capabilities.equals(h.capabilities);
  }

  @Override
  public int hashCode() {
    return self.hashCode() * 31 + Arrays.hashCode(challenge);
  }
}
