package org.jgolem.eth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class AddressTest {
  @Test
  void parsesAnyCaseWithOrWithoutPrefix() {
    Address a = Address.of("0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    assertThat(a.hex()).isEqualTo("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
    assertThat(Address.of("f39fd6e51aad88f6f4ce6ab8827279cfffb92266")).isEqualTo(a);
    assertThat(Address.of(a.toBigInteger())).isEqualTo(a);
    assertThat(Address.of(a.toBytes())).isEqualTo(a);
  }

  @Test
  void refusesMalformedInput() {
    assertThatThrownBy(() -> Address.of("0x1234")).hasMessageContaining("not a canonical address");
    assertThatThrownBy(() -> Address.of("0x" + "g".repeat(40)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Address.of(BigInteger.ONE.shiftLeft(160)))
        .hasMessageContaining("160-bit");
    assertThatThrownBy(() -> Address.of(new byte[19])).hasMessageContaining("20 bytes");
    assertThatThrownBy(() -> Address.of((String) null)).hasMessageContaining("null");
  }

  @Test
  void zeroIsZero() {
    assertThat(Address.ZERO.isZero()).isTrue();
    assertThat(Address.of(BigInteger.ONE).isZero()).isFalse();
  }
}
