package org.jgolem.chain.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.List;
import org.jgolem.chain.testing.AnvilTest;
import org.jgolem.protocol.notes.NoteSigner;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.Purpose;
import org.jgolem.protocol.notes.SignedNote;
import org.junit.jupiter.api.Test;

/** The gateway refuses malformed reimbursements with a clear message before any transaction. */
class ConcentGatewayChecksTest extends AnvilTest {
  private SignedNote signed(
      int payer, org.jgolem.eth.Address payee, String subtask, Purpose purpose) {
    NoteSigner signer = new NoteSigner(chain.chainId(), deployment.deposit());
    return signer.sign(
        new PromissoryNote(
            addr(user(payer)), payee, gnt(1), DepositTestKit.subtask(subtask), purpose),
        user(payer).getEcKeyPair());
  }

  @Test
  void forcePaymentNotesMustShareOnePayerAndPayee() {
    long block = chain.blockNumber();
    var a = signed(0, addr(user(5)), "s1", Purpose.SUBTASK_PAYMENT);
    var otherPayer = signed(1, addr(user(5)), "s2", Purpose.SUBTASK_PAYMENT);
    var otherPayee = signed(0, addr(user(6)), "s3", Purpose.SUBTASK_PAYMENT);
    var concent = deposits(CONCENT);
    assertThatThrownBy(() -> concent.reimburseForNoPayment(List.of(a, otherPayer), gnt(1), now()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("share one payer and payee");
    assertThatThrownBy(() -> concent.reimburseForNoPayment(List.of(a, otherPayee), gnt(1), now()))
        .hasMessageContaining("share one payer and payee");
    assertThatThrownBy(() ->
            concent.reimburseForNoPayment(
                List.of(a, signed(0, addr(user(5)), "s4", Purpose.COMMUNICATION)), gnt(1), now()))
        .hasMessageContaining("needs SUBTASK_PAYMENT");
    assertThat(chain.blockNumber()).as("nothing was sent").isEqualTo(block);
  }

  @Test
  void feeNotesMustBePayableToTheDepositContractWithTheRightPurpose() {
    var concent = deposits(CONCENT);
    var toProvider = signed(0, addr(user(5)), "f1", Purpose.VERIFICATION_COST);
    assertThatThrownBy(() -> concent.reimburseForVerificationCosts(toProvider, BigInteger.ONE))
        .hasMessageContaining("payee must be the deposit contract");
    var wrongPurpose = signed(0, deployment.deposit(), "f2", Purpose.COMMUNICATION);
    assertThatThrownBy(() -> concent.reimburseForVerificationCosts(wrongPurpose, BigInteger.ONE))
        .hasMessageContaining("needs VERIFICATION_COST");
    assertThatThrownBy(() ->
            concent.reimburseForCommunication(
                signed(0, deployment.deposit(), "f3", Purpose.VERIFICATION_COST), BigInteger.ONE))
        .hasMessageContaining("needs COMMUNICATION");
    assertThatThrownBy(() ->
            concent.reimburseForSubtask(
                signed(0, addr(user(5)), "f4", Purpose.COMMUNICATION), BigInteger.ONE))
        .hasMessageContaining("needs SUBTASK_PAYMENT");
  }
}
