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
  void decodesTheErrorABatchItemFailedWith() {
    String inner =
        Hash.sha3String("DailyLimitExceeded(uint256,uint256,uint256)").substring(2, 10)
            + word(8)
            + word(4)
            + word(10);
    // ItemFailed(2, inner): index, offset 0x40, length, the inner bytes padded to 32
    String data =
        Hash.sha3String("ItemFailed(uint256,bytes)").substring(0, 10)
            + word(2)
            + word(0x40)
            + word(inner.length() / 2)
            + inner
            + "0".repeat(64 - inner.length() % 64);
    var e = decoder.decode(data, "batch");
    assertThat(e.errorName()).isEqualTo("ItemFailed");
    assertThat(e.argument(0)).isEqualTo(BigInteger.TWO);
    var why = e.innerError().orElseThrow();
    assertThat(why.errorName()).isEqualTo("DailyLimitExceeded");
    assertThat(why.arguments())
        .containsExactly(BigInteger.valueOf(8), BigInteger.valueOf(4), BigInteger.TEN);
    assertThat(e.getMessage())
        .contains("ItemFailed[2, 0x")
        .contains("wrapping DailyLimitExceeded[8, 4, 10]");

    // an item error that is no known error is still shown, as Unknown with its selector
    String odd =
        Hash.sha3String("ItemFailed(uint256,bytes)").substring(0, 10)
            + word(0)
            + word(0x40)
            + word(4)
            + "deadbeef"
            + "0".repeat(56);
    assertThat(decoder.decode(odd, "t").innerError().orElseThrow().errorName())
        .isEqualTo("Unknown");
    assertThat(decoder.decode(odd, "t").innerError().orElseThrow().arguments())
        .containsExactly("0xdeadbeef");
    // errors without a bytes argument wrap nothing
    assertThat(decoder.decode("0xdeadbeef", "t").innerError()).isEmpty();
  }

  private static String word(long value) {
    String hex = Long.toHexString(value);
    return "0".repeat(64 - hex.length()) + hex;
  }

  @Test
  void unknownAndEmptyDataStayExplicit() {
    assertThat(decoder.decode("0xdeadbeef", "t").errorName()).isEqualTo("Unknown");
    assertThat(decoder.decode(null, "t").errorName()).isEqualTo("Unknown");
    assertThat(decoder.decode("0x", "t").rawData()).isEqualTo("0x");
  }
}
