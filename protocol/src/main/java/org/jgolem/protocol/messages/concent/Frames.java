package org.jgolem.protocol.messages.concent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.jgolem.protocol.identity.Signature;
import org.jgolem.protocol.messages.Cbor;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;

/**
 * Form rules for the encoded envelopes (frames) that Concent messages embed. Only the form is
 * checked here; the receiver opens each frame with its codec, which checks the signature and the
 * payload, and then the chain of evidence.
 */
public final class Frames {
  /** The largest embedded frame: a TaskToCompute with a long definition fits easily. */
  public static final int MAX_FRAME = 256 * 1024;

  /** The most subtasks one ForcePayment or settlement may name (the contract's bound). */
  public static final int MAX_ITEMS = 64;

  private Frames() {}

  public static void frame(String field, byte[] frame) {
    if (frame == null || frame.length < Envelope.HEADER_LENGTH + Signature.LENGTH) {
      throw InvalidMessageException.invalid(field, "must be an encoded signed envelope");
    }
    if (frame.length > MAX_FRAME) {
      throw InvalidMessageException.invalid(
          field, "has " + frame.length + " bytes, at most " + MAX_FRAME);
    }
  }

  /** Empty (nothing embedded) or one frame. */
  public static void optionalFrame(String field, byte[] frame) {
    if (frame == null || frame.length > 0) {
      frame(field, frame);
    }
  }

  public static void frames(String field, List<byte[]> frames, int min, int max) {
    if (frames == null || frames.size() < min || frames.size() > max) {
      throw InvalidMessageException.invalid(field, "must hold " + min + ".." + max + " frames");
    }
    for (int i = 0; i < frames.size(); i++) {
      frame(field + "[" + i + "]", frames.get(i));
    }
  }

  /**
   * The payload of an embedded frame, read for form checks only: the frame must have the form of
   * {@link #frame}, the header's type must be {@code type}, the payload length must match the
   * frame, and the payload must decode into {@code cls} and pass its own {@code validate()}. The
   * signature is <b>not</b> checked: the receiver opens the frame with its codec for that. This
   * lets a request's {@code validate()} check the links between the frames it embeds.
   */
  public static <T extends Payload> T peek(
      String field, byte[] frame, MessageType type, Class<T> cls) {
    frame(field, frame);
    ByteBuffer b = ByteBuffer.wrap(frame);
    b.position(1);
    int code = b.getShort() & 0xffff;
    if (code != type.code()) {
      MessageType found = MessageType.ofCode(code);
      throw InvalidMessageException.invalid(
          field, "must be a " + type + ", got " + (found == null ? "type code " + code : found));
    }
    b.position(Envelope.HEADER_LENGTH - 4);
    int length = b.getInt();
    if (length < 0 || length != b.remaining() - Signature.LENGTH) {
      throw InvalidMessageException.invalid(field, "has a payload length that does not match");
    }
    T payload;
    try {
      payload = Cbor.MAPPER.readValue(frame, Envelope.HEADER_LENGTH, length, cls);
    } catch (IOException | RuntimeException e) {
      throw InvalidMessageException.invalid(field, "has a payload that does not decode");
    }
    if (payload == null) {
      throw InvalidMessageException.invalid(field, "has an empty payload");
    }
    try {
      payload.validate();
    } catch (RuntimeException e) {
      String m = e.getMessage() == null ? "" : e.getMessage();
      String prefix = InvalidMessageException.Reason.INVALID_PAYLOAD + ": ";
      throw new InvalidMessageException(
          InvalidMessageException.Reason.INVALID_PAYLOAD,
          field + "." + (m.startsWith(prefix) ? m.substring(prefix.length()) : m));
    }
    return payload;
  }

  static byte[] copy(byte[] b) {
    return b == null ? null : b.clone();
  }

  static List<byte[]> copy(List<byte[]> list) {
    if (list == null) {
      return null;
    }
    List<byte[]> out = new ArrayList<>(list.size());
    for (byte[] b : list) {
      out.add(copy(b));
    }
    return List.copyOf(out);
  }

  static boolean equal(List<byte[]> a, List<byte[]> b) {
    if (a == null || b == null) {
      return a == b;
    }
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!Arrays.equals(a.get(i), b.get(i))) {
        return false;
      }
    }
    return true;
  }

  static int hash(List<byte[]> list) {
    int h = 1;
    if (list != null) {
      for (byte[] b : list) {
        h = h * 31 + Arrays.hashCode(b);
      }
    }
    return h;
  }

  static String hex(byte[] b) {
    return b == null ? "null" : "0x" + HexFormat.of().formatHex(b);
  }
}
