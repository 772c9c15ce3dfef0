package org.jgolem.chain.contracts;

import static java.math.BigInteger.ONE;
import static java.math.BigInteger.ZERO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.chain.contracts.TokenTestSupport.sendWithoutEstimate;
import static org.jgolem.chain.contracts.TokenTestSupport.word;
import static org.jgolem.chain.contracts.TokenTestSupport.wrapper;

import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jgolem.chain.contracts.GntToken.TransferEvent;
import org.jgolem.chain.testing.AnvilTest;
import org.jgolem.eth.Address;
import org.jgolem.eth.PackedPayment;
import org.jgolem.eth.TxResult;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/**
 * One test (or a few, all named after it) per Trail of Bits finding on Golem's token that the new
 * GolemNetworkToken and the Java batch builder claim to fix. Each test states the finding.
 */
class TokenAuditRegressionTest extends AnvilTest {
  private static Address a(Credentials c) {
    return addr(c);
  }

  private static long closure() {
    return now() - 60;
  }

  private static GntTokenGateway fund(int user, BigInteger amount) {
    token(DEPLOYER).transfer(a(user(user)), amount);
    return token(user(user));
  }

  // ------------------------------------------------------------------------------------ TOB-02
  // Finding: ERC20 approve is open to a race. When an owner changes a spender's allowance from N
  // to M with approve, the spender can front-run the change, spend N, and then also spend M.
  // Fix: compareAndApprove (changes only if the allowance is still the expected one) and the
  // relative increaseAllowance / decreaseAllowance.

  @Test
  void tob02_plainApproveShowsTheRaceThatCompareAndApproveCloses() {
    // The race, for reference: with approve the spender gets N + M.
    fund(0, BigInteger.valueOf(1000)).approve(a(user(1)), BigInteger.valueOf(100));
    GntTokenGateway spender = token(user(1));
    spender.transferFrom(a(user(0)), a(user(1)), BigInteger.valueOf(100)); // front-run
    token(user(0)).approve(a(user(1)), BigInteger.valueOf(50)); // the owner's change lands after it
    spender.transferFrom(a(user(0)), a(user(1)), BigInteger.valueOf(50));
    assertThat(spender.balanceOf(a(user(1)))).isEqualTo(BigInteger.valueOf(150));
  }

  @Test
  void tob02_frontRunningSpenderCannotAlsoGetTheNewAllowance() {
    GntTokenGateway owner = fund(0, BigInteger.valueOf(1000));
    owner.approve(a(user(1)), BigInteger.valueOf(100));
    GntTokenGateway spender = token(user(1));
    // The owner means to lower the allowance from 100 to 50; the spender front-runs and spends 100.
    spender.transferFrom(a(user(0)), a(user(1)), BigInteger.valueOf(100));
    var e =
        reverts(
            "AllowanceChanged",
            () ->
                owner.compareAndApprove(
                    a(user(1)), BigInteger.valueOf(100), BigInteger.valueOf(50)));
    assertThat(e.arguments())
        .containsExactly(a(user(0)).hex(), a(user(1)).hex(), BigInteger.valueOf(100), ZERO);
    assertThat(owner.allowance(a(user(0)), a(user(1)))).isZero();
    var more =
        reverts("InsufficientAllowance", () -> spender.transferFrom(a(user(0)), a(user(1)), ONE));
    assertThat(more.arguments()).containsExactly(a(user(0)).hex(), a(user(1)).hex(), ZERO, ONE);
    assertThat(spender.balanceOf(a(user(1))))
        .as("only the old allowance was spent")
        .isEqualTo(BigInteger.valueOf(100));
    assertThat(spender.balanceOf(a(user(0)))).isEqualTo(BigInteger.valueOf(900));
  }

  @Test
  void tob02_partialFrontRunIsReportedWithTheActualAllowance() {
    GntTokenGateway owner = fund(0, BigInteger.valueOf(1000));
    owner.approve(a(user(1)), BigInteger.valueOf(100));
    token(user(1)).transferFrom(a(user(0)), a(user(2)), BigInteger.valueOf(30));
    var e =
        reverts(
            "AllowanceChanged",
            () ->
                owner.compareAndApprove(
                    a(user(1)), BigInteger.valueOf(100), BigInteger.valueOf(50)));
    assertThat(e.arguments())
        .containsExactly(
            a(user(0)).hex(), a(user(1)).hex(), BigInteger.valueOf(100), BigInteger.valueOf(70));
    // Knowing the actual value, the owner decides again.
    owner.compareAndApprove(a(user(1)), BigInteger.valueOf(70), BigInteger.valueOf(20));
    assertThat(owner.allowance(a(user(0)), a(user(1)))).isEqualTo(BigInteger.valueOf(20));
  }

