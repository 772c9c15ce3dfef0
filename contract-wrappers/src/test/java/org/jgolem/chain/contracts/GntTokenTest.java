package org.jgolem.chain.contracts;

import static java.math.BigInteger.ONE;
import static java.math.BigInteger.TWO;
import static java.math.BigInteger.ZERO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jgolem.chain.contracts.TokenTestSupport.MAX_UINT256;
import static org.jgolem.chain.contracts.TokenTestSupport.approvals;
import static org.jgolem.chain.contracts.TokenTestSupport.call;
import static org.jgolem.chain.contracts.TokenTestSupport.gas;
import static org.jgolem.chain.contracts.TokenTestSupport.wrapper;

import java.math.BigInteger;
import java.util.List;
import org.jgolem.chain.ContractRevertedException;
import org.jgolem.chain.contracts.GntToken.TransferEvent;
import org.jgolem.chain.contracts.TokenTestSupport.ApprovalEvent;
import org.jgolem.chain.testing.AnvilTest;
import org.jgolem.contracts.generated.GolemNetworkToken;
import org.jgolem.eth.Address;
import org.jgolem.eth.TxResult;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/**
 * Every public function of GolemNetworkToken through {@link GntTokenGateway}: the normal path and
 * every custom error it can raise, with the error's arguments.
 */
class GntTokenTest extends AnvilTest {
  private static final String TRUE_WORD = "0x" + "0".repeat(63) + "1";

  private static GntTokenGateway gnt(Credentials as) {
    return token(as);
  }

  private static Address a(Credentials c) {
    return addr(c);
  }

  /** DEPLOYER gives {@code amount} to user(i) and returns user(i)'s gateway. */
  private static GntTokenGateway funded(int i, BigInteger amount) {
    gnt(DEPLOYER).transfer(a(user(i)), amount);
    return gnt(user(i));
  }

  private static Address token() {
    return deployment.token();
  }

  // ------------------------------------------------------------------------------------ views

  @Test
  void viewsConstantsAreThoseOfGolemNetworkToken() throws Exception {
    // The gateway has no name/symbol/decimals/MAX_SUPPLY, so these go through the generated
    // wrapper.
    GolemNetworkToken w = wrapper(chain, token(), DEPLOYER);
    assertThat(w.name().send()).isEqualTo("Golem Network Token");
    assertThat(w.symbol().send()).isEqualTo("GNT");
    assertThat(w.decimals().send()).isEqualTo(BigInteger.valueOf(18));
    assertThat(w.MAX_SUPPLY().send()).isEqualTo(ONE.shiftLeft(128));
  }

  @Test
  void viewsTotalSupplyIsTheDeployedSupplyAndBalancesAddUpToIt() {
    GntTokenGateway t = gnt(DEPLOYER);
    assertThat(t.totalSupply()).isEqualTo(params.totalSupply());
    // At deployment the whole supply went to DEPLOYER, who funded the faucet from it.
    assertThat(t.balanceOf(a(DEPLOYER)))
        .isEqualTo(params.totalSupply().subtract(params.faucetFunding()));
    assertThat(t.balanceOf(deployment.faucet())).isEqualTo(params.faucetFunding());
    assertThat(t.balanceOf(a(DEPLOYER)).add(t.balanceOf(deployment.faucet())))
        .isEqualTo(t.totalSupply());
  }

  @Test
  void viewsBalanceOfAFreshAccountAndOfAddressZeroIsZero() {
    GntTokenGateway t = gnt(DEPLOYER);
    assertThat(t.balanceOf(a(user(0)))).isZero();
    assertThat(t.balanceOf(Address.ZERO)).isZero();
    assertThat(t.balanceOf(deployment.registry())).isZero();
  }

  @Test
  void viewsBalanceOfFollowsTransfers() {
    gnt(DEPLOYER).transfer(a(user(0)), BigInteger.valueOf(12345));
    assertThat(gnt(user(5)).balanceOf(a(user(0)))).isEqualTo(BigInteger.valueOf(12345));
  }

  @Test
  void viewsAllowanceIsZeroUntilApprovedAndIsPerOwnerAndSpender() {
    GntTokenGateway t = gnt(user(0));
    assertThat(t.allowance(a(user(0)), a(user(1)))).isZero();
    t.approve(a(user(1)), BigInteger.valueOf(77));
    assertThat(t.allowance(a(user(0)), a(user(1)))).isEqualTo(BigInteger.valueOf(77));
    assertThat(t.allowance(a(user(1)), a(user(0)))).as("the reverse direction").isZero();
    assertThat(t.allowance(a(user(0)), a(user(2)))).as("another spender").isZero();
  }

  // ------------------------------------------------------------------------------------ transfer

