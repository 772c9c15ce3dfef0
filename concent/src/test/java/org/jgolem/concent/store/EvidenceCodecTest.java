package org.jgolem.concent.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumMap;
import java.util.Map;
import org.jgolem.protocol.messages.MessageType;
import org.junit.jupiter.api.Test;

class EvidenceCodecTest {
  @Test
  void framesSurviveTheRoundTripByWireCode() {
    Map<MessageType, byte[]> ev = new EnumMap<>(MessageType.class);
    ev.put(MessageType.TASK_TO_COMPUTE, new byte[] {1, 2, 3});
    ev.put(MessageType.FORCE_PAYMENT, new byte[0]);
    byte[] bytes = EvidenceCodec.encode(ev);
    // format 1, two frames, TASK_TO_COMPUTE's wire code 19 first
    assertThat(bytes).startsWith(1, 0, 0, 0, 2, 0, 0, 0, 19, 0, 0, 0, 3, 1, 2, 3);
    Map<MessageType, byte[]> back = EvidenceCodec.decode(bytes);
    assertThat(back).containsOnlyKeys(MessageType.TASK_TO_COMPUTE, MessageType.FORCE_PAYMENT);
    assertThat(back.get(MessageType.TASK_TO_COMPUTE)).containsExactly(1, 2, 3);
    assertThat(EvidenceCodec.decode(EvidenceCodec.encode(Map.of()))).isEmpty();
  }

  @Test
  void corruptEvidenceIsAClearError() {
    byte[] good = EvidenceCodec.encode(Map.of(MessageType.TASK_TO_COMPUTE, new byte[] {9}));
    byte[] truncated = java.util.Arrays.copyOf(good, good.length - 1);
    assertThatThrownBy(() -> EvidenceCodec.decode(truncated))
        .hasMessageContaining("evidence is corrupt");
    byte[] trailing = java.util.Arrays.copyOf(good, good.length + 1);
    assertThatThrownBy(() -> EvidenceCodec.decode(trailing)).hasMessageContaining("1 bytes after");
    byte[] unknown = good.clone();
    unknown[8] = 0x7f;
    assertThatThrownBy(() -> EvidenceCodec.decode(unknown))
        .hasMessageContaining("unknown message type 127");
    byte[] format = good.clone();
    format[0] = 2;
    assertThatThrownBy(() -> EvidenceCodec.decode(format))
        .hasMessageContaining("unknown evidence format 2");
  }
}