  @Test
  void tob02_decreaseAllowanceIsRelativeSoAFrontRunGainsNothing() {
    GntTokenGateway owner = fund(0, BigInteger.valueOf(1000));
    owner.approve(a(user(1)), BigInteger.valueOf(100));
    GntTokenGateway spender = token(user(1));
    // Owner lowers by 50 (to 50 in total); spender front-runs by spending 30 first.
    spender.transferFrom(a(user(0)), a(user(1)), BigInteger.valueOf(30));
    owner.decreaseAllowance(a(user(1)), BigInteger.valueOf(50));
    assertThat(owner.allowance(a(user(0)), a(user(1)))).isEqualTo(BigInteger.valueOf(20));
    spender.transferFrom(a(user(0)), a(user(1)), BigInteger.valueOf(20));
    assertThat(spender.balanceOf(a(user(1))))
        .as("30 + 20 = the 50 the owner intended")
        .isEqualTo(BigInteger.valueOf(50));
    // Had the spender spent 80 first, the decrease by 50 reverts instead of going negative.
    owner.approve(a(user(1)), BigInteger.valueOf(100));
    spender.transferFrom(a(user(0)), a(user(1)), BigInteger.valueOf(80));
    var e =
        reverts(
            "AllowanceBelowDecrease",
            () -> owner.decreaseAllowance(a(user(1)), BigInteger.valueOf(50)));
    assertThat(e.arguments())
        .containsExactly(
            a(user(0)).hex(), a(user(1)).hex(), BigInteger.valueOf(20), BigInteger.valueOf(50));
  }

  @Test
  void tob02_increaseAllowanceAddsToWhatIsLeft() {
    GntTokenGateway owner = fund(0, BigInteger.valueOf(1000));
    owner.approve(a(user(1)), BigInteger.valueOf(100));
    token(user(1)).transferFrom(a(user(0)), a(user(1)), BigInteger.valueOf(60));
    owner.increaseAllowance(a(user(1)), BigInteger.valueOf(25));
    assertThat(owner.allowance(a(user(0)), a(user(1)))).isEqualTo(BigInteger.valueOf(65));
  }

  // ------------------------------------------------------------------------------------ TOB-05
  // Finding: tokens can be sent to address 0 (by transfer or in a batch payment), where they are
  // burnt silently: they vanish from circulation while the total supply still counts them.
  // Fix: transfers and batch payments to address 0 revert; only burn destroys tokens, and it
  // lowers the total supply.

  @Test
  void tob05_transferToZeroAddressIsRefused() {
    GntTokenGateway t = token(DEPLOYER);
    BigInteger before = t.balanceOf(a(DEPLOYER));
    reverts("TransferToZeroAddress", () -> t.transfer(Address.ZERO, gnt(1)));
    t.approve(a(user(1)), gnt(1));
    reverts(
        "TransferToZeroAddress",
        () -> token(user(1)).transferFrom(a(DEPLOYER), Address.ZERO, gnt(1)));
    assertThat(t.balanceOf(a(DEPLOYER))).isEqualTo(before);
    assertThat(t.balanceOf(Address.ZERO)).isZero();
    assertThat(t.totalSupply()).isEqualTo(params.totalSupply());
  }

  @Test
  void tob05_batchPaymentToZeroAddressIsRefusedAndBurnsNothing() {
    GntTokenGateway t = token(DEPLOYER);
    BigInteger before = t.balanceOf(a(DEPLOYER));
    List<byte[]> words = List.of(word(gnt(1), a(user(0))), word(gnt(2), Address.ZERO));
    var e =
        reverts(
            "PaymentToZeroAddress",
            () ->
                wrapper(chain, deployment.token(), DEPLOYER)
                    .batchTransfer(words, BigInteger.valueOf(closure()))
                    .send());
    assertThat(e.arguments()).containsExactly(ONE);
    // Also when the transaction is forced on chain without an estimate.
    String data =
        wrapper(chain, deployment.token(), DEPLOYER)
            .batchTransfer(words, BigInteger.valueOf(closure()))
            .encodeFunctionCall();
    TransactionReceipt r = sendWithoutEstimate(chain, DEPLOYER, deployment.token(), data);
    assertThat(r.isStatusOK()).isFalse();
    assertThat(t.balanceOf(a(DEPLOYER))).isEqualTo(before);
    assertThat(t.balanceOf(a(user(0)))).isZero();
    assertThat(t.balanceOf(Address.ZERO)).isZero();
    assertThat(t.totalSupply()).isEqualTo(params.totalSupply());
  }