  @Test
  void transferMovesTheValueAndEmitsTransfer() {
    GntTokenGateway t = gnt(DEPLOYER);
    BigInteger before = t.balanceOf(a(DEPLOYER));
    TxResult tx = t.transfer(a(user(0)), gnt(7));
    assertThat(t.balanceOf(a(user(0)))).isEqualTo(gnt(7));
    assertThat(t.balanceOf(a(DEPLOYER))).isEqualTo(before.subtract(gnt(7)));
    assertThat(t.totalSupply()).isEqualTo(params.totalSupply());
    assertThat(t.transfers(tx)).containsExactly(new TransferEvent(a(DEPLOYER), a(user(0)), gnt(7)));
    assertThat(approvals(token(), tx)).isEmpty();
  }

  @Test
  void transferOfTheWholeBalance() {
    GntTokenGateway u0 = funded(0, BigInteger.valueOf(1000));
    u0.transfer(a(user(1)), BigInteger.valueOf(1000));
    assertThat(u0.balanceOf(a(user(0)))).isZero();
    assertThat(u0.balanceOf(a(user(1)))).isEqualTo(BigInteger.valueOf(1000));
  }

  @Test
  void transferOfZeroSucceedsAndEmitsTransfer() {
    GntTokenGateway u0 = gnt(user(0));
    TxResult tx = u0.transfer(a(user(1)), ZERO);
    assertThat(u0.transfers(tx)).containsExactly(new TransferEvent(a(user(0)), a(user(1)), ZERO));
    assertThat(u0.balanceOf(a(user(1)))).isZero();
  }

  @Test
  void transferToSelfLeavesTheBalanceUnchanged() {
    GntTokenGateway u0 = funded(0, BigInteger.valueOf(500));
    TxResult tx = u0.transfer(a(user(0)), BigInteger.valueOf(300));
    assertThat(u0.balanceOf(a(user(0)))).isEqualTo(BigInteger.valueOf(500));
    assertThat(u0.totalSupply()).isEqualTo(params.totalSupply());
    assertThat(u0.transfers(tx))
        .containsExactly(new TransferEvent(a(user(0)), a(user(0)), BigInteger.valueOf(300)));
  }

  @Test
  void transferToSelfOfTheWholeBalanceLeavesItUnchanged() {
    GntTokenGateway u0 = funded(0, BigInteger.valueOf(500));
    u0.transfer(a(user(0)), BigInteger.valueOf(500));
    assertThat(u0.balanceOf(a(user(0)))).isEqualTo(BigInteger.valueOf(500));
  }

  @Test
  void transferToSelfAboveTheBalanceReverts() {
    GntTokenGateway u0 = funded(0, BigInteger.valueOf(500));
    var e = reverts("InsufficientBalance", () -> u0.transfer(a(user(0)), BigInteger.valueOf(501)));
    assertThat(e.arguments())
        .containsExactly(a(user(0)).hex(), BigInteger.valueOf(500), BigInteger.valueOf(501));
  }

  @Test
  void transferToZeroAddressRevertsTransferToZeroAddress() {
    GntTokenGateway t = gnt(DEPLOYER);
    BigInteger before = t.balanceOf(a(DEPLOYER));
    var e = reverts("TransferToZeroAddress", () -> t.transfer(Address.ZERO, gnt(1)));
    assertThat(e.arguments()).isEmpty();
    assertThat(t.balanceOf(a(DEPLOYER))).isEqualTo(before);
    assertThat(t.totalSupply()).isEqualTo(params.totalSupply());
  }

  @Test
  void transferAboveTheBalanceRevertsInsufficientBalance() {
    GntTokenGateway u0 = funded(0, BigInteger.valueOf(999));
    var e = reverts("InsufficientBalance", () -> u0.transfer(a(user(1)), BigInteger.valueOf(1000)));
    assertThat(e.arguments())
        .containsExactly(a(user(0)).hex(), BigInteger.valueOf(999), BigInteger.valueOf(1000));
    assertThat(u0.balanceOf(a(user(0)))).isEqualTo(BigInteger.valueOf(999));
    assertThat(u0.balanceOf(a(user(1)))).isZero();
  }

  @Test
  void transferAboveTheTotalSupplyRevertsInsufficientBalance() {
    GntTokenGateway t = gnt(DEPLOYER);
    BigInteger have = t.balanceOf(a(DEPLOYER));
    var e = reverts("InsufficientBalance", () -> t.transfer(a(user(0)), MAX_UINT256));
    assertThat(e.arguments()).containsExactly(a(DEPLOYER).hex(), have, MAX_UINT256);
  }

  @Test
  void transferReturnsTrue() throws Exception {
    String data =
        wrapper(chain, token(), DEPLOYER).transfer(a(user(0)).hex(), ONE).encodeFunctionCall();
    assertThat(call(chain, a(DEPLOYER), token(), data)).isEqualTo(TRUE_WORD);
  }

  // ------------------------------------------------------------------------------------
  // transferFrom

