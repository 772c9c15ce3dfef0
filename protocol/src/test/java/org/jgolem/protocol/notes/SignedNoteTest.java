package org.jgolem.protocol.notes;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import org.jgolem.eth.Address;
import org.junit.jupiter.api.Test;

class SignedNoteTest {
  private static final PromissoryNote NOTE =
      new PromissoryNote(
          Address.of("0x" + "11".repeat(20)),
          Address.of("0x" + "22".repeat(20)),
          BigInteger.TEN,
          new byte[32],
          Purpose.SUBTASK_PAYMENT);

  private static byte[] filled(int b) {
    byte[] out = new byte[32];
    java.util.Arrays.fill(out, (byte) b);
    return out;
  }

  @Test
  void equalsBySignatureBytesNotArrayIdentity() {
    SignedNote a = new SignedNote(NOTE, 27, filled(1), filled(2));
    SignedNote same = new SignedNote(NOTE, 27, filled(1), filled(2));
    assertThat(a).isEqualTo(same).hasSameHashCodeAs(same);
    assertThat(a).isNotEqualTo(new SignedNote(NOTE, 28, filled(1), filled(2)));
    assertThat(a).isNotEqualTo(new SignedNote(NOTE, 27, filled(3), filled(2)));
    assertThat(a).isNotEqualTo(new SignedNote(NOTE, 27, filled(1), filled(3)));
  }
}
