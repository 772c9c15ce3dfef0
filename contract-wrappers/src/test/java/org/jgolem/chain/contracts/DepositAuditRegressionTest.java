package org.jgolem.chain.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.chain.contracts.DepositTestKit.data;
import static org.jgolem.chain.contracts.DepositTestKit.hex;
import static org.jgolem.chain.contracts.DepositTestKit.logs;
import static org.jgolem.chain.contracts.DepositTestKit.note;
import static org.jgolem.chain.contracts.DepositTestKit.subtask;
import static org.jgolem.chain.contracts.DepositTestKit.topicAddress;
import static org.jgolem.chain.contracts.DepositTestKit.topicBytes;

import java.math.BigInteger;
import java.util.List;
import org.jgolem.chain.testing.AnvilTest;
import org.jgolem.contracts.generated.GNTDeposit;
import org.jgolem.eth.LogEntry;
import org.jgolem.eth.TxResult;
import org.jgolem.protocol.notes.NoteSigner;
import org.jgolem.protocol.notes.Purpose;
import org.jgolem.protocol.notes.SignedNote;
import org.junit.jupiter.api.Test;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.crypto.Credentials;

/** Regression tests for the Trail of Bits audit findings on Golem's GNTDeposit. */
class DepositAuditRegressionTest extends AnvilTest {
  private static final byte[] NO_DATA = new byte[0];
  private static final long DELAY = 86_400;

  private static NoteSigner signer() {
    return new NoteSigner(chain.chainId(), deployment.deposit());
  }

  private static void deposit(Credentials who, BigInteger amount) {
    token(DEPLOYER).transfer(addr(who), amount);
    token(who).transferAndCall(deployment.deposit(), amount, NO_DATA);
  }

  private static SignedNote payment(
      Credentials requestor, Credentials provider, BigInteger amount, String id) {
    return signer()
        .sign(
            note(requestor, addr(provider), amount, subtask(id), Purpose.SUBTASK_PAYMENT),
            requestor.getEcKeyPair());
  }

  private static SignedNote fee(Credentials payer, BigInteger amount, String id, Purpose purpose) {
    return signer()
        .sign(
            note(payer, deployment.deposit(), amount, subtask(id), purpose), payer.getEcKeyPair());
  }

  // ------------------------------------------------------------------ TOB-10

  /**
   * TOB-10: in Golem's GNTDeposit a requestor could unlock its deposit, wait out (almost) the whole
   * withdrawal delay, then deposit more; the new money was immediately withdrawable, so Concent had
   * no time window to claim from it. Fix: every deposit re-locks the account, and the delay starts
   * again only with a new unlock.
   */
  @Test
  void tob10_depositingWhileUnlockingReLocksTheWholeDeposit() {
    Credentials requestor = user(0);
    deposit(requestor, gnt(100));
    ConcentDeposits d = deposits(requestor);
    d.unlock();
    long originalUntil = d.timelock(addr(requestor));
    advanceTime(DELAY - 60);
    assertThat(d.isTimeLocked(addr(requestor))).isTrue();

    deposit(requestor, gnt(50)); // via transferAndCall

    assertThat(d.balanceOf(addr(requestor))).isEqualTo(gnt(150));
    assertThat(d.isLocked(addr(requestor))).isTrue();
    assertThat(d.isTimeLocked(addr(requestor))).isFalse();
    assertThat(d.timelock(addr(requestor))).isZero();

    // well past the original deadline: still locked, nothing can be withdrawn
    advanceTime(3_600);
    assertThat(now()).isGreaterThan(originalUntil);
    assertThat(d.isUnlocked(addr(requestor))).isFalse();
    var e = reverts("StillLocked", () -> d.withdraw(addr(requestor)));
    assertThat(e.argument(0)).isEqualTo(addr(requestor).hex());
    assertThat(e.argument(1)).isEqualTo(BigInteger.ZERO);
    assertThat(((BigInteger) e.argument(2)).longValueExact()).isGreaterThan(originalUntil);
    assertThat(token(DEPLOYER).balanceOf(addr(requestor))).isZero();

    // a new unlock restarts the full delay from now
    d.unlock();
    long newUntil = d.timelock(addr(requestor));
    assertThat(newUntil).isEqualTo(now() + DELAY);
    advanceTime(DELAY - 60);
    reverts("StillLocked", () -> d.withdraw(addr(requestor)));
    advanceTime(120);
    d.withdraw(addr(requestor));
    assertThat(token(DEPLOYER).balanceOf(addr(requestor))).isEqualTo(gnt(150));
  }