  @Test
  void transferFromMovesTheValueAndLowersTheAllowance() {
    funded(0, BigInteger.valueOf(1000)).approve(a(user(1)), BigInteger.valueOf(600));
    GntTokenGateway spender = gnt(user(1));
    TxResult tx = spender.transferFrom(a(user(0)), a(user(2)), BigInteger.valueOf(250));
    assertThat(spender.balanceOf(a(user(0)))).isEqualTo(BigInteger.valueOf(750));
    assertThat(spender.balanceOf(a(user(2)))).isEqualTo(BigInteger.valueOf(250));
    assertThat(spender.balanceOf(a(user(1)))).as("the spender itself receives nothing").isZero();
    assertThat(spender.allowance(a(user(0)), a(user(1)))).isEqualTo(BigInteger.valueOf(350));
    assertThat(spender.transfers(tx))
        .containsExactly(new TransferEvent(a(user(0)), a(user(2)), BigInteger.valueOf(250)));
    assertThat(approvals(token(), tx))
        .containsExactly(new ApprovalEvent(a(user(0)), a(user(1)), BigInteger.valueOf(350)));
  }

  @Test
  void transferFromCanSpendTheWholeAllowance() {
    funded(0, BigInteger.valueOf(1000)).approve(a(user(1)), BigInteger.valueOf(600));
    GntTokenGateway spender = gnt(user(1));
    spender.transferFrom(a(user(0)), a(user(1)), BigInteger.valueOf(600));
    assertThat(spender.allowance(a(user(0)), a(user(1)))).isZero();
    assertThat(spender.balanceOf(a(user(1)))).isEqualTo(BigInteger.valueOf(600));
    var e =
        reverts("InsufficientAllowance", () -> spender.transferFrom(a(user(0)), a(user(1)), ONE));
    assertThat(e.arguments()).containsExactly(a(user(0)).hex(), a(user(1)).hex(), ZERO, ONE);
  }

  @Test
  void transferFromMaxAllowanceIsNotDecreased() {
    funded(0, BigInteger.valueOf(1000)).approve(a(user(1)), MAX_UINT256);
    GntTokenGateway spender = gnt(user(1));
    TxResult tx = spender.transferFrom(a(user(0)), a(user(2)), BigInteger.valueOf(400));
    assertThat(spender.allowance(a(user(0)), a(user(1)))).isEqualTo(MAX_UINT256);
    assertThat(approvals(token(), tx)).as("an infinite allowance is not rewritten").isEmpty();
    spender.transferFrom(a(user(0)), a(user(2)), BigInteger.valueOf(600));
    assertThat(spender.allowance(a(user(0)), a(user(1)))).isEqualTo(MAX_UINT256);
    assertThat(spender.balanceOf(a(user(2)))).isEqualTo(BigInteger.valueOf(1000));
    assertThat(spender.balanceOf(a(user(0)))).isZero();
  }

  @Test
  void transferFromAllowanceJustBelowMaxIsDecreased() {
    BigInteger almost = MAX_UINT256.subtract(ONE);
    funded(0, BigInteger.valueOf(10)).approve(a(user(1)), almost);
    gnt(user(1)).transferFrom(a(user(0)), a(user(2)), BigInteger.valueOf(3));
    assertThat(gnt(user(1)).allowance(a(user(0)), a(user(1))))
        .isEqualTo(almost.subtract(BigInteger.valueOf(3)));
  }

  @Test
  void transferFromAboveTheAllowanceRevertsInsufficientAllowance() {
    funded(0, BigInteger.valueOf(1000)).approve(a(user(1)), BigInteger.valueOf(100));
    GntTokenGateway spender = gnt(user(1));
    var e =
        reverts(
            "InsufficientAllowance",
            () -> spender.transferFrom(a(user(0)), a(user(2)), BigInteger.valueOf(101)));
    assertThat(e.arguments())
        .containsExactly(
            a(user(0)).hex(), a(user(1)).hex(), BigInteger.valueOf(100), BigInteger.valueOf(101));
    assertThat(spender.allowance(a(user(0)), a(user(1)))).isEqualTo(BigInteger.valueOf(100));
    assertThat(spender.balanceOf(a(user(0)))).isEqualTo(BigInteger.valueOf(1000));
  }

  @Test
  void transferFromWithoutAnyApprovalRevertsInsufficientAllowanceEvenForTheOwnerItself() {
    GntTokenGateway u0 = funded(0, BigInteger.valueOf(1000));
    var e = reverts("InsufficientAllowance", () -> u0.transferFrom(a(user(0)), a(user(2)), ONE));
    assertThat(e.arguments()).containsExactly(a(user(0)).hex(), a(user(0)).hex(), ZERO, ONE);
  }

  @Test
  void transferFromAllowedButAboveTheBalanceRevertsInsufficientBalanceAndKeepsTheAllowance() {
    funded(0, BigInteger.valueOf(50)).approve(a(user(1)), BigInteger.valueOf(100));
    GntTokenGateway spender = gnt(user(1));
    var e =
        reverts(
            "InsufficientBalance",
            () -> spender.transferFrom(a(user(0)), a(user(2)), BigInteger.valueOf(51)));
    assertThat(e.arguments())
        .containsExactly(a(user(0)).hex(), BigInteger.valueOf(50), BigInteger.valueOf(51));
    assertThat(spender.allowance(a(user(0)), a(user(1)))).isEqualTo(BigInteger.valueOf(100));
  }