  @Test
  void tob05_tokensLeaveCirculationOnlyThroughBurnWhichLowersTheSupply() {
    GntTokenGateway t = token(DEPLOYER);
    TxResult tx = t.burn(gnt(3));
    assertThat(t.transfers(tx))
        .containsExactly(new TransferEvent(a(DEPLOYER), Address.ZERO, gnt(3)));
    assertThat(t.totalSupply()).isEqualTo(params.totalSupply().subtract(gnt(3)));
    assertThat(t.balanceOf(Address.ZERO)).isZero();
  }

  // ------------------------------------------------------------------------------------ TOB-07
  // Finding: batchTransfer with the sender among the payees destroys the sender's tokens: the
  // payment is credited to the sender, then the sender's balance is overwritten with
  // "balance before - total", so the self-payment is lost and the supply no longer adds up.
  // Fix: a batch that pays the sender reverts with PaymentToSender(index).

  @Test
  void tob07_batchPayingTheSenderIsRefusedAndDestroysNothing() {
    GntTokenGateway u0 = fund(0, BigInteger.valueOf(100));
    List<PackedPayment> b =
        List.of(
            new PackedPayment(a(user(1)), BigInteger.valueOf(10)),
            new PackedPayment(a(user(0)), BigInteger.valueOf(50)),
            new PackedPayment(a(user(2)), BigInteger.valueOf(10)));
    var e = reverts("PaymentToSender", () -> u0.batchTransfer(b, closure()));
    assertThat(e.arguments()).containsExactly(ONE);
    assertThat(u0.balanceOf(a(user(0)))).isEqualTo(BigInteger.valueOf(100));
    assertThat(u0.balanceOf(a(user(1)))).isZero();
    assertThat(u0.totalSupply()).isEqualTo(params.totalSupply());
  }

  @Test
  void tob07_selfPaymentForcedOnChainRevertsAndTheSenderKeepsItsTokens() {
    fund(0, BigInteger.valueOf(100));
    List<byte[]> words = List.of(word(10, a(user(1))), word(50, a(user(0))));
    String data =
        wrapper(chain, deployment.token(), user(0))
            .batchTransfer(words, BigInteger.valueOf(closure()))
            .encodeFunctionCall();
    TransactionReceipt r = sendWithoutEstimate(chain, user(0), deployment.token(), data);
    assertThat(r.isStatusOK()).isFalse();
    GntTokenGateway t = token(DEPLOYER);
    assertThat(t.balanceOf(a(user(0)))).isEqualTo(BigInteger.valueOf(100));
    assertThat(t.balanceOf(a(user(1)))).isZero();
    assertThat(t.totalSupply()).isEqualTo(params.totalSupply());
  }

  @Test
  void tob07_plainTransferToSelfKeepsTheBalance() {
    GntTokenGateway u0 = fund(0, BigInteger.valueOf(100));
    u0.transfer(a(user(0)), BigInteger.valueOf(60));
    assertThat(u0.balanceOf(a(user(0)))).isEqualTo(BigInteger.valueOf(100));
    assertThat(u0.totalSupply()).isEqualTo(params.totalSupply());
  }

  // ------------------------------------------------------------------------------------ TOB-13
  // Finding: burning did not lower totalSupply (tokens were parked at a burn address), so the
  // reported supply overstated the tokens in circulation.
  // Fix: burn lowers totalSupply, and the balances of all holders always add up to it.

  @Test
  void tob13_burnLowersTotalSupplyAndAllBalancesStillAddUpToIt() throws IOException {
    GntTokenGateway t = token(DEPLOYER);
    t.batchTransfer(
        List.of(new PackedPayment(a(user(0)), gnt(100)), new PackedPayment(a(user(1)), gnt(50))),
        closure());
    t.burn(gnt(1000));
    token(user(0)).burn(gnt(40));
    token(user(1)).burn(gnt(50));
    BigInteger burnt = gnt(1090);
    assertThat(t.totalSupply()).isEqualTo(params.totalSupply().subtract(burnt));
    assertThat(t.balanceOf(a(user(0)))).isEqualTo(gnt(60));
    assertThat(t.balanceOf(a(user(1)))).isZero();

    // Every account that ever took part in a Transfer of this token, from the chain's own logs.
    Set<Address> holders = new LinkedHashSet<>();
    EthFilter filter =
        new EthFilter(
                DefaultBlockParameterName.EARLIEST,
                DefaultBlockParameterName.LATEST,
                deployment.token().hex())
            .addSingleTopic(GntTokenGateway.TRANSFER_TOPIC);
    EthLog logs = chain.web3j().ethGetLogs(filter).send();
    assertThat(logs.hasError()).isFalse();
    for (EthLog.LogResult<?> lr : logs.getLogs()) {
      Log log = (Log) lr.get();
      holders.add(TokenTestSupport.topicAddress(log.getTopics().get(1)));
      holders.add(TokenTestSupport.topicAddress(log.getTopics().get(2)));
    }
    assertThat(holders)
        .contains(a(DEPLOYER), a(user(0)), a(user(1)), deployment.faucet(), Address.ZERO);
    BigInteger sum = ZERO;
    for (Address h : holders) {
      sum = sum.add(t.balanceOf(h));
    }
    assertThat(t.balanceOf(Address.ZERO)).as("no burn address holds live tokens").isZero();
    assertThat(sum).isEqualTo(t.totalSupply());
  }

