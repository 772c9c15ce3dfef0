package org.jgolem.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Hash;

class RevertDecoderTest {
  private final RevertDecoder decoder = RevertDecoder.project();

  @Test
  void decodesACustomErrorWithItsArguments() {
    String selector = Hash.sha3String("PaymentToZeroAddress(uint256)").substring(0, 10);
    var e = decoder.decode(selector + "0".repeat(63) + "7", "test");
    assertThat(e.errorName()).isEqualTo("PaymentToZeroAddress");
    assertThat(e.arguments()).containsExactly(BigInteger.valueOf(7));
    assertThat(e.getMessage()).contains("PaymentToZeroAddress").contains("7");
  }

  @Test
  void decodesSolidityErrorStringAndPanic() {
    // Error("no") : offset 0x20, length 2, "no"
    String data =
        "0x08c379a0" + "0".repeat(62) + "20" + "0".repeat(63) + "2" + "6e6f" + "0".repeat(60);
    assertThat(decoder.decode(data, "t").arguments()).containsExactly("no");
    String panic = Hash.sha3String("Panic(uint256)").substring(0, 10) + "0".repeat(62) + "11";
    var p = decoder.decode(panic, "t");
    assertThat(p.errorName()).isEqualTo("Panic");
    assertThat(p.arguments()).containsExactly(BigInteger.valueOf(0x11));
  }

  @Test
  void unknownAndEmptyDataStayExplicit() {
    assertThat(decoder.decode("0xdeadbeef", "t").errorName()).isEqualTo("Unknown");
    assertThat(decoder.decode(null, "t").errorName()).isEqualTo("Unknown");
    assertThat(decoder.decode("0x", "t").rawData()).isEqualTo("0x");
  }
}
