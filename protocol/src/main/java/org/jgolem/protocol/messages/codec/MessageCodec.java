package org.jgolem.protocol.messages.codec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Clock;
import org.jgolem.eth.Address;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.identity.Secp256k1;
import org.jgolem.protocol.identity.Signature;
import org.jgolem.protocol.messages.Cbor;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.FreshnessGuard;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.InvalidMessageException.Reason;
import org.jgolem.protocol.messages.MessageHasher;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;

/**
 * Seals payloads into signed envelopes and opens received bytes into verified ones. Opening checks,
 * in order: size, layout, protocol version, message type, payload decoding and its validation
 * rules, and the signature (which must recover to the sender field). Freshness and replays are the
 * job of {@link FreshnessGuard}, which keeps state.
 */
public final class MessageCodec {
  public static final int PROTOCOL_VERSION = 1;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final MessageHasher hasher;
  private final int maxPayloadBytes;

  public MessageCodec(long chainId, int maxPayloadBytes) {
    this.hasher = new MessageHasher(chainId);
    this.maxPayloadBytes = maxPayloadBytes;
  }

  public MessageHasher hasher() {
    return hasher;
  }

  /** Signs {@code payload} now, with a random message id. */
  public Envelope seal(Payload payload, NodeKey key, Clock clock) {
    byte[] id = new byte[Envelope.MESSAGE_ID_LENGTH];
    RANDOM.nextBytes(id);
    return seal(payload, key, clock.millis(), id);
  }

  public Envelope seal(Payload payload, NodeKey key, long timestamp, byte[] messageId) {
    payload.validate();
    if (messageId.length != Envelope.MESSAGE_ID_LENGTH) {
      throw new IllegalArgumentException("a message id has 16 bytes");
    }
    byte[] bytes = encodePayload(payload);
    byte[] digest =
        hasher.digest(
            PROTOCOL_VERSION,
            payload.type(),
            key.address(),
            timestamp,
            messageId,
            MessageHasher.payloadHash(payload, bytes));
    return new Envelope(
        PROTOCOL_VERSION,
        payload.type(),
        key.address(),
        timestamp,
        messageId,
        bytes,
        payload,
        key.sign(digest));
  }

  public byte[] encode(Envelope e) {
    byte[] payload = e.payloadBytes();
    ByteBuffer b = ByteBuffer.allocate(Envelope.HEADER_LENGTH + payload.length + Signature.LENGTH);
    b.put((byte) e.protocolVersion());
    b.putShort((short) e.type().code());
    b.put(e.sender().toBytes());
    b.putLong(e.timestamp());
    b.put(e.messageId());
    b.putInt(payload.length);
    b.put(payload);
    b.put(e.signature().toBytes());
    return b.array();
  }

  /** Parses and verifies; throws {@link InvalidMessageException} naming what is wrong. */
  public Envelope decode(byte[] frame) {
    if (frame.length > Envelope.HEADER_LENGTH + maxPayloadBytes + Signature.LENGTH) {
      throw new InvalidMessageException(
          Reason.TOO_LARGE, frame.length + " bytes, limit " + maxPayloadBytes + " of payload");
    }
    if (frame.length < Envelope.HEADER_LENGTH + Signature.LENGTH) {
      throw new InvalidMessageException(
          Reason.MALFORMED, "frame of " + frame.length + " bytes is shorter than an envelope");
    }
    ByteBuffer b = ByteBuffer.wrap(frame);
    int version = b.get() & 0xff;
    if (version != PROTOCOL_VERSION) {
      throw new InvalidMessageException(
          Reason.UNSUPPORTED_VERSION,
          "protocol version " + version + ", this node speaks " + PROTOCOL_VERSION);
    }
    int code = b.getShort() & 0xffff;
    MessageType type = MessageType.ofCode(code);
    Class<? extends Payload> cls = type == null ? null : Payloads.classOf(type);
    if (cls == null) {
      throw new InvalidMessageException(Reason.UNKNOWN_TYPE, "message type code " + code);
    }
    byte[] sender = new byte[20];
    b.get(sender);
    long timestamp = b.getLong();
    byte[] id = new byte[Envelope.MESSAGE_ID_LENGTH];
    b.get(id);
    int length = b.getInt();
    if (length < 0 || length != b.remaining() - Signature.LENGTH) {
      throw new InvalidMessageException(
          Reason.MALFORMED, "payload length field " + length + " does not match the frame");
    }
    byte[] payloadBytes = new byte[length];
    b.get(payloadBytes);
    byte[] sig = new byte[Signature.LENGTH];
    b.get(sig);

    Payload payload = decodePayload(type, cls, payloadBytes);
    Address claimed = Address.of(sender);
    Signature signature = Signature.fromBytes(sig);
    Address signer;
    try {
      signer =
          Secp256k1.recover(
              hasher.digest(
                  version,
                  type,
                  claimed,
                  timestamp,
                  id,
                  MessageHasher.payloadHash(payload, payloadBytes)),
              signature);
    } catch (IllegalArgumentException e) {
      throw new InvalidMessageException(Reason.BAD_SIGNATURE, e.getMessage(), e);
    }
    if (!signer.equals(claimed)) {
      throw new InvalidMessageException(
          Reason.BAD_SIGNATURE, "signed by " + signer + ", not by the claimed sender " + claimed);
    }
    return new Envelope(version, type, claimed, timestamp, id, payloadBytes, payload, signature);
  }

  public static byte[] encodePayload(Payload payload) {
    try {
      return Cbor.MAPPER.writeValueAsBytes(payload);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode " + payload.type(), e);
    }
  }

  private static Payload decodePayload(
      MessageType type, Class<? extends Payload> cls, byte[] bytes) {
    Payload payload;
    try {
      payload = Cbor.MAPPER.readValue(bytes, cls);
    } catch (IOException | RuntimeException e) {
      throw new InvalidMessageException(
          Reason.MALFORMED, type + " payload does not decode: " + firstLine(e.getMessage()), e);
    }
    if (payload == null) {
      throw new InvalidMessageException(Reason.MALFORMED, type + " payload is empty");
    }
    try {
      payload.validate();
    } catch (InvalidMessageException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new InvalidMessageException(Reason.INVALID_PAYLOAD, type + ": " + e.getMessage(), e);
    }
    return payload;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