  @Test
  void transferFromWithMaxAllowanceAboveTheBalanceRevertsInsufficientBalance() {
    funded(0, BigInteger.valueOf(50)).approve(a(user(1)), MAX_UINT256);
    var e =
        reverts(
            "InsufficientBalance",
            () -> gnt(user(1)).transferFrom(a(user(0)), a(user(2)), BigInteger.valueOf(51)));
    assertThat(e.arguments())
        .containsExactly(a(user(0)).hex(), BigInteger.valueOf(50), BigInteger.valueOf(51));
  }

  @Test
  void transferFromToZeroAddressRevertsTransferToZeroAddress() {
    funded(0, BigInteger.valueOf(50)).approve(a(user(1)), BigInteger.valueOf(100));
    GntTokenGateway spender = gnt(user(1));
    var e =
        reverts("TransferToZeroAddress", () -> spender.transferFrom(a(user(0)), Address.ZERO, ONE));
    assertThat(e.arguments()).isEmpty();
    assertThat(spender.allowance(a(user(0)), a(user(1)))).isEqualTo(BigInteger.valueOf(100));
    assertThat(spender.balanceOf(a(user(0)))).isEqualTo(BigInteger.valueOf(50));
  }

  @Test
  void transferFromReturnsTrue() {
    funded(0, BigInteger.valueOf(50)).approve(a(user(1)), BigInteger.valueOf(100));
    String data =
        wrapper(chain, token(), user(1))
            .transferFrom(a(user(0)).hex(), a(user(2)).hex(), ONE)
            .encodeFunctionCall();
    assertThat(call(chain, a(user(1)), token(), data)).isEqualTo(TRUE_WORD);
  }

  // ------------------------------------------------------------------------------------ approve

  @Test
  void approveSetsAndOverwritesTheAllowanceAndEmitsApproval() {
    GntTokenGateway u0 = gnt(user(0));
    TxResult first = u0.approve(a(user(1)), BigInteger.valueOf(10));
    assertThat(approvals(token(), first))
        .containsExactly(new ApprovalEvent(a(user(0)), a(user(1)), BigInteger.TEN));
    assertThat(u0.transfers(first)).isEmpty();
    TxResult second = u0.approve(a(user(1)), BigInteger.valueOf(3));
    assertThat(u0.allowance(a(user(0)), a(user(1)))).isEqualTo(BigInteger.valueOf(3));
    assertThat(approvals(token(), second))
        .containsExactly(new ApprovalEvent(a(user(0)), a(user(1)), BigInteger.valueOf(3)));
    u0.approve(a(user(1)), ZERO);
    assertThat(u0.allowance(a(user(0)), a(user(1)))).isZero();
  }

  @Test
  void approveNeedsNoBalanceAndMovesNoTokens() {
    GntTokenGateway u0 = gnt(user(0));
    u0.approve(a(user(1)), gnt(1_000_000));
    assertThat(u0.allowance(a(user(0)), a(user(1)))).isEqualTo(gnt(1_000_000));
    assertThat(u0.balanceOf(a(user(0)))).isZero();
    assertThat(u0.balanceOf(a(user(1)))).isZero();
  }

  @Test
  void approveToZeroAddressRevertsApproveToZeroAddress() {
    var e = reverts("ApproveToZeroAddress", () -> gnt(user(0)).approve(Address.ZERO, ONE));
    assertThat(e.arguments()).isEmpty();
    assertThat(gnt(user(0)).allowance(a(user(0)), Address.ZERO)).isZero();
  }

  @Test
  void approveReturnsTrue() {
    String data =
        wrapper(chain, token(), user(0)).approve(a(user(1)).hex(), ONE).encodeFunctionCall();
    assertThat(call(chain, a(user(0)), token(), data)).isEqualTo(TRUE_WORD);
  }

  // ------------------------------------------------------------------------------------
  // compareAndApprove

  @Test
  void compareAndApproveChangesTheAllowanceWhenItIsStillTheExpectedOne() {
    GntTokenGateway u0 = gnt(user(0));
    TxResult fromZero = u0.compareAndApprove(a(user(1)), ZERO, BigInteger.valueOf(100));
    assertThat(u0.allowance(a(user(0)), a(user(1)))).isEqualTo(BigInteger.valueOf(100));
    assertThat(approvals(token(), fromZero))
        .containsExactly(new ApprovalEvent(a(user(0)), a(user(1)), BigInteger.valueOf(100)));
    u0.compareAndApprove(a(user(1)), BigInteger.valueOf(100), BigInteger.valueOf(40));
    assertThat(u0.allowance(a(user(0)), a(user(1)))).isEqualTo(BigInteger.valueOf(40));
    u0.compareAndApprove(a(user(1)), BigInteger.valueOf(40), ZERO);
    assertThat(u0.allowance(a(user(0)), a(user(1)))).isZero();
  }