  /** TOB-10, through approve + deposit: the same re-lock. */
  @Test
  void tob10_approveAndDepositAlsoReLocks() {
    Credentials requestor = user(0);
    deposit(requestor, gnt(10));
    deposits(requestor).unlock();
    long originalUntil = deposits(requestor).timelock(addr(requestor));
    advanceTime(DELAY - 60);
    token(DEPLOYER).transfer(addr(requestor), gnt(5));
    token(requestor).approve(deployment.deposit(), gnt(5));
    deposits(requestor).deposit(gnt(5));

    advanceTime(120);
    assertThat(now()).isGreaterThan(originalUntil);
    var e = reverts("StillLocked", () -> deposits(requestor).withdraw(addr(requestor)));
    assertThat(e.argument(1)).isEqualTo(BigInteger.ZERO);
    assertThat(deposits(requestor).balanceOf(addr(requestor))).isEqualTo(gnt(15));
  }

  /**
   * TOB-10, other side: a deposit of one account does not touch another account's withdrawal (no
   * one can re-lock someone else's deposit by depositing, since deposits credit the sender).
   */
  @Test
  void tob10_nobodyCanReLockAnotherAccount() {
    Credentials leaving = user(0);
    Credentials other = user(1);
    deposit(leaving, gnt(10));
    deposits(leaving).unlock();
    long until = deposits(leaving).timelock(addr(leaving));
    advanceTime(DELAY - 60);
    deposit(other, gnt(10));
    assertThat(deposits(leaving).timelock(addr(leaving))).isEqualTo(until);
    advanceTime(120);
    deposits(leaving).withdraw(addr(leaving));
    assertThat(token(DEPLOYER).balanceOf(addr(leaving))).isEqualTo(gnt(10));
  }

  // ------------------------------------------------------------------ TOB-11

  /**
   * TOB-11: Golem's GNTDeposit reimbursement events did not say which subtask was paid for, so a
   * payment out of a deposit could not be matched to its subtask, and the same deposit could be
   * shown as payment for two subtasks. Fix: ReimburseForSubtask, ReimburseForVerificationCosts and
   * ReimburseForCommunication carry the subtask id as an indexed topic; ReimburseForNoPayment lists
   * all its subtask ids in its data.
   */
  @Test
  void tob11_reimburseForSubtaskNamesItsSubtaskInAnIndexedTopic() {
    Credentials requestor = user(0);
    Credentials provider = user(1);
    deposit(requestor, gnt(100));
    TxResult tx =
        deposits(CONCENT)
            .reimburseForSubtask(payment(requestor, provider, gnt(10), "st-1"), gnt(7));

    List<LogEntry> events = logs(tx, deployment.deposit(), GNTDeposit.REIMBURSEFORSUBTASK_EVENT);
    assertThat(events).hasSize(1);
    LogEntry log = events.get(0);
    assertThat(log.topics()).hasSize(4);
    assertThat(topicAddress(log.topics().get(1))).isEqualTo(addr(requestor));
    assertThat(topicAddress(log.topics().get(2))).isEqualTo(addr(provider));
    assertThat(hex(topicBytes(log.topics().get(3)))).isEqualTo(hex(subtask("st-1")));
    assertThat(data(log, GNTDeposit.REIMBURSEFORSUBTASK_EVENT).get(0).getValue()).isEqualTo(gnt(7));
  }

  /** TOB-11: the verification-cost and communication fee events name their subtask too. */
  @Test
  void tob11_feeEventsNameTheirSubtaskInAnIndexedTopic() {
    Credentials payer = user(1);
    deposit(payer, gnt(100));
    TxResult v =
        deposits(CONCENT)
            .reimburseForVerificationCosts(
                fee(payer, gnt(3), "st-v", Purpose.VERIFICATION_COST), gnt(3));
    TxResult c =
        deposits(CONCENT)
            .reimburseForCommunication(fee(payer, gnt(2), "st-c", Purpose.COMMUNICATION), gnt(1));

    List<LogEntry> ve =
        logs(v, deployment.deposit(), GNTDeposit.REIMBURSEFORVERIFICATIONCOSTS_EVENT);
    assertThat(ve).hasSize(1);
    assertThat(topicAddress(ve.get(0).topics().get(1))).isEqualTo(addr(payer));
    assertThat(hex(topicBytes(ve.get(0).topics().get(2)))).isEqualTo(hex(subtask("st-v")));
    assertThat(data(ve.get(0), GNTDeposit.REIMBURSEFORVERIFICATIONCOSTS_EVENT).get(0).getValue())
        .isEqualTo(gnt(3));

    List<LogEntry> ce = logs(c, deployment.deposit(), GNTDeposit.REIMBURSEFORCOMMUNICATION_EVENT);
    assertThat(ce).hasSize(1);
    assertThat(topicAddress(ce.get(0).topics().get(1))).isEqualTo(addr(payer));
    assertThat(hex(topicBytes(ce.get(0).topics().get(2)))).isEqualTo(hex(subtask("st-c")));
    assertThat(data(ce.get(0), GNTDeposit.REIMBURSEFORCOMMUNICATION_EVENT).get(0).getValue())
        .isEqualTo(gnt(1));
    // each transaction emits only its own kind of reimbursement event
    assertThat(logs(v, deployment.deposit(), GNTDeposit.REIMBURSEFORCOMMUNICATION_EVENT)).isEmpty();
    assertThat(logs(c, deployment.deposit(), GNTDeposit.REIMBURSEFORVERIFICATIONCOSTS_EVENT))
        .isEmpty();
  }

