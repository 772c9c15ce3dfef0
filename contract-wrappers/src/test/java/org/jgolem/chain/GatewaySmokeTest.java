package org.jgolem.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.List;
import org.jgolem.chain.contracts.GntToken;
import org.jgolem.chain.testing.AnvilTest;
import org.jgolem.eth.PackedPayment;
import org.junit.jupiter.api.Test;

class GatewaySmokeTest extends AnvilTest {
  @Test
  void deploysAndTransfersThroughTheGateway() {
    GntToken t = token(DEPLOYER);
    assertThat(t.totalSupply()).isEqualTo(params.totalSupply());
    t.transfer(addr(user(0)), gnt(5));
    assertThat(t.balanceOf(addr(user(0)))).isEqualTo(gnt(5));
  }

  @Test
  void revertIsDecodedIntoTypedException() {
    var e =
        reverts(
            "InsufficientBalance", () -> token(user(0)).transfer(addr(user(1)), BigInteger.ONE));
    assertThat(e.arguments()).containsExactly(addr(user(0)).hex(), BigInteger.ZERO, BigInteger.ONE);
  }

  @Test
  void batchWithAccessListPaysEveryone() {
    GntToken t = token(DEPLOYER);
    var batch =
        List.of(
            new PackedPayment(addr(user(0)), BigInteger.valueOf(7)),
            new PackedPayment(addr(user(1)), BigInteger.valueOf(9)));
    var tx = t.batchTransfer(batch, now());
    assertThat(t.balanceOf(addr(user(1)))).isEqualTo(BigInteger.valueOf(9));
    assertThat(t.transfers(tx)).hasSize(2);
    assertThat(t.batchClosureTime(tx)).isPresent();
  }
}