  @Test
  void compareAndApproveRevertsAllowanceChangedWhenTheAllowanceDiffers() {
    GntTokenGateway u0 = gnt(user(0));
    u0.approve(a(user(1)), BigInteger.valueOf(70));
    var e =
        reverts(
            "AllowanceChanged",
            () -> u0.compareAndApprove(a(user(1)), BigInteger.valueOf(100), BigInteger.valueOf(5)));
    assertThat(e.arguments())
        .containsExactly(
            a(user(0)).hex(), a(user(1)).hex(), BigInteger.valueOf(100), BigInteger.valueOf(70));
    assertThat(u0.allowance(a(user(0)), a(user(1)))).isEqualTo(BigInteger.valueOf(70));
  }

  @Test
  void compareAndApproveExpectingNonZeroOnAFreshPairRevertsAllowanceChanged() {
    var e = reverts("AllowanceChanged", () -> gnt(user(0)).compareAndApprove(a(user(1)), ONE, TWO));
    assertThat(e.arguments()).containsExactly(a(user(0)).hex(), a(user(1)).hex(), ONE, ZERO);
  }

  @Test
  void compareAndApproveToZeroAddressRevertsApproveToZeroAddress() {
    // The comparison passes (the zero address's allowance is 0); the approval itself is refused.
    var e =
        reverts(
            "ApproveToZeroAddress", () -> gnt(user(0)).compareAndApprove(Address.ZERO, ZERO, ONE));
    assertThat(e.arguments()).isEmpty();
  }

  @Test
  void compareAndApproveReturnsTrue() {
    String data =
        wrapper(chain, token(), user(0))
            .compareAndApprove(a(user(1)).hex(), ZERO, ONE)
            .encodeFunctionCall();
    assertThat(call(chain, a(user(0)), token(), data)).isEqualTo(TRUE_WORD);
  }

  // ------------------------------------------------------------------------------------ increase /
  // decrease

  @Test
  void increaseAllowanceAddsToTheAllowanceAndEmitsApprovalWithTheNewTotal() {
    GntTokenGateway u0 = gnt(user(0));
    u0.approve(a(user(1)), BigInteger.valueOf(10));
    TxResult tx = u0.increaseAllowance(a(user(1)), BigInteger.valueOf(5));
    assertThat(u0.allowance(a(user(0)), a(user(1)))).isEqualTo(BigInteger.valueOf(15));
    assertThat(approvals(token(), tx))
        .containsExactly(new ApprovalEvent(a(user(0)), a(user(1)), BigInteger.valueOf(15)));
  }

  @Test
  void increaseAllowanceCanReachExactlyMaxUint() {
    GntTokenGateway u0 = gnt(user(0));
    u0.approve(a(user(1)), BigInteger.valueOf(5));
    u0.increaseAllowance(a(user(1)), MAX_UINT256.subtract(BigInteger.valueOf(5)));
    assertThat(u0.allowance(a(user(0)), a(user(1)))).isEqualTo(MAX_UINT256);
  }

  @Test
  void increaseAllowancePastMaxUintRevertsAllowanceOverflow() {
    GntTokenGateway u0 = gnt(user(0));
    u0.approve(a(user(1)), BigInteger.valueOf(5));
    BigInteger tooMuch = MAX_UINT256.subtract(BigInteger.valueOf(4));
    var e = reverts("AllowanceOverflow", () -> u0.increaseAllowance(a(user(1)), tooMuch));
    assertThat(e.arguments())
        .containsExactly(a(user(0)).hex(), a(user(1)).hex(), BigInteger.valueOf(5), tooMuch);
    assertThat(u0.allowance(a(user(0)), a(user(1)))).isEqualTo(BigInteger.valueOf(5));
  }

  @Test
  void increaseAllowanceFromMaxUintByOneRevertsAllowanceOverflow() {
    GntTokenGateway u0 = gnt(user(0));
    u0.approve(a(user(1)), MAX_UINT256);
    var e = reverts("AllowanceOverflow", () -> u0.increaseAllowance(a(user(1)), ONE));
    assertThat(e.arguments()).containsExactly(a(user(0)).hex(), a(user(1)).hex(), MAX_UINT256, ONE);
  }

  @Test
  void increaseAllowanceToZeroAddressRevertsApproveToZeroAddress() {
    var e =
        reverts("ApproveToZeroAddress", () -> gnt(user(0)).increaseAllowance(Address.ZERO, ONE));
    assertThat(e.arguments()).isEmpty();
  }

  @Test
  void increaseAllowanceReturnsTrue() {
    String data =
        wrapper(chain, token(), user(0))
            .increaseAllowance(a(user(1)).hex(), ONE)
            .encodeFunctionCall();
    assertThat(call(chain, a(user(0)), token(), data)).isEqualTo(TRUE_WORD);
  }

