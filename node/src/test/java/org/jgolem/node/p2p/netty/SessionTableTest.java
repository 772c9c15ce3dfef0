package org.jgolem.node.p2p.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import org.jgolem.eth.Address;
import org.junit.jupiter.api.Test;

/** Which of two sessions with one node both ends keep, decided from ids alone. */
class SessionTableTest {
  private static final Address LOW = Address.of(BigInteger.ONE);
  private static final Address HIGH = Address.of(BigInteger.TWO);

  @Test
  void ofTwoSessionsDialledByDifferentNodesBothEndsKeepTheOneTheLowerIdDialled() {
    // seen from the lower node: the existing session is kept only if the lower node dialled it
    assertThat(SessionTable.keepsExisting(LOW, LOW, HIGH, HIGH)).isTrue();
    assertThat(SessionTable.keepsExisting(LOW, HIGH, LOW, HIGH)).isFalse();
    // seen from the higher node: the same session is kept
    assertThat(SessionTable.keepsExisting(HIGH, LOW, HIGH, LOW)).isTrue();
    assertThat(SessionTable.keepsExisting(HIGH, HIGH, LOW, LOW)).isFalse();
  }

  @Test
  void ofTwoSessionsDialledByTheSameNodeTheNewerIsKept() {
    assertThat(SessionTable.keepsExisting(LOW, LOW, LOW, HIGH)).isFalse();
    assertThat(SessionTable.keepsExisting(LOW, HIGH, HIGH, HIGH)).isFalse();
  }
}
