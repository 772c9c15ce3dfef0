package org.jgolem.concent.store;

import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.Map;
import org.jgolem.protocol.messages.MessageType;

/**
 * A case's evidence (signed frames by message type) as one column: a format byte (1), the number of
 * frames, then per frame its message type's wire code and its length (4 bytes each, big-endian) and
 * its bytes. Wire codes, not enum positions: they never change.
 */
final class EvidenceCodec {
  private static final byte FORMAT = 1;

  private EvidenceCodec() {}

  static byte[] encode(Map<MessageType, byte[]> evidence) {
    int size = 1 + 4;
    for (byte[] f : evidence.values()) {
      size += 8 + f.length;
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.put(FORMAT).putInt(evidence.size());
    for (Map.Entry<MessageType, byte[]> e : evidence.entrySet()) {
      b.putInt(e.getKey().code()).putInt(e.getValue().length).put(e.getValue());
    }
    return b.array();
  }

  static Map<MessageType, byte[]> decode(byte[] bytes) {
    try {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      byte format = b.get();
      if (format != FORMAT) {
        throw new IllegalStateException("unknown evidence format " + format);
      }
      int n = b.getInt();
      Map<MessageType, byte[]> out = new EnumMap<>(MessageType.class);
      for (int i = 0; i < n; i++) {
        int code = b.getInt();
        MessageType type = MessageType.ofCode(code);
        if (type == null) {
          throw new IllegalStateException("unknown message type " + code);
        }
        byte[] frame = new byte[b.getInt()];
        b.get(frame);
        out.put(type, frame);
      }
      if (b.hasRemaining()) {
        throw new IllegalStateException(b.remaining() + " bytes after the last frame");
      }
      return out;
    } catch (RuntimeException e) {
      throw new IllegalStateException("a stored case's evidence is corrupt: " + e.getMessage(), e);
    }
  }
}