  @Test
  void decreaseAllowanceSubtractsFromTheAllowanceAndEmitsApprovalWithTheNewTotal() {
    GntTokenGateway u0 = gnt(user(0));
    u0.approve(a(user(1)), BigInteger.valueOf(10));
    TxResult tx = u0.decreaseAllowance(a(user(1)), BigInteger.valueOf(4));
    assertThat(u0.allowance(a(user(0)), a(user(1)))).isEqualTo(BigInteger.valueOf(6));
    assertThat(approvals(token(), tx))
        .containsExactly(new ApprovalEvent(a(user(0)), a(user(1)), BigInteger.valueOf(6)));
    u0.decreaseAllowance(a(user(1)), BigInteger.valueOf(6));
    assertThat(u0.allowance(a(user(0)), a(user(1)))).isZero();
  }

  @Test
  void decreaseAllowanceBelowZeroRevertsAllowanceBelowDecrease() {
    GntTokenGateway u0 = gnt(user(0));
    u0.approve(a(user(1)), BigInteger.valueOf(10));
    var e =
        reverts(
            "AllowanceBelowDecrease",
            () -> u0.decreaseAllowance(a(user(1)), BigInteger.valueOf(11)));
    assertThat(e.arguments())
        .containsExactly(
            a(user(0)).hex(), a(user(1)).hex(), BigInteger.TEN, BigInteger.valueOf(11));
    assertThat(u0.allowance(a(user(0)), a(user(1)))).isEqualTo(BigInteger.TEN);
  }

  @Test
  void decreaseAllowanceOnAFreshPairRevertsAllowanceBelowDecrease() {
    var e =
        reverts("AllowanceBelowDecrease", () -> gnt(user(0)).decreaseAllowance(a(user(1)), ONE));
    assertThat(e.arguments()).containsExactly(a(user(0)).hex(), a(user(1)).hex(), ZERO, ONE);
  }

  @Test
  void decreaseAllowanceToZeroAddressRevertsApproveToZeroAddress() {
    // Decreasing the zero address's (zero) allowance by zero passes the check; the approval is
    // refused.
    var e =
        reverts("ApproveToZeroAddress", () -> gnt(user(0)).decreaseAllowance(Address.ZERO, ZERO));
    assertThat(e.arguments()).isEmpty();
  }

  @Test
  void decreaseAllowanceReturnsTrue() {
    gnt(user(0)).approve(a(user(1)), BigInteger.TEN);
    String data =
        wrapper(chain, token(), user(0))
            .decreaseAllowance(a(user(1)).hex(), ONE)
            .encodeFunctionCall();
    assertThat(call(chain, a(user(0)), token(), data)).isEqualTo(TRUE_WORD);
  }

  // ------------------------------------------------------------------------------------
  // transferAndCall

  /**
   * Runtime code that answers any call with the 32-byte word 0xdeadbeef << 224: a wrong selector.
   */
  private static final String WRONG_SELECTOR_RECEIVER = "0x63deadbeef60e01b60005260206000f3";

  /** Runtime code that stops at once: any call succeeds and returns no data. */
  private static final String SILENT_CONTRACT = "0x00";

  private static final Address CODE_SLOT = Address.of("0x00000000000000000000000000000000c0de0001");

  private void putCode(Address at, String code) {
    rpc("anvil_setCode", List.of(at.hex(), code));
    assertThat(chain.hasCode(at)).isTrue();
  }

  @Test
  void transferAndCallToTheDepositCreditsTheDepositInOneTransaction() {
    GntTokenGateway u0 = funded(0, gnt(100));
    Address deposit = deployment.deposit();
    TxResult tx = u0.transferAndCall(deposit, gnt(30), new byte[] {1, 2, 3});
    assertThat(u0.balanceOf(a(user(0)))).isEqualTo(gnt(70));
    assertThat(u0.balanceOf(deposit)).isEqualTo(gnt(30));
    assertThat(deposits(user(0)).balanceOf(a(user(0))))
        .as("credited in the deposit's books")
        .isEqualTo(gnt(30));
    assertThat(u0.transfers(tx)).containsExactly(new TransferEvent(a(user(0)), deposit, gnt(30)));
    assertThat(tx.logs().stream().filter(l -> l.contract().equals(deposit)))
        .as("the deposit's own event")
        .isNotEmpty();
  }

  @Test
  void transferAndCallToAnAccountWithoutCodeRevertsReceiverNotContract() {
    GntTokenGateway u0 = funded(0, gnt(100));
    var e =
        reverts("ReceiverNotContract", () -> u0.transferAndCall(a(user(1)), gnt(1), new byte[0]));
    assertThat(e.arguments()).containsExactly(a(user(1)).hex());
    assertThat(u0.balanceOf(a(user(0)))).isEqualTo(gnt(100));
    assertThat(u0.balanceOf(a(user(1)))).isZero();
  }