  /**
   * TOB-11: a ForcePayment lists every subtask it pays for, in order, with amount and closure time.
   */
  @Test
  void tob11_forcePaymentListsAllItsSubtaskIds() {
    Credentials requestor = user(0);
    Credentials provider = user(1);
    deposit(requestor, gnt(100));
    long closure = now() - 10;
    TxResult tx =
        deposits(CONCENT)
            .reimburseForNoPayment(
                List.of(
                    payment(requestor, provider, gnt(1), "fp-1"),
                    payment(requestor, provider, gnt(2), "fp-2"),
                    payment(requestor, provider, gnt(3), "fp-3")),
                gnt(6),
                closure);

    List<LogEntry> events = logs(tx, deployment.deposit(), GNTDeposit.REIMBURSEFORNOPAYMENT_EVENT);
    assertThat(events).hasSize(1);
    LogEntry log = events.get(0);
    assertThat(topicAddress(log.topics().get(1))).isEqualTo(addr(requestor));
    assertThat(topicAddress(log.topics().get(2))).isEqualTo(addr(provider));
    @SuppressWarnings("rawtypes")
    List<Type> values = data(log, GNTDeposit.REIMBURSEFORNOPAYMENT_EVENT);
    assertThat(values.get(0).getValue()).isEqualTo(gnt(6));
    assertThat(values.get(1).getValue()).isEqualTo(BigInteger.valueOf(closure));
    @SuppressWarnings("unchecked")
    List<Bytes32> ids = (List<Bytes32>) values.get(2).getValue();
    assertThat(ids.stream().map(b -> hex(b.getValue())).toList())
        .containsExactly(hex(subtask("fp-1")), hex(subtask("fp-2")), hex(subtask("fp-3")));
  }

  /**
   * TOB-11: one note cannot be shown for two different subtasks. Paying subtask B with the note of
   * subtask A is refused (the subtask id is signed); two subtasks need two notes, and then the two
   * events name their own subtask each.
   */
  @Test
  void tob11_oneNoteCannotPayForTwoSubtasks() {
    Credentials requestor = user(0);
    Credentials provider = user(1);
    deposit(requestor, gnt(100));
    SignedNote forA = payment(requestor, provider, gnt(10), "A");
    TxResult paidA = deposits(CONCENT).reimburseForSubtask(forA, gnt(10));

    SignedNote reusedForB =
        new SignedNote(
            note(requestor, addr(provider), gnt(10), subtask("B"), Purpose.SUBTASK_PAYMENT),
            forA.v(),
            forA.r(),
            forA.s());
    var e =
        reverts(
            "InvalidSignature", () -> deposits(CONCENT).reimburseForSubtask(reusedForB, gnt(10)));
    assertThat(e.argument(0)).isEqualTo(addr(requestor).hex());
    assertThat(e.argument(1)).isNotEqualTo(addr(requestor).hex());
    // nor in a ForcePayment
    reverts(
        "InvalidSignature",
        () -> deposits(CONCENT).reimburseForNoPayment(List.of(reusedForB), gnt(10), now()));
    assertThat(deposits(CONCENT).isSettled(addr(requestor), subtask("B"), Purpose.SUBTASK_PAYMENT))
        .isFalse();

    TxResult paidB =
        deposits(CONCENT).reimburseForSubtask(payment(requestor, provider, gnt(10), "B"), gnt(10));
    assertThat(subtaskOf(paidA)).isEqualTo(hex(subtask("A")));
    assertThat(subtaskOf(paidB)).isEqualTo(hex(subtask("B")));
    assertThat(deposits(CONCENT).balanceOf(addr(requestor))).isEqualTo(gnt(80));
    assertThat(token(DEPLOYER).balanceOf(addr(provider))).isEqualTo(gnt(20));
  }

  private static String subtaskOf(TxResult tx) {
    List<LogEntry> events = logs(tx, deployment.deposit(), GNTDeposit.REIMBURSEFORSUBTASK_EVENT);
    assertThat(events).hasSize(1);
    return hex(topicBytes(events.get(0).topics().get(3)));
  }
}
