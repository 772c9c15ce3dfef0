package org.jgolem.chain.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jgolem.chain.contracts.DepositTestKit.data;
import static org.jgolem.chain.contracts.DepositTestKit.hex;
import static org.jgolem.chain.contracts.DepositTestKit.logs;
import static org.jgolem.chain.contracts.DepositTestKit.note;
import static org.jgolem.chain.contracts.DepositTestKit.subtask;
import static org.jgolem.chain.contracts.DepositTestKit.topicAddress;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.jgolem.chain.ContractRevertedException;
import org.jgolem.chain.Rpc;
import org.jgolem.chain.testing.AnvilTest;
import org.jgolem.contracts.generated.GNTDeposit;
import org.jgolem.eth.Address;
import org.jgolem.eth.LogEntry;
import org.jgolem.eth.TxResult;
import org.jgolem.protocol.notes.NoteSigner;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.Purpose;
import org.jgolem.protocol.notes.SignedNote;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.tx.gas.StaticEIP1559GasProvider;

/**
 * GNTDeposit through {@link ConcentDepositsGateway} on a real anvil: every function's normal path
 * and every revert, with the decoded custom error and its arguments.
 */
class ConcentDepositsTest extends AnvilTest {
  private static final byte[] NO_DATA = new byte[0];

  // ------------------------------------------------------------------ helpers

  private static NoteSigner signer() {
    return new NoteSigner(chain.chainId(), deployment.deposit());
  }

  private static Address depositAddress() {
    return deployment.deposit();
  }

  private static void fund(Credentials who, BigInteger amount) {
    token(DEPLOYER).transfer(addr(who), amount);
  }

  /** Funds {@code who} with GNT and deposits it in one transaction (transferAndCall). */
  private static TxResult depositInOneTx(Credentials who, BigInteger amount) {
    fund(who, amount);
    return token(who).transferAndCall(depositAddress(), amount, NO_DATA);
  }

  private static SignedNote subtaskNote(
      Credentials requestor, Credentials provider, BigInteger amount, String id) {
    return signer()
        .sign(
            note(requestor, addr(provider), amount, subtask(id), Purpose.SUBTASK_PAYMENT),
            requestor.getEcKeyPair());
  }

  /**
   * Fee notes are payable to the deposit contract itself (the contract checks payee ==
   * address(this)).
   */
  private static SignedNote feeNote(
      Credentials payer, BigInteger amount, String id, Purpose purpose) {
    return signer()
        .sign(note(payer, depositAddress(), amount, subtask(id), purpose), payer.getEcKeyPair());
  }

  /** The generated wrapper, for calls the gateway does not offer. */
  private static GNTDeposit wrapper(Credentials as) {
    return GNTDeposit.load(
        depositAddress().hex(),
        chain.web3j(),
        chain.signer(as),
        new StaticEIP1559GasProvider(
            chain.chainId(), BigInteger.ONE, BigInteger.ONE, BigInteger.ONE));
  }

  private static String hexOf(Credentials c) {
    return addr(c).hex();
  }

  /**
   * Moves the clock to a few seconds after the start of a UTC day (the contract's reimbursement
   * day).
   */
  private static void moveToStartOfDay() {
    long t = now();
    advanceTime(86_400 - t % 86_400 + 5);
  }

  private static BigInteger tokenBalance(Address a) {
    return token(DEPLOYER).balanceOf(a);
  }

  // ------------------------------------------------------------------ views after deployment

  @Test
  void viewsShowTheDeploymentParameters() {
    ConcentDeposits d = deposits(user(0));
    assertThat(d.roles())
        .isEqualTo(new ConcentDeposits.Roles(addr(DEPLOYER), addr(CONCENT), addr(COLDWALLET)));
    assertThat(d.limits())
        .isEqualTo(new ConcentDeposits.Limits(gnt(1_000_000), gnt(100_000_000), gnt(1_000_000)));
    assertThat(d.withdrawalDelaySeconds()).isEqualTo(86_400L);
    assertThat(d.totalDeposits()).isZero();
    Address fresh = addr(user(0));
    assertThat(d.balanceOf(fresh)).isZero();
    assertThat(d.isLocked(fresh)).isTrue();
    assertThat(d.isTimeLocked(fresh)).isFalse();
    assertThat(d.isUnlocked(fresh)).isFalse();
    assertThat(d.timelock(fresh)).isZero();
    assertThat(d.isDepositPossible(fresh, gnt(1_000_000))).isTrue();
    assertThat(d.isDepositPossible(fresh, gnt(1_000_000).add(BigInteger.ONE))).isFalse();
    assertThat(d.isSettled(fresh, subtask("none"), Purpose.SUBTASK_PAYMENT)).isFalse();
  }

  // ------------------------------------------------------------------ deposits

  @Test
  void transferAndCallDepositsInOneTransaction() {
    Credentials u = user(0);
    fund(u, gnt(100));
    TxResult tx = token(u).transferAndCall(depositAddress(), gnt(40), NO_DATA);

    ConcentDeposits d = deposits(u);
    assertThat(d.balanceOf(addr(u))).isEqualTo(gnt(40));
    assertThat(d.totalDeposits()).isEqualTo(gnt(40));
    assertThat(tokenBalance(addr(u))).isEqualTo(gnt(60));
    assertThat(tokenBalance(depositAddress())).isEqualTo(gnt(40));
    assertThat(d.isLocked(addr(u))).isTrue();

    List<LogEntry> events = logs(tx, depositAddress(), GNTDeposit.DEPOSIT_EVENT);
    assertThat(events).hasSize(1);
    assertThat(topicAddress(events.get(0).topics().get(1))).isEqualTo(addr(u));
    var values = data(events.get(0), GNTDeposit.DEPOSIT_EVENT);
    assertThat(values.get(0).getValue()).isEqualTo(gnt(40));
    assertThat(values.get(1).getValue()).isEqualTo(gnt(40));

    // a second deposit adds up; the event reports the new balance
    TxResult second = token(u).transferAndCall(depositAddress(), gnt(15), NO_DATA);
    assertThat(d.balanceOf(addr(u))).isEqualTo(gnt(55));
    assertThat(d.totalDeposits()).isEqualTo(gnt(55));
    var v2 =
        data(
            logs(second, depositAddress(), GNTDeposit.DEPOSIT_EVENT).get(0),
            GNTDeposit.DEPOSIT_EVENT);
    assertThat(v2.get(0).getValue()).isEqualTo(gnt(15));
    assertThat(v2.get(1).getValue()).isEqualTo(gnt(55));
  }

  @Test
  void approveThenDepositCreditsTheSenderAndUsesTheAllowance() {
    Credentials u = user(0);
    fund(u, gnt(100));
    token(u).approve(depositAddress(), gnt(50));
    deposits(u).deposit(gnt(30));

    assertThat(deposits(u).balanceOf(addr(u))).isEqualTo(gnt(30));
    assertThat(deposits(u).totalDeposits()).isEqualTo(gnt(30));
    assertThat(token(u).allowance(addr(u), depositAddress())).isEqualTo(gnt(20));
    assertThat(tokenBalance(addr(u))).isEqualTo(gnt(70));
    assertThat(tokenBalance(depositAddress())).isEqualTo(gnt(30));

    deposits(u).deposit(gnt(20));
    assertThat(deposits(u).balanceOf(addr(u))).isEqualTo(gnt(50));
    assertThat(token(u).allowance(addr(u), depositAddress())).isZero();
  }