  @Test
  void transferAndCallToTheZeroAddressRevertsReceiverNotContract() {
    // The code check comes first, so the zero address is refused as "no contract".
    GntTokenGateway u0 = funded(0, gnt(100));
    var e =
        reverts("ReceiverNotContract", () -> u0.transferAndCall(Address.ZERO, gnt(1), new byte[0]));
    assertThat(e.arguments()).containsExactly(Address.ZERO.hex());
  }

  @Test
  void transferAndCallAboveTheBalanceRevertsInsufficientBalance() {
    GntTokenGateway u0 = funded(0, gnt(10));
    var e =
        reverts(
            "InsufficientBalance",
            () -> u0.transferAndCall(deployment.deposit(), gnt(11), new byte[0]));
    assertThat(e.arguments()).containsExactly(a(user(0)).hex(), gnt(10), gnt(11));
    assertThat(u0.balanceOf(deployment.deposit())).isZero();
  }

  @Test
  void transferAndCallToAContractThatIsNotAReceiverRevertsWithoutData() {
    // The registry has no onTokenReceived and no fallback, so its dispatcher reverts with empty
    // data; Solidity's high-level call in transferAndCall bubbles that empty revert up. The token
    // therefore reverts without any error data: the decoder reports "Unknown" with raw data "0x".
    // The tokens stay with the sender.
    GntTokenGateway u0 = funded(0, gnt(10));
    Address registry = deployment.registry();
    var e = reverts("Unknown", () -> u0.transferAndCall(registry, gnt(1), new byte[0]));
    assertThat(e.rawData()).isEqualTo("0x");
    assertThat(e.arguments()).isEmpty();
    assertThat(u0.balanceOf(a(user(0)))).isEqualTo(gnt(10));
    assertThat(u0.balanceOf(registry)).isZero();
  }

  @Test
  void transferAndCallToAContractThatReturnsNothingRevertsWithoutData() {
    // A contract that accepts the call but returns no data: decoding the bytes4 answer fails,
    // which Solidity reports as a revert without data.
    putCode(CODE_SLOT, SILENT_CONTRACT);
    GntTokenGateway u0 = funded(0, gnt(10));
    var e = reverts("Unknown", () -> u0.transferAndCall(CODE_SLOT, gnt(1), new byte[0]));
    assertThat(e.rawData()).isEqualTo("0x");
    assertThat(u0.balanceOf(CODE_SLOT)).isZero();
  }

  @Test
  void transferAndCallToAReceiverAnsweringAWrongSelectorRevertsReceiverRejected() {
    putCode(CODE_SLOT, WRONG_SELECTOR_RECEIVER);
    GntTokenGateway u0 = funded(0, gnt(10));
    var e = reverts("ReceiverRejected", () -> u0.transferAndCall(CODE_SLOT, gnt(1), new byte[0]));
    assertThat(e.arguments()).containsExactly(CODE_SLOT.hex());
    assertThat(u0.balanceOf(CODE_SLOT)).isZero();
    assertThat(u0.balanceOf(a(user(0)))).isEqualTo(gnt(10));
  }

  @Test
  void transferAndCallReceiverRefusalBubblesUpAndUndoesTheTransfer() {
    // The deposit refuses more than its per-account maximum with its own custom error.
    BigInteger max = params.maximumDepositAmount();
    GntTokenGateway t = gnt(DEPLOYER);
    BigInteger before = t.balanceOf(a(DEPLOYER));
    var e =
        reverts(
            "DepositTooLarge",
            () -> t.transferAndCall(deployment.deposit(), max.add(ONE), new byte[0]));
    assertThat(e.arguments()).containsExactly(a(DEPLOYER).hex(), max.add(ONE), max);
    assertThat(t.balanceOf(a(DEPLOYER))).isEqualTo(before);
    assertThat(t.balanceOf(deployment.deposit())).isZero();
  }

  @Test
  void transferAndCallReturnsTrue() {
    funded(0, gnt(10));
    String data =
        wrapper(chain, token(), user(0))
            .transferAndCall(deployment.deposit().hex(), ONE, new byte[0])
            .encodeFunctionCall();
    assertThat(call(chain, a(user(0)), token(), data)).isEqualTo(TRUE_WORD);
  }

  // ------------------------------------------------------------------------------------ burn

  @Test
  void burnLowersSupplyAndBalanceAndEmitsTransferToZero() {
    GntTokenGateway u0 = funded(0, gnt(100));
    TxResult tx = u0.burn(gnt(40));
    assertThat(u0.balanceOf(a(user(0)))).isEqualTo(gnt(60));
    assertThat(u0.totalSupply()).isEqualTo(params.totalSupply().subtract(gnt(40)));
    assertThat(u0.transfers(tx))
        .containsExactly(new TransferEvent(a(user(0)), Address.ZERO, gnt(40)));
    assertThat(u0.balanceOf(Address.ZERO)).as("nothing is parked at address 0").isZero();
  }

  @Test
  void burnOfTheWholeBalance() {
    GntTokenGateway u0 = funded(0, gnt(100));
    u0.burn(gnt(100));
    assertThat(u0.balanceOf(a(user(0)))).isZero();
    assertThat(u0.totalSupply()).isEqualTo(params.totalSupply().subtract(gnt(100)));
  }

