package org.jgolem.protocol.messages.concent;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.jgolem.protocol.identity.Signature;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.InvalidMessageException;

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