  @Test
  void depositWithoutAllowanceRevertsInTheTokenAndCreditsNothing() {
    Credentials u = user(0);
    fund(u, gnt(100));
    token(u).approve(depositAddress(), gnt(10));
    var e = reverts("InsufficientAllowance", () -> deposits(u).deposit(gnt(11)));
    assertThat(e.arguments()).containsExactly(hexOf(u), depositAddress().hex(), gnt(10), gnt(11));
    assertThat(deposits(u).balanceOf(addr(u))).isZero();
    assertThat(deposits(u).totalDeposits()).isZero();
  }

  @Test
  void depositOfMoreThanTheBalanceReverts() {
    Credentials u = user(0);
    fund(u, gnt(5));
    var e =
        reverts(
            "InsufficientBalance",
            () -> token(u).transferAndCall(depositAddress(), gnt(6), NO_DATA));
    assertThat(e.arguments()).containsExactly(hexOf(u), gnt(5), gnt(6));
    assertThat(deposits(u).balanceOf(addr(u))).isZero();
  }

  @Test
  void zeroDepositRevertsBothWays() {
    Credentials u = user(0);
    fund(u, gnt(1));
    token(u).approve(depositAddress(), gnt(1));
    var viaDeposit = reverts("ZeroAmount", () -> deposits(u).deposit(BigInteger.ZERO));
    assertThat(viaDeposit.arguments()).isEmpty();
    reverts(
        "ZeroAmount", () -> token(u).transferAndCall(depositAddress(), BigInteger.ZERO, NO_DATA));
    assertThat(deposits(u).totalDeposits()).isZero();
  }

  @Test
  void perAccountCapRefusesTheDepositThatWouldExceedIt() {
    deposits(DEPLOYER).setMaximumDepositAmount(gnt(100));
    Credentials u = user(0);
    depositInOneTx(u, gnt(60));
    fund(u, gnt(41));
    ConcentDeposits d = deposits(u);
    assertThat(d.isDepositPossible(addr(u), gnt(40))).isTrue();
    assertThat(d.isDepositPossible(addr(u), gnt(41))).isFalse();

    var e =
        reverts(
            "DepositTooLarge", () -> token(u).transferAndCall(depositAddress(), gnt(41), NO_DATA));
    assertThat(e.arguments()).containsExactly(hexOf(u), gnt(101), gnt(100));
    token(u).approve(depositAddress(), gnt(41));
    var e2 = reverts("DepositTooLarge", () -> d.deposit(gnt(41)));
    assertThat(e2.arguments()).containsExactly(hexOf(u), gnt(101), gnt(100));
    assertThat(d.balanceOf(addr(u))).isEqualTo(gnt(60));

    // exactly up to the cap is fine; another account has its own cap
    d.deposit(gnt(40));
    assertThat(d.balanceOf(addr(u))).isEqualTo(gnt(100));
    depositInOneTx(user(1), gnt(100));
    assertThat(d.totalDeposits()).isEqualTo(gnt(200));
  }

  @Test
  void totalCapRefusesTheDepositThatWouldExceedIt() {
    deposits(DEPLOYER).setMaximumDepositsTotal(gnt(100));
    depositInOneTx(user(0), gnt(60));
    Credentials u = user(1);
    fund(u, gnt(41));
    ConcentDeposits d = deposits(u);
    assertThat(d.isDepositPossible(addr(u), gnt(40))).isTrue();
    assertThat(d.isDepositPossible(addr(u), gnt(41))).isFalse();

    var e =
        reverts(
            "DepositsTotalTooLarge",
            () -> token(u).transferAndCall(depositAddress(), gnt(41), NO_DATA));
    assertThat(e.arguments()).containsExactly(gnt(101), gnt(100));
    token(u).approve(depositAddress(), gnt(41));
    var e2 = reverts("DepositsTotalTooLarge", () -> d.deposit(gnt(41)));
    assertThat(e2.arguments()).containsExactly(gnt(101), gnt(100));

    d.deposit(gnt(40));
    assertThat(d.totalDeposits()).isEqualTo(gnt(100));
    assertThat(d.isDepositPossible(addr(user(2)), BigInteger.ONE)).isFalse();
  }

