package org.jgolem.protocol.messages;

import org.jgolem.eth.Address;

/**
 * EIP-712 hashing of messages, in the domain {name "jgolem", version "1", chainId}:
 *
 * <pre>
 * Message(uint16 protocolVersion,uint16 messageType,address sender,uint64 timestamp,bytes16 messageId,bytes32 payload)
 * </pre>
 *
 * where {@code payload} is the payload's EIP-712 struct hash for evidence messages (so that its
 * fields can be checked by Concent and by contracts), and keccak256 of the payload bytes otherwise.
 */
public final class MessageHasher {
  public static final String DOMAIN_NAME = "jgolem";
  public static final String DOMAIN_VERSION = "1";
  static final byte[] DOMAIN_TYPEHASH =
      Eip712.typeHash("EIP712Domain(string name,string version,uint256 chainId)");
  static final byte[] MESSAGE_TYPEHASH =
      Eip712.typeHash(
          "Message(uint16 protocolVersion,uint16 messageType,address sender,uint64 timestamp,bytes16 messageId,bytes32 payload)");

  private final long chainId;
  private final byte[] domainSeparator;

  public MessageHasher(long chainId) {
    this.chainId = chainId;
    this.domainSeparator =
        Eip712.hashStruct(
            DOMAIN_TYPEHASH,
            Eip712.string(DOMAIN_NAME),
            Eip712.string(DOMAIN_VERSION),
            Eip712.uint(chainId));
  }

  public long chainId() {
    return chainId;
  }

  public byte[] domainSeparator() {
    return domainSeparator.clone();
  }

  /** The hash the envelope's signature covers. */
  public byte[] digest(
      int protocolVersion,
      MessageType type,
      Address sender,
      long timestamp,
      byte[] messageId,
      byte[] payloadHash) {
    byte[] struct =
        Eip712.hashStruct(
            MESSAGE_TYPEHASH,
            Eip712.uint(protocolVersion),
            Eip712.uint(type.code()),
            Eip712.address(sender),
            Eip712.uint(timestamp),
            Eip712.fixedBytes(messageId),
            payloadHash);
    return Eip712.hash(domainSeparator, struct);
  }

  /** The {@code payload} field of the Message struct. */
  public static byte[] payloadHash(Payload payload, byte[] payloadBytes) {
    if (payload.type().isEvidence()) {
      if (!(payload instanceof EvidencePayload e)) {
        throw new IllegalStateException(
            payload.type() + " is evidence but its payload has no EIP-712 struct hash");
      }
      return e.structHash();
    }
    return Eip712.keccak(payloadBytes);
  }
}