  // ------------------------------------------------------------------------------------ TOB-14
  // Finding: one bad payee makes a whole batch revert, so a single provider (for example one
  // reporting address 0) can block the payments of everybody else in the batch.
  // Fix: the Java BatchBuilder holds back every payment the contract would refuse, with its
  // reason, and the rest is paid.

  @Test
  void tob14_oneBadPaymentWouldBlockARawBatch() throws Exception {
    List<byte[]> words =
        List.of(word(gnt(1), a(user(0))), word(gnt(1), Address.ZERO), word(gnt(1), a(user(1))));
    reverts(
        "PaymentToZeroAddress",
        () ->
            wrapper(chain, deployment.token(), DEPLOYER)
                .batchTransfer(words, BigInteger.valueOf(closure()))
                .send());
    assertThat(token(DEPLOYER).balanceOf(a(user(0)))).isZero();
    assertThat(token(DEPLOYER).balanceOf(a(user(1)))).isZero();
  }

  @Test
  void tob14_theContractWouldAcceptThePaymentToTheTokenItselfSoTheBuilderHoldsItBack() {
    // The contract does not refuse the token's own address as a payee: such tokens are stranded.
    // That is why the builder holds it back (TOKEN_CONTRACT_PAYEE): the builder's half of this test
    // is
    // BatchBuilderTest.tob14_theTokenContractItselfIsHeldBack in the node module, where the builder
    // lives.
    GntTokenGateway t = token(DEPLOYER);
    t.batchTransfer(List.of(new PackedPayment(deployment.token(), ONE)), closure());
    assertThat(t.balanceOf(deployment.token())).isEqualTo(ONE);
  }

  @Test
  void tob14_builderHoldsBackBadPaymentsWithTheirReasonAndEverybodyElseIsPaid() {
    GntTokenGateway t = token(DEPLOYER);
    Address token = deployment.token();
    // The two batches the builder makes of the owed payments of this finding, with the bad ones
    // held back
    // (asserted in the node module,
    // BatchBuilderTest.tob14_builderHoldsBackBadPaymentsWithTheirReason):
    // user0 (10 + 5), user3 | user4, user5.
    List<List<PackedPayment>> batches =
        List.of(
            List.of(new PackedPayment(a(user(0)), gnt(15)), new PackedPayment(a(user(3)), gnt(20))),
            List.of(new PackedPayment(a(user(4)), gnt(1)), new PackedPayment(a(user(5)), gnt(2))));

    BigInteger senderBefore = t.balanceOf(a(DEPLOYER));
    List<TransferEvent> paid = new ArrayList<>();
    for (List<PackedPayment> b : batches) {
      paid.addAll(t.transfers(t.batchTransfer(b, closure())));
    }
    assertThat(paid)
        .containsExactly(
            new TransferEvent(a(DEPLOYER), a(user(0)), gnt(15)),
            new TransferEvent(a(DEPLOYER), a(user(3)), gnt(20)),
            new TransferEvent(a(DEPLOYER), a(user(4)), gnt(1)),
            new TransferEvent(a(DEPLOYER), a(user(5)), gnt(2)));
    assertThat(t.balanceOf(a(user(0)))).isEqualTo(gnt(15));
    assertThat(t.balanceOf(a(user(3)))).isEqualTo(gnt(20));
    assertThat(t.balanceOf(a(user(4)))).isEqualTo(gnt(1));
    assertThat(t.balanceOf(a(user(5)))).isEqualTo(gnt(2));
    assertThat(t.balanceOf(a(user(1)))).isZero();
    assertThat(t.balanceOf(a(user(2)))).isZero();
    assertThat(t.balanceOf(token)).isZero();
    assertThat(t.balanceOf(Address.ZERO)).isZero();
    assertThat(t.balanceOf(a(DEPLOYER))).isEqualTo(senderBefore.subtract(gnt(38)));
    assertThat(t.totalSupply()).isEqualTo(params.totalSupply());
  }
}
