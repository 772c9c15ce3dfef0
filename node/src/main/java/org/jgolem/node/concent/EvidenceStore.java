package org.jgolem.node.concent;

import java.util.Map;
import java.util.Optional;
import org.jgolem.protocol.messages.MessageType;

/**
 * The exact signed frames (encoded envelopes) a subtask's case with Concent may need, kept across
 * restarts: Concent judges signatures, so a re-made message would not do. The first frame of a type
 * is kept: a message sent again is sealed anew, and any of its seals is the same evidence.
 */
public interface EvidenceStore {
  /** Keeps {@code frame} as the subtask's {@code type}, unless one is kept already. */
  void put(String subtaskId, MessageType type, byte[] frame);

  Optional<byte[]> get(String subtaskId, MessageType type);

  /** Every frame kept for the subtask, by type. */
  Map<MessageType, byte[]> all(String subtaskId);
}