  @Test
  void isDepositPossibleAnswersFalseForAmountsThatWouldOverflow() {
    Credentials u = user(0);
    depositInOneTx(u, gnt(1));
    BigInteger maxUint256 = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);
    ConcentDeposits d = deposits(u);
    assertThat(d.isDepositPossible(addr(u), maxUint256)).isFalse();
    assertThat(d.isDepositPossible(addr(user(1)), maxUint256)).isFalse();
    // and when the owner lowered the cap below an existing balance
    deposits(DEPLOYER).setMaximumDepositAmount(BigInteger.ONE);
    assertThat(d.isDepositPossible(addr(u), BigInteger.ZERO)).isFalse();
    assertThat(d.isDepositPossible(addr(user(1)), BigInteger.ONE)).isTrue();
  }

  @Test
  void onlyTheTokenMayCallOnTokenReceived() {
    Credentials u = user(0);
    var e =
        reverts(
            "NotToken",
            () ->
                Rpc.call(
                    "onTokenReceived",
                    () -> wrapper(u).onTokenReceived(hexOf(u), gnt(1000), NO_DATA).send()));
    assertThat(e.arguments()).containsExactly(hexOf(u));
    // not even the owner, crediting someone else
    var e2 =
        reverts(
            "NotToken",
            () ->
                Rpc.call(
                    "onTokenReceived",
                    () -> wrapper(DEPLOYER).onTokenReceived(hexOf(u), gnt(1000), NO_DATA).send()));
    assertThat(e2.arguments()).containsExactly(hexOf(DEPLOYER));
    assertThat(deposits(u).balanceOf(addr(u))).isZero();
    assertThat(deposits(u).totalDeposits()).isZero();
  }

  // ------------------------------------------------------------------ unlock, lock, withdraw

  @Test
  void unlockStartsTheWithdrawalDelay() {
    Credentials u = user(0);
    depositInOneTx(u, gnt(10));
    ConcentDeposits d = deposits(u);
    TxResult tx = d.unlock();
    long unlockedAt = now();
    long until = unlockedAt + 86_400;

    assertThat(d.timelock(addr(u))).isEqualTo(until);
    assertThat(d.isLocked(addr(u))).isFalse();
    assertThat(d.isTimeLocked(addr(u))).isTrue();
    assertThat(d.isUnlocked(addr(u))).isFalse();
    List<LogEntry> events = logs(tx, depositAddress(), GNTDeposit.UNLOCK_EVENT);
    assertThat(events).hasSize(1);
    assertThat(topicAddress(events.get(0).topics().get(1))).isEqualTo(addr(u));
    assertThat(data(events.get(0), GNTDeposit.UNLOCK_EVENT).get(0).getValue())
        .isEqualTo(BigInteger.valueOf(until));
  }

  @Test
  void withdrawBeforeTheDelayRevertsWithStillLocked() {
    Credentials u = user(0);
    depositInOneTx(u, gnt(10));
    ConcentDeposits d = deposits(u);

    // locked, never unlocked
    var locked = reverts("StillLocked", () -> d.withdraw(addr(u)));
    assertThat(locked.argument(0)).isEqualTo(hexOf(u));
    assertThat(locked.argument(1)).isEqualTo(BigInteger.ZERO);

    d.unlock();
    long until = d.timelock(addr(u));
    advanceTime(86_400 - 60);
    var e = reverts("StillLocked", () -> d.withdraw(addr(u)));
    assertThat(e.argument(0)).isEqualTo(hexOf(u));
    assertThat(e.argument(1)).isEqualTo(BigInteger.valueOf(until));
    BigInteger at = (BigInteger) e.argument(2);
    assertThat(at.longValueExact()).isGreaterThanOrEqualTo(now()).isLessThan(until);
    assertThat(d.balanceOf(addr(u))).isEqualTo(gnt(10));
  }

  @Test
  void withdrawAfterTheDelayPaysTheChosenAddressAndResetsTheAccount() {
    Credentials u = user(0);
    Address to = addr(user(1));
    depositInOneTx(u, gnt(10));
    depositInOneTx(user(2), gnt(7));
    ConcentDeposits d = deposits(u);
    d.unlock();
    advanceTime(86_400);
    assertThat(d.isUnlocked(addr(u))).isTrue();
    assertThat(d.isTimeLocked(addr(u))).isFalse();
    assertThat(d.isLocked(addr(u))).isFalse();

    TxResult tx = d.withdraw(to);

    assertThat(tokenBalance(to)).isEqualTo(gnt(10));
    assertThat(tokenBalance(addr(u))).isZero();
    assertThat(tokenBalance(depositAddress())).isEqualTo(gnt(7));
    assertThat(d.balanceOf(addr(u))).isZero();
    assertThat(d.totalDeposits()).isEqualTo(gnt(7));
    assertThat(d.timelock(addr(u))).isZero();
    assertThat(d.isLocked(addr(u))).isTrue();
    List<LogEntry> events = logs(tx, depositAddress(), GNTDeposit.WITHDRAW_EVENT);
    assertThat(events).hasSize(1);
    assertThat(topicAddress(events.get(0).topics().get(1))).isEqualTo(addr(u));
    assertThat(topicAddress(events.get(0).topics().get(2))).isEqualTo(to);
    assertThat(data(events.get(0), GNTDeposit.WITHDRAW_EVENT).get(0).getValue()).isEqualTo(gnt(10));

    // nothing left to withdraw a second time
    var again = reverts("NothingDeposited", () -> d.withdraw(addr(u)));
    assertThat(again.arguments()).containsExactly(hexOf(u));
  }

  @Test
  void withdrawToSelfReturnsTheTokens() {
    Credentials u = user(0);
    depositInOneTx(u, gnt(3));
    deposits(u).unlock();
    advanceTime(86_400);
    deposits(u).withdraw(addr(u));
    assertThat(tokenBalance(addr(u))).isEqualTo(gnt(3));
    assertThat(deposits(u).totalDeposits()).isZero();
  }

  @Test
  void withdrawToTheZeroAddressReverts() {
    Credentials u = user(0);
    depositInOneTx(u, gnt(3));
    deposits(u).unlock();
    advanceTime(86_400);
    var e = reverts("ZeroAddress", () -> deposits(u).withdraw(Address.ZERO));
    assertThat(e.arguments()).isEmpty();
    assertThat(deposits(u).balanceOf(addr(u))).isEqualTo(gnt(3));
  }

  @Test
  void withdrawWithNothingDepositedReverts() {
    var e = reverts("NothingDeposited", () -> deposits(user(0)).withdraw(addr(user(0))));
    assertThat(e.arguments()).containsExactly(hexOf(user(0)));
  }

  @Test
  void unlockWithNothingDepositedReverts() {
    var e = reverts("NothingDeposited", () -> deposits(user(0)).unlock());
    assertThat(e.arguments()).containsExactly(hexOf(user(0)));
  }

  @Test
  void unlockTwiceRevertsWithAlreadyUnlocking() {
    Credentials u = user(0);
    depositInOneTx(u, gnt(3));
    deposits(u).unlock();
    long until = deposits(u).timelock(addr(u));
    advanceTime(100);
    var e = reverts("AlreadyUnlocking", () -> deposits(u).unlock());
    assertThat(e.arguments()).containsExactly(hexOf(u), BigInteger.valueOf(until));
    // also after the delay: the deadline is not pushed back
    advanceTime(86_400);
    reverts("AlreadyUnlocking", () -> deposits(u).unlock());
    assertThat(deposits(u).timelock(addr(u))).isEqualTo(until);
  }

  @Test
  void lockCancelsAStartedWithdrawal() {
    Credentials u = user(0);
    depositInOneTx(u, gnt(3));
    ConcentDeposits d = deposits(u);
    d.unlock();
    TxResult tx = d.lock();

    assertThat(d.isLocked(addr(u))).isTrue();
    assertThat(d.isTimeLocked(addr(u))).isFalse();
    assertThat(d.timelock(addr(u))).isZero();
    List<LogEntry> events = logs(tx, depositAddress(), GNTDeposit.LOCK_EVENT);
    assertThat(events).hasSize(1);
    assertThat(topicAddress(events.get(0).topics().get(1))).isEqualTo(addr(u));

    advanceTime(86_400);
    var e = reverts("StillLocked", () -> d.withdraw(addr(u)));
    assertThat(e.argument(1)).isEqualTo(BigInteger.ZERO);

    // it can be unlocked again, with a fresh delay
    d.unlock();
    assertThat(d.timelock(addr(u))).isEqualTo(now() + 86_400);
  }

  @Test
  void lockOfALockedAccountRevertsWithAlreadyLocked() {
    Credentials u = user(0);
    var fresh = reverts("AlreadyLocked", () -> deposits(u).lock());
    assertThat(fresh.arguments()).containsExactly(hexOf(u));
    depositInOneTx(u, gnt(1));
    var e = reverts("AlreadyLocked", () -> deposits(u).lock());
    assertThat(e.arguments()).containsExactly(hexOf(u));
  }

  @Test
  void lockAfterTheDelayHasPassedLocksAgain() {
    Credentials u = user(0);
    depositInOneTx(u, gnt(1));
    deposits(u).unlock();
    advanceTime(86_400);
    assertThat(deposits(u).isUnlocked(addr(u))).isTrue();
    deposits(u).lock();
    assertThat(deposits(u).isUnlocked(addr(u))).isFalse();
    assertThat(deposits(u).isLocked(addr(u))).isTrue();
    reverts("StillLocked", () -> deposits(u).withdraw(addr(u)));
  }

  // ------------------------------------------------------------------ reimburseForSubtask

  @Test
  void reimburseForSubtaskPaysTheProviderFromTheRequestorsDeposit() {
    Credentials requestor = user(0);
    Credentials provider = user(1);
    depositInOneTx(requestor, gnt(100));
    depositInOneTx(user(2), gnt(5)); // someone else's deposit is untouched
    SignedNote n = subtaskNote(requestor, provider, gnt(30), "s1");

    TxResult tx = deposits(CONCENT).reimburseForSubtask(n, gnt(20));

    ConcentDeposits d = deposits(CONCENT);
    assertThat(d.balanceOf(addr(requestor))).isEqualTo(gnt(80));
    assertThat(d.balanceOf(addr(user(2)))).isEqualTo(gnt(5));
    assertThat(d.totalDeposits()).isEqualTo(gnt(85));
    assertThat(tokenBalance(addr(provider))).isEqualTo(gnt(20));
    assertThat(tokenBalance(depositAddress())).isEqualTo(gnt(85));
    assertThat(tokenBalance(addr(COLDWALLET))).isZero();
    assertThat(d.isSettled(addr(requestor), subtask("s1"), Purpose.SUBTASK_PAYMENT)).isTrue();
    assertThat(token(DEPLOYER).transfers(tx))
        .containsExactly(new GntToken.TransferEvent(depositAddress(), addr(provider), gnt(20)));
  }

  @Test
  void reimburseForSubtaskUpToExactlyTheNoteAmount() {
    Credentials requestor = user(0);
    depositInOneTx(requestor, gnt(100));
    deposits(CONCENT).reimburseForSubtask(subtaskNote(requestor, user(1), gnt(30), "s1"), gnt(30));
    assertThat(deposits(CONCENT).balanceOf(addr(requestor))).isEqualTo(gnt(70));
    assertThat(tokenBalance(addr(user(1)))).isEqualTo(gnt(30));
  }

  @Test
  void reimburseForSubtaskAboveTheNoteReverts() {
    Credentials requestor = user(0);
    depositInOneTx(requestor, gnt(100));
    SignedNote n = subtaskNote(requestor, user(1), gnt(30), "s1");
    var e =
        reverts(
            "ReimbursementAboveNote",
            () -> deposits(CONCENT).reimburseForSubtask(n, gnt(30).add(BigInteger.ONE)));
    assertThat(e.arguments()).containsExactly(gnt(30).add(BigInteger.ONE), gnt(30));
    assertThat(deposits(CONCENT).balanceOf(addr(requestor))).isEqualTo(gnt(100));
    assertThat(deposits(CONCENT).isSettled(addr(requestor), subtask("s1"), Purpose.SUBTASK_PAYMENT))
        .isFalse();
  }

  @Test
  void reimburseForSubtaskBeyondTheDepositRevertsWithInsufficientDeposit() {
    Credentials requestor = user(0);
    depositInOneTx(requestor, gnt(100));
    SignedNote n = subtaskNote(requestor, user(1), gnt(500), "s1");
    var e =
        reverts("InsufficientDeposit", () -> deposits(CONCENT).reimburseForSubtask(n, gnt(150)));
    assertThat(e.arguments()).containsExactly(hexOf(requestor), gnt(100), gnt(150));
    assertThat(deposits(CONCENT).isSettled(addr(requestor), subtask("s1"), Purpose.SUBTASK_PAYMENT))
        .isFalse();
    assertThat(tokenBalance(addr(user(1)))).isZero();

    // the whole deposit can be taken, to the last base unit
    deposits(CONCENT).reimburseForSubtask(n, gnt(100));
    assertThat(deposits(CONCENT).balanceOf(addr(requestor))).isZero();
    assertThat(deposits(CONCENT).totalDeposits()).isZero();
    assertThat(tokenBalance(addr(user(1)))).isEqualTo(gnt(100));
  }

  @Test
  void reimburseForSubtaskWithoutAnyDepositReverts() {
    SignedNote n = subtaskNote(user(0), user(1), gnt(5), "s1");
    var e = reverts("InsufficientDeposit", () -> deposits(CONCENT).reimburseForSubtask(n, gnt(1)));
    assertThat(e.arguments()).containsExactly(hexOf(user(0)), BigInteger.ZERO, gnt(1));
  }

  @Test
  void zeroReimbursementRevertsWithZeroAmountAndSettlesNothing() {
    Credentials requestor = user(0);
    depositInOneTx(requestor, gnt(10));
    SignedNote n = subtaskNote(requestor, user(1), gnt(5), "s1");
    reverts("ZeroAmount", () -> deposits(CONCENT).reimburseForSubtask(n, BigInteger.ZERO));
    reverts(
        "ZeroAmount",
        () ->
            deposits(CONCENT)
                .reimburseForVerificationCosts(
                    feeNote(requestor, gnt(1), "s1", Purpose.VERIFICATION_COST), BigInteger.ZERO));
    reverts(
        "ZeroAmount",
        () ->
            deposits(CONCENT)
                .reimburseForCommunication(
                    feeNote(requestor, gnt(1), "s1", Purpose.COMMUNICATION), BigInteger.ZERO));
    reverts(
        "ZeroAmount",
        () -> deposits(CONCENT).reimburseForNoPayment(List.of(n), BigInteger.ZERO, now()));
    assertThat(deposits(CONCENT).isSettled(addr(requestor), subtask("s1"), Purpose.SUBTASK_PAYMENT))
        .isFalse();
    // the note is still good afterwards
    deposits(CONCENT).reimburseForSubtask(n, gnt(5));
    assertThat(tokenBalance(addr(user(1)))).isEqualTo(gnt(5));
  }

  // ------------------------------------------------------------------ reimburseForNoPayment

  @Test
  void reimburseForNoPaymentPaysUpToTheSumOfTheNotes() {
    Credentials requestor = user(0);
    Credentials provider = user(1);
    depositInOneTx(requestor, gnt(100));
    List<SignedNote> notes =
        List.of(
            subtaskNote(requestor, provider, gnt(10), "a"),
            subtaskNote(requestor, provider, gnt(20), "b"),
            subtaskNote(requestor, provider, gnt(30), "c"));

    var above =
        reverts(
            "ReimbursementAboveNote",
            () ->
                deposits(CONCENT).reimburseForNoPayment(notes, gnt(60).add(BigInteger.ONE), now()));
    assertThat(above.arguments()).containsExactly(gnt(60).add(BigInteger.ONE), gnt(60));

    deposits(CONCENT).reimburseForNoPayment(notes, gnt(55), now());

    ConcentDeposits d = deposits(CONCENT);
    assertThat(d.balanceOf(addr(requestor))).isEqualTo(gnt(45));
    assertThat(d.totalDeposits()).isEqualTo(gnt(45));
    assertThat(tokenBalance(addr(provider))).isEqualTo(gnt(55));
    for (String id : List.of("a", "b", "c")) {
      assertThat(d.isSettled(addr(requestor), subtask(id), Purpose.SUBTASK_PAYMENT))
          .as(id)
          .isTrue();
    }
  }

  @Test
  void reimburseForNoPaymentBeyondTheDepositReverts() {
    Credentials requestor = user(0);
    depositInOneTx(requestor, gnt(10));
    List<SignedNote> notes =
        List.of(
            subtaskNote(requestor, user(1), gnt(10), "a"),
            subtaskNote(requestor, user(1), gnt(10), "b"));
    var e =
        reverts(
            "InsufficientDeposit",
            () -> deposits(CONCENT).reimburseForNoPayment(notes, gnt(15), now()));
    assertThat(e.arguments()).containsExactly(hexOf(requestor), gnt(10), gnt(15));
  }

  @Test
  void reimburseForNoPaymentWithMismatchedArraysReverts() {
    Credentials requestor = user(0);
    depositInOneTx(requestor, gnt(10));
    SignedNote n = subtaskNote(requestor, user(1), gnt(5), "a");
    GNTDeposit w = wrapper(CONCENT);
    BigInteger v = BigInteger.valueOf(n.v());
    // two amounts, one of everything else
    var e =
        reverts(
            "ArrayLengthMismatch",
            () ->
                Rpc.call(
                    "reimburseForNoPayment",
                    () ->
                        w.reimburseForNoPayment(
                                hexOf(requestor),
                                hexOf(user(1)),
                                List.of(gnt(5), gnt(5)),
                                List.of(subtask("a")),
                                List.of(v),
                                List.of(n.r()),
                                List.of(n.s()),
                                gnt(5),
                                BigInteger.valueOf(now()))
                            .send()));
    assertThat(e.arguments()).isEmpty();
    // one of everything but two s values
    reverts(
        "ArrayLengthMismatch",
        () ->
            Rpc.call(
                "reimburseForNoPayment",
                () ->
                    w.reimburseForNoPayment(
                            hexOf(requestor),
                            hexOf(user(1)),
                            List.of(gnt(5)),
                            List.of(subtask("a")),
                            List.of(v),
                            List.of(n.r()),
                            List.of(n.s(), n.s()),
                            gnt(5),
                            BigInteger.valueOf(now()))
                        .send()));
    assertThat(deposits(CONCENT).balanceOf(addr(requestor))).isEqualTo(gnt(10));
  }

  @Test
  void emptyForcePaymentRevertsWithZeroAmount() {
    GNTDeposit w = wrapper(CONCENT);
    var e =
        reverts(
            "ZeroAmount",
            () ->
                Rpc.call(
                    "reimburseForNoPayment",
                    () ->
                        w.reimburseForNoPayment(
                                hexOf(user(0)),
                                hexOf(user(1)),
                                List.of(),
                                List.of(),
                                List.of(),
                                List.of(),
                                List.of(),
                                BigInteger.ZERO,
                                BigInteger.valueOf(now()))
                            .send()));
    assertThat(e.arguments()).isEmpty();
    // the gateway refuses it before reaching the chain
    assertThatThrownBy(() -> deposits(CONCENT).reimburseForNoPayment(List.of(), gnt(1), now()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void forcePaymentOf65NotesRevertsWithTooManyNotesAnd64Pass() {
    Credentials requestor = user(0);
    Credentials provider = user(1);
    depositInOneTx(requestor, gnt(1000));
    List<SignedNote> notes = new ArrayList<>();
    for (int i = 0; i < 65; i++) {
      notes.add(subtaskNote(requestor, provider, gnt(1), "many-" + i));
    }
    var e =
        reverts(
            "TooManyNotes", () -> deposits(CONCENT).reimburseForNoPayment(notes, gnt(65), now()));
    assertThat(e.arguments()).containsExactly(BigInteger.valueOf(65), BigInteger.valueOf(64));

    deposits(CONCENT).reimburseForNoPayment(notes.subList(0, 64), gnt(64), now());
    assertThat(tokenBalance(addr(provider))).isEqualTo(gnt(64));
    assertThat(deposits(CONCENT).balanceOf(addr(requestor))).isEqualTo(gnt(936));
    assertThat(
            deposits(CONCENT)
                .isSettled(addr(requestor), subtask("many-63"), Purpose.SUBTASK_PAYMENT))
        .isTrue();
    assertThat(
            deposits(CONCENT)
                .isSettled(addr(requestor), subtask("many-64"), Purpose.SUBTASK_PAYMENT))
        .isFalse();
  }

  @Test
  void forcePaymentWithTheSameSubtaskTwiceInOneCallReverts() {
    Credentials requestor = user(0);
    depositInOneTx(requestor, gnt(100));
    SignedNote n = subtaskNote(requestor, user(1), gnt(10), "dup");
    var e =
        reverts(
            "AlreadySettled",
            () -> deposits(CONCENT).reimburseForNoPayment(List.of(n, n), gnt(20), now()));
    assertThat(e.arguments())
        .containsExactly(hexOf(requestor), hex(subtask("dup")), BigInteger.ZERO);
    assertThat(
            deposits(CONCENT).isSettled(addr(requestor), subtask("dup"), Purpose.SUBTASK_PAYMENT))
        .isFalse();
  }

  @Test
  void forcePaymentWithANoteForAnotherProviderReverts() {
    Credentials requestor = user(0);
    depositInOneTx(requestor, gnt(100));
    SignedNote first = subtaskNote(requestor, user(1), gnt(10), "a");
    SignedNote other = subtaskNote(requestor, user(2), gnt(10), "b");
    // The gateway refuses the mixed list before sending (ConcentGatewayChecksTest); the contract
    // refuses it too: sent raw with the first note's payee, the second note's signature fails.
    var e =
        reverts(
            "InvalidSignature",
            () ->
                wrapper(CONCENT)
                    .reimburseForNoPayment(
                        addr(requestor).hex(),
                        addr(user(1)).hex(),
                        List.of(gnt(10), gnt(10)),
                        List.of(subtask("a"), subtask("b")),
                        List.of(BigInteger.valueOf(first.v()), BigInteger.valueOf(other.v())),
                        List.of(first.r(), other.r()),
                        List.of(first.s(), other.s()),
                        gnt(20),
                        BigInteger.valueOf(now()))
                    .send());
    assertThat(e.argument(0)).isEqualTo(hexOf(requestor));
    assertThat(e.argument(1)).isNotEqualTo(hexOf(requestor));
  }

  // ------------------------------------------------------------------ fees to the cold wallet

  @Test
  void reimburseForVerificationCostsPaysTheColdWallet() {
    Credentials provider = user(1);
    depositInOneTx(provider, gnt(50));
    SignedNote n = feeNote(provider, gnt(8), "v1", Purpose.VERIFICATION_COST);

    deposits(CONCENT).reimburseForVerificationCosts(n, gnt(5));

    ConcentDeposits d = deposits(CONCENT);
    assertThat(d.balanceOf(addr(provider))).isEqualTo(gnt(45));
    assertThat(d.totalDeposits()).isEqualTo(gnt(45));
    assertThat(tokenBalance(addr(COLDWALLET))).isEqualTo(gnt(5));
    assertThat(tokenBalance(addr(CONCENT))).isZero();
    assertThat(d.isSettled(addr(provider), subtask("v1"), Purpose.VERIFICATION_COST)).isTrue();
    assertThat(d.isSettled(addr(provider), subtask("v1"), Purpose.COMMUNICATION)).isFalse();
    assertThat(d.isSettled(addr(provider), subtask("v1"), Purpose.SUBTASK_PAYMENT)).isFalse();
  }

  @Test
  void reimburseForCommunicationPaysTheColdWallet() {
    Credentials payer = user(0);
    depositInOneTx(payer, gnt(50));
    SignedNote n = feeNote(payer, gnt(2), "c1", Purpose.COMMUNICATION);

    deposits(CONCENT).reimburseForCommunication(n, gnt(2));

    ConcentDeposits d = deposits(CONCENT);
    assertThat(d.balanceOf(addr(payer))).isEqualTo(gnt(48));
    assertThat(d.totalDeposits()).isEqualTo(gnt(48));
    assertThat(tokenBalance(addr(COLDWALLET))).isEqualTo(gnt(2));
    assertThat(d.isSettled(addr(payer), subtask("c1"), Purpose.COMMUNICATION)).isTrue();
    assertThat(d.isSettled(addr(payer), subtask("c1"), Purpose.VERIFICATION_COST)).isFalse();
  }

  @Test
  void feeReimbursementsAboveTheNoteRevert() {
    Credentials payer = user(0);
    depositInOneTx(payer, gnt(50));
    SignedNote v = feeNote(payer, gnt(3), "f", Purpose.VERIFICATION_COST);
    SignedNote c = feeNote(payer, gnt(4), "f", Purpose.COMMUNICATION);
    var ev =
        reverts(
            "ReimbursementAboveNote",
            () -> deposits(CONCENT).reimburseForVerificationCosts(v, gnt(4)));
    assertThat(ev.arguments()).containsExactly(gnt(4), gnt(3));
    var ec =
        reverts(
            "ReimbursementAboveNote", () -> deposits(CONCENT).reimburseForCommunication(c, gnt(5)));
    assertThat(ec.arguments()).containsExactly(gnt(5), gnt(4));
    assertThat(tokenBalance(addr(COLDWALLET))).isZero();
  }

  @Test
  void feeReimbursementsBeyondTheDepositRevert() {
    Credentials payer = user(0);
    depositInOneTx(payer, gnt(2));
    SignedNote v = feeNote(payer, gnt(3), "f", Purpose.VERIFICATION_COST);
    SignedNote c = feeNote(payer, gnt(3), "f", Purpose.COMMUNICATION);
    var ev =
        reverts(
            "InsufficientDeposit",
            () -> deposits(CONCENT).reimburseForVerificationCosts(v, gnt(3)));
    assertThat(ev.arguments()).containsExactly(hexOf(payer), gnt(2), gnt(3));
    var ec =
        reverts(
            "InsufficientDeposit", () -> deposits(CONCENT).reimburseForCommunication(c, gnt(3)));
    assertThat(ec.arguments()).containsExactly(hexOf(payer), gnt(2), gnt(3));
  }

  @Test
  void feeNotesMustBePayableToTheDepositContractAndCarryTheirPurpose() {
    // The gateway refuses these before sending (ConcentGatewayChecksTest); here they are sent raw
    // to show that the contract refuses them too: it hashes the note it expects, so the signature
    // of any other note does not match.
    Credentials payer = user(0);
    depositInOneTx(payer, gnt(50));
    SignedNote toColdwallet =
        signer()
            .sign(
                note(payer, addr(COLDWALLET), gnt(3), subtask("f"), Purpose.VERIFICATION_COST),
                payer.getEcKeyPair());
    var e = reverts("InvalidSignature", () -> rawVerification(toColdwallet));
    assertThat(e.argument(0)).isEqualTo(hexOf(payer));
    assertThat(e.argument(1)).isNotEqualTo(hexOf(payer));
    // a communication note cannot pay a verification cost, nor the other way round
    reverts(
        "InvalidSignature",
        () -> rawVerification(feeNote(payer, gnt(3), "f", Purpose.COMMUNICATION)));
    reverts(
        "InvalidSignature",
        () -> rawCommunication(feeNote(payer, gnt(3), "f", Purpose.VERIFICATION_COST)));
    // nor can a subtask payment note be used for a fee
    reverts("InvalidSignature", () -> rawCommunication(subtaskNote(payer, user(1), gnt(3), "f")));
    assertThat(tokenBalance(addr(COLDWALLET))).isZero();
  }

  private static void rawVerification(SignedNote s) throws Exception {
    PromissoryNote n = s.note();
    wrapper(CONCENT)
        .reimburseForVerificationCosts(
            n.payer().hex(),
            n.amount(),
            n.subtaskId(),
            BigInteger.valueOf(s.v()),
            s.r(),
            s.s(),
            n.amount())
        .send();
  }

  private static void rawCommunication(SignedNote s) throws Exception {
    PromissoryNote n = s.note();
    wrapper(CONCENT)
        .reimburseForCommunication(
            n.payer().hex(),
            n.amount(),
            n.subtaskId(),
            BigInteger.valueOf(s.v()),
            s.r(),
            s.s(),
            n.amount())
        .send();
  }

  // ------------------------------------------------------------------ only Concent

  @Test
  void everyReimbursementIsForConcentOnly() {
    Credentials requestor = user(0);
    depositInOneTx(requestor, gnt(100));
    SignedNote pay = subtaskNote(requestor, user(1), gnt(10), "s");
    SignedNote ver = feeNote(requestor, gnt(1), "s", Purpose.VERIFICATION_COST);
    SignedNote com = feeNote(requestor, gnt(1), "s", Purpose.COMMUNICATION);
    for (Credentials caller : List.of(requestor, user(1), DEPLOYER, COLDWALLET)) {
      ConcentDeposits d = deposits(caller);
      String who = hexOf(caller);
      assertThat(reverts("NotConcent", () -> d.reimburseForSubtask(pay, gnt(10))).arguments())
          .containsExactly(who);
      assertThat(
              reverts("NotConcent", () -> d.reimburseForNoPayment(List.of(pay), gnt(10), now()))
                  .arguments())
          .containsExactly(who);
      assertThat(
              reverts("NotConcent", () -> d.reimburseForVerificationCosts(ver, gnt(1))).arguments())
          .containsExactly(who);
      assertThat(reverts("NotConcent", () -> d.reimburseForCommunication(com, gnt(1))).arguments())
          .containsExactly(who);
    }
    assertThat(deposits(CONCENT).balanceOf(addr(requestor))).isEqualTo(gnt(100));
    assertThat(deposits(CONCENT).isSettled(addr(requestor), subtask("s"), Purpose.SUBTASK_PAYMENT))
        .isFalse();
  }

  // ------------------------------------------------------------------ daily limit

  @Test
  void dailyReimbursementLimitIsSharedByAllPayersAndResetsTheNextDay() {
    deposits(DEPLOYER).setDailyReimbursementLimit(gnt(100));
    Credentials a = user(0);
    Credentials b = user(1);
    Credentials provider = user(2);
    depositInOneTx(a, gnt(500));
    depositInOneTx(b, gnt(500));
    moveToStartOfDay();

    ConcentDeposits c = deposits(CONCENT);
    c.reimburseForSubtask(subtaskNote(a, provider, gnt(60), "d1"), gnt(60));
    // another payer, another function: the same daily budget
    SignedNote over = subtaskNote(b, provider, gnt(50), "d2");
    var e = reverts("DailyLimitExceeded", () -> c.reimburseForSubtask(over, gnt(50)));
    assertThat(e.arguments()).containsExactly(gnt(60), gnt(50), gnt(100));
    SignedNote fee = feeNote(b, gnt(41), "d3", Purpose.COMMUNICATION);
    var ef = reverts("DailyLimitExceeded", () -> c.reimburseForCommunication(fee, gnt(41)));
    assertThat(ef.arguments()).containsExactly(gnt(60), gnt(41), gnt(100));

    // up to exactly the limit is fine
    c.reimburseForCommunication(fee, gnt(40));
    var full = reverts("DailyLimitExceeded", () -> c.reimburseForSubtask(over, BigInteger.ONE));
    assertThat(full.arguments()).containsExactly(gnt(100), BigInteger.ONE, gnt(100));
    assertThat(c.isSettled(addr(b), subtask("d2"), Purpose.SUBTASK_PAYMENT)).isFalse();

    advanceTime(86_400);
    c.reimburseForSubtask(over, gnt(50));
    assertThat(tokenBalance(addr(provider))).isEqualTo(gnt(110));
    assertThat(tokenBalance(addr(COLDWALLET))).isEqualTo(gnt(40));
    assertThat(c.balanceOf(addr(a))).isEqualTo(gnt(440));
    assertThat(c.balanceOf(addr(b))).isEqualTo(gnt(410));
    // and the new day's budget counts from zero
    SignedNote more = subtaskNote(a, provider, gnt(51), "d4");
    var e2 = reverts("DailyLimitExceeded", () -> c.reimburseForSubtask(more, gnt(51)));
    assertThat(e2.arguments()).containsExactly(gnt(50), gnt(51), gnt(100));
  }

  @Test
  void forcePaymentCountsAgainstTheDailyLimit() {
    deposits(DEPLOYER).setDailyReimbursementLimit(gnt(10));
    Credentials requestor = user(0);
    depositInOneTx(requestor, gnt(100));
    moveToStartOfDay();
    List<SignedNote> notes =
        List.of(
            subtaskNote(requestor, user(1), gnt(6), "a"),
            subtaskNote(requestor, user(1), gnt(6), "b"));
    var e =
        reverts(
            "DailyLimitExceeded",
            () -> deposits(CONCENT).reimburseForNoPayment(notes, gnt(12), now()));
    assertThat(e.arguments()).containsExactly(BigInteger.ZERO, gnt(12), gnt(10));
    deposits(CONCENT).reimburseForNoPayment(notes, gnt(10), now());
    assertThat(tokenBalance(addr(user(1)))).isEqualTo(gnt(10));
  }

  // ------------------------------------------------------------------ Concent charges during a
  // withdrawal

  @Test
  void concentCanStillChargeAnAccountThatIsUnlocking() {
    Credentials requestor = user(0);
    depositInOneTx(requestor, gnt(100));
    ConcentDeposits own = deposits(requestor);
    own.unlock();
    long until = own.timelock(addr(requestor));
    advanceTime(86_400 - 120);
    assertThat(own.isTimeLocked(addr(requestor))).isTrue();

    deposits(CONCENT)
        .reimburseForSubtask(subtaskNote(requestor, user(1), gnt(30), "late"), gnt(30));
    assertThat(own.balanceOf(addr(requestor))).isEqualTo(gnt(70));
    // the withdrawal schedule is unchanged by the charge
    assertThat(own.timelock(addr(requestor))).isEqualTo(until);

    advanceTime(240);
    // delay over but not yet withdrawn: Concent can still charge
    assertThat(own.isUnlocked(addr(requestor))).isTrue();
    deposits(CONCENT)
        .reimburseForCommunication(
            feeNote(requestor, gnt(5), "late", Purpose.COMMUNICATION), gnt(5));
    own.withdraw(addr(requestor));
    assertThat(tokenBalance(addr(requestor))).isEqualTo(gnt(65));
    assertThat(tokenBalance(addr(user(1)))).isEqualTo(gnt(30));
    assertThat(tokenBalance(addr(COLDWALLET))).isEqualTo(gnt(5));
    assertThat(own.totalDeposits()).isZero();
  }

  @Test
  void anAccountDrainedWhileUnlockingCannotWithdrawOrUnlockAgain() {
    Credentials requestor = user(0);
    depositInOneTx(requestor, gnt(10));
    deposits(requestor).unlock();
    deposits(CONCENT).reimburseForSubtask(subtaskNote(requestor, user(1), gnt(10), "all"), gnt(10));
    advanceTime(86_400);
    var e = reverts("NothingDeposited", () -> deposits(requestor).withdraw(addr(requestor)));
    assertThat(e.arguments()).containsExactly(hexOf(requestor));
    var u = reverts("NothingDeposited", () -> deposits(requestor).unlock());
    assertThat(u.arguments()).containsExactly(hexOf(requestor));
    // a new deposit re-locks the account
    depositInOneTx(requestor, gnt(1));
    assertThat(deposits(requestor).isLocked(addr(requestor))).isTrue();
    assertThat(deposits(requestor).timelock(addr(requestor))).isZero();
  }

  // ------------------------------------------------------------------ owner functions

  @Test
  void transferConcentHandsTheRoleOver() {
    Credentials newConcent = user(5);
    Credentials requestor = user(0);
    depositInOneTx(requestor, gnt(10));
    TxResult tx = deposits(DEPLOYER).transferConcent(addr(newConcent));

    assertThat(deposits(DEPLOYER).roles().concent()).isEqualTo(addr(newConcent));
    List<LogEntry> events = logs(tx, depositAddress(), GNTDeposit.CONCENTTRANSFERRED_EVENT);
    assertThat(events).hasSize(1);
    assertThat(topicAddress(events.get(0).topics().get(1))).isEqualTo(addr(CONCENT));
    assertThat(topicAddress(events.get(0).topics().get(2))).isEqualTo(addr(newConcent));

    SignedNote n = subtaskNote(requestor, user(1), gnt(4), "t");
    var e = reverts("NotConcent", () -> deposits(CONCENT).reimburseForSubtask(n, gnt(4)));
    assertThat(e.arguments()).containsExactly(hexOf(CONCENT));
    deposits(newConcent).reimburseForSubtask(n, gnt(4));
    assertThat(tokenBalance(addr(user(1)))).isEqualTo(gnt(4));
  }

  @Test
  void transferConcentIsForTheOwnerAndRefusesZero() {
    var e = reverts("NotOwner", () -> deposits(CONCENT).transferConcent(addr(user(5))));
    assertThat(e.arguments()).containsExactly(hexOf(CONCENT));
    reverts("ZeroAddress", () -> deposits(DEPLOYER).transferConcent(Address.ZERO));
    assertThat(deposits(DEPLOYER).roles().concent()).isEqualTo(addr(CONCENT));
  }

  @Test
  void transferColdwalletRedirectsTheFees() {
    Credentials newCold = user(6);
    Credentials payer = user(0);
    depositInOneTx(payer, gnt(10));
    TxResult tx = deposits(DEPLOYER).transferColdwallet(addr(newCold));

    assertThat(deposits(DEPLOYER).roles().coldwallet()).isEqualTo(addr(newCold));
    List<LogEntry> events = logs(tx, depositAddress(), GNTDeposit.COLDWALLETTRANSFERRED_EVENT);
    assertThat(events).hasSize(1);
    assertThat(topicAddress(events.get(0).topics().get(1))).isEqualTo(addr(COLDWALLET));
    assertThat(topicAddress(events.get(0).topics().get(2))).isEqualTo(addr(newCold));

    deposits(CONCENT)
        .reimburseForVerificationCosts(
            feeNote(payer, gnt(3), "x", Purpose.VERIFICATION_COST), gnt(3));
    deposits(CONCENT)
        .reimburseForCommunication(feeNote(payer, gnt(1), "x", Purpose.COMMUNICATION), gnt(1));
    assertThat(tokenBalance(addr(newCold))).isEqualTo(gnt(4));
    assertThat(tokenBalance(addr(COLDWALLET))).isZero();
  }

  @Test
  void transferColdwalletIsForTheOwnerAndRefusesZero() {
    var e = reverts("NotOwner", () -> deposits(user(0)).transferColdwallet(addr(user(0))));
    assertThat(e.arguments()).containsExactly(hexOf(user(0)));
    reverts("ZeroAddress", () -> deposits(DEPLOYER).transferColdwallet(Address.ZERO));
    assertThat(deposits(DEPLOYER).roles().coldwallet()).isEqualTo(addr(COLDWALLET));
  }

  @Test
  void transferOwnershipHandsTheOwnerFunctionsOver() {
    Credentials newOwner = user(7);
    TxResult tx = deposits(DEPLOYER).transferOwnership(addr(newOwner));
    assertThat(deposits(DEPLOYER).roles().owner()).isEqualTo(addr(newOwner));
    List<LogEntry> events = logs(tx, depositAddress(), GNTDeposit.OWNERSHIPTRANSFERRED_EVENT);
    assertThat(events).hasSize(1);
    assertThat(topicAddress(events.get(0).topics().get(1))).isEqualTo(addr(DEPLOYER));
    assertThat(topicAddress(events.get(0).topics().get(2))).isEqualTo(addr(newOwner));

    var e = reverts("NotOwner", () -> deposits(DEPLOYER).setMaximumDepositAmount(gnt(1)));
    assertThat(e.arguments()).containsExactly(hexOf(DEPLOYER));
    reverts("NotOwner", () -> deposits(DEPLOYER).transferOwnership(addr(DEPLOYER)));
    deposits(newOwner).setMaximumDepositAmount(gnt(1));
    assertThat(deposits(newOwner).limits().maximumDepositAmount()).isEqualTo(gnt(1));
  }

  @Test
  void transferOwnershipIsForTheOwnerAndRefusesZero() {
    var e = reverts("NotOwner", () -> deposits(user(0)).transferOwnership(addr(user(0))));
    assertThat(e.arguments()).containsExactly(hexOf(user(0)));
    reverts("ZeroAddress", () -> deposits(DEPLOYER).transferOwnership(Address.ZERO));
    assertThat(deposits(DEPLOYER).roles().owner()).isEqualTo(addr(DEPLOYER));
  }

  @Test
  void limitSettersChangeOneLimitEachAndEmitAllThree() {
    ConcentDeposits owner = deposits(DEPLOYER);
    TxResult a = owner.setMaximumDepositAmount(gnt(11));
    assertThat(owner.limits())
        .isEqualTo(new ConcentDeposits.Limits(gnt(11), gnt(100_000_000), gnt(1_000_000)));
    assertLimitsChanged(a, gnt(11), gnt(100_000_000), gnt(1_000_000));

    TxResult t = owner.setMaximumDepositsTotal(gnt(22));
    assertThat(owner.limits())
        .isEqualTo(new ConcentDeposits.Limits(gnt(11), gnt(22), gnt(1_000_000)));
    assertLimitsChanged(t, gnt(11), gnt(22), gnt(1_000_000));

    TxResult d = owner.setDailyReimbursementLimit(gnt(33));
    assertThat(owner.limits()).isEqualTo(new ConcentDeposits.Limits(gnt(11), gnt(22), gnt(33)));
    assertLimitsChanged(d, gnt(11), gnt(22), gnt(33));

    // zero is allowed: it stops deposits (or reimbursements)
    owner.setMaximumDepositAmount(BigInteger.ZERO);
    assertThat(owner.isDepositPossible(addr(user(0)), BigInteger.ONE)).isFalse();
    fund(user(0), gnt(1));
    var e =
        reverts(
            "DepositTooLarge",
            () -> token(user(0)).transferAndCall(depositAddress(), gnt(1), NO_DATA));
    assertThat(e.arguments()).containsExactly(hexOf(user(0)), gnt(1), BigInteger.ZERO);
  }

  private static void assertLimitsChanged(
      TxResult tx, BigInteger amount, BigInteger total, BigInteger daily) {
    List<LogEntry> events = logs(tx, depositAddress(), GNTDeposit.LIMITSCHANGED_EVENT);
    assertThat(events).hasSize(1);
    assertThat(
            data(events.get(0), GNTDeposit.LIMITSCHANGED_EVENT).stream()
                .map(v -> v.getValue())
                .toList())
        .containsExactly(amount, total, daily);
  }

  @Test
  void limitSettersAreForTheOwnerOnly() {
    for (Credentials caller : List.of(CONCENT, COLDWALLET, user(0))) {
      ConcentDeposits d = deposits(caller);
      String who = hexOf(caller);
      assertThat(reverts("NotOwner", () -> d.setMaximumDepositAmount(gnt(1))).arguments())
          .containsExactly(who);
      assertThat(reverts("NotOwner", () -> d.setMaximumDepositsTotal(gnt(1))).arguments())
          .containsExactly(who);
      assertThat(reverts("NotOwner", () -> d.setDailyReimbursementLimit(gnt(1))).arguments())
          .containsExactly(who);
    }
    assertThat(deposits(DEPLOYER).limits())
        .isEqualTo(new ConcentDeposits.Limits(gnt(1_000_000), gnt(100_000_000), gnt(1_000_000)));
  }

  // ------------------------------------------------------------------ constructor

  private static ContractRevertedException deployExpectingRevert(
      String token, String concent, String coldwallet) {
    return reverts("ZeroAddress", () -> deploy(token, concent, coldwallet));
  }

  private static GNTDeposit deploy(String token, String concent, String coldwallet) {
    return Rpc.call(
        "deploy GNTDeposit",
        () ->
            GNTDeposit.deploy(
                    chain.web3j(),
                    chain.signer(DEPLOYER),
                    new StaticEIP1559GasProvider(
                        chain.chainId(), BigInteger.ONE, BigInteger.ONE, BigInteger.ONE),
                    token,
                    concent,
                    coldwallet,
                    BigInteger.valueOf(3600),
                    gnt(1),
                    gnt(2),
                    gnt(3))
                .send());
  }

  @Test
  void constructorRefusesAZeroTokenConcentOrColdWallet() {
    String tokenAddr = deployment.token().hex();
    String zero = Address.ZERO.hex();
    assertThat(deployExpectingRevert(zero, hexOf(CONCENT), hexOf(COLDWALLET)).arguments())
        .isEmpty();
    deployExpectingRevert(tokenAddr, zero, hexOf(COLDWALLET));
    deployExpectingRevert(tokenAddr, hexOf(CONCENT), zero);
  }

  @Test
  void constructorStoresItsParameters() {
    GNTDeposit d = deploy(deployment.token().hex(), hexOf(user(8)), hexOf(user(9)));
    var g = new ConcentDepositsGateway(chain, Address.of(d.getContractAddress()), DEPLOYER);
    assertThat(g.roles())
        .isEqualTo(new ConcentDeposits.Roles(addr(DEPLOYER), addr(user(8)), addr(user(9))));
    assertThat(g.limits()).isEqualTo(new ConcentDeposits.Limits(gnt(1), gnt(2), gnt(3)));
    assertThat(g.withdrawalDelaySeconds()).isEqualTo(3600L);
    assertThat(g.totalDeposits()).isZero();
  }
}