  @Test
  void burnOfZeroChangesNothing() {
    GntTokenGateway u0 = funded(0, gnt(100));
    TxResult tx = u0.burn(ZERO);
    assertThat(u0.balanceOf(a(user(0)))).isEqualTo(gnt(100));
    assertThat(u0.totalSupply()).isEqualTo(params.totalSupply());
    assertThat(u0.transfers(tx)).containsExactly(new TransferEvent(a(user(0)), Address.ZERO, ZERO));
  }

  @Test
  void burnAboveTheBalanceRevertsInsufficientBalance() {
    GntTokenGateway u0 = funded(0, gnt(100));
    var e = reverts("InsufficientBalance", () -> u0.burn(gnt(100).add(ONE)));
    assertThat(e.arguments()).containsExactly(a(user(0)).hex(), gnt(100), gnt(100).add(ONE));
    assertThat(u0.balanceOf(a(user(0)))).isEqualTo(gnt(100));
    assertThat(u0.totalSupply()).isEqualTo(params.totalSupply());
  }

  // ------------------------------------------------------------------------------------
  // constructor

  /**
   * Deploys a token and expects the constructor to revert with {@code error}. web3j's
   * Contract.deploy wraps whatever the transaction manager throws in a plain RuntimeException, so
   * the decoded ContractRevertedException is its cause: unwrap exactly that, and let anything else
   * (including a successful deployment) fail the assertion.
   */
  private ContractRevertedException deployReverts(String error, Address holder, BigInteger supply) {
    return reverts(
        error,
        () -> {
          try {
            GolemNetworkToken.deploy(
                    chain.web3j(), chain.signer(DEPLOYER), gas(chain), holder.hex(), supply)
                .send();
          } catch (RuntimeException e) {
            if (e.getClass() == RuntimeException.class
                && e.getCause() instanceof ContractRevertedException cause) {
              throw cause;
            }
            throw e;
          }
        });
  }

  @Test
  void constructorZeroHolderRevertsInvalidHolder() {
    var e = deployReverts("InvalidHolder", Address.ZERO, gnt(1));
    assertThat(e.arguments()).isEmpty();
  }

  @Test
  void constructorZeroSupplyRevertsInvalidSupply() {
    var e = deployReverts("InvalidSupply", a(user(0)), ZERO);
    assertThat(e.arguments()).containsExactly(ZERO);
  }

  @Test
  void constructorSupplyAboveMaxRevertsInvalidSupply() {
    BigInteger tooMuch = ONE.shiftLeft(128).add(ONE);
    var e = deployReverts("InvalidSupply", a(user(0)), tooMuch);
    assertThat(e.arguments()).containsExactly(tooMuch);
  }

  @Test
  void constructorHolderIsCheckedBeforeSupply() {
    deployReverts("InvalidHolder", Address.ZERO, ZERO);
  }

  @Test
  void constructorMintsTheWholeSupplyToTheHolderUpToMaxSupply() throws Exception {
    BigInteger max = ONE.shiftLeft(128);
    GolemNetworkToken w =
        GolemNetworkToken.deploy(
                chain.web3j(), chain.signer(DEPLOYER), gas(chain), a(user(3)).hex(), max)
            .send();
    Address at = Address.of(w.getContractAddress());
    GntTokenGateway t = new GntTokenGateway(chain, at, user(3));
    assertThat(t.totalSupply()).isEqualTo(max);
    assertThat(t.balanceOf(a(user(3)))).isEqualTo(max);
    assertThat(t.balanceOf(a(DEPLOYER))).as("the deployer gets nothing").isZero();
    TransactionReceipt receipt = w.getTransactionReceipt().orElseThrow();
    var mint = GolemNetworkToken.getTransferEvents(receipt);
    assertThat(mint).hasSize(1);
    assertThat(mint.getFirst().from).isEqualTo(Address.ZERO.hex());
    assertThat(Address.of(mint.getFirst().to)).isEqualTo(a(user(3)));
    assertThat(mint.getFirst().value).isEqualTo(max);
    // The new token is independent of the deployed one.
    assertThat(gnt(DEPLOYER).totalSupply()).isEqualTo(params.totalSupply());
  }

  @Test
  void constructorHelperFailsWhenTheDeploymentSucceeds() {
    // Sanity check of the helper: a valid deployment does not throw.
    assertThatThrownBy(() -> deployReverts("InvalidSupply", a(user(0)), ONE))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void revertsLeaveNoNonceGap() {
    // A revert is caught at estimation, before a nonce is used: the next transaction goes through.
    GntTokenGateway u0 = funded(0, gnt(1));
    reverts("InsufficientBalance", () -> u0.transfer(a(user(1)), gnt(2)));
    u0.transfer(a(user(1)), gnt(1));
    assertThat(u0.balanceOf(a(user(1)))).isEqualTo(gnt(1));
  }
}
