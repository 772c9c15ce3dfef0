package org.jgolem.chain.contracts;

import static java.math.BigInteger.ONE;
import static java.math.BigInteger.ZERO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.chain.contracts.TokenTestSupport.MAX_WORD_VALUE;
import static org.jgolem.chain.contracts.TokenTestSupport.batchSenders;
import static org.jgolem.chain.contracts.TokenTestSupport.gas;
import static org.jgolem.chain.contracts.TokenTestSupport.sendWithoutEstimate;
import static org.jgolem.chain.contracts.TokenTestSupport.word;
import static org.jgolem.chain.contracts.TokenTestSupport.wrapper;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jgolem.chain.ContractRevertedException;
import org.jgolem.chain.contracts.GntToken.TransferEvent;
import org.jgolem.chain.testing.AnvilTest;
import org.jgolem.contracts.generated.GolemNetworkToken;
import org.jgolem.eth.Address;
import org.jgolem.eth.PackedPayment;
import org.jgolem.eth.TxResult;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/** GolemNetworkToken.batchTransfer: the normal path and every revert, with the offending index. */
class BatchTransferTest extends AnvilTest {
  private static Address a(Credentials c) {
    return addr(c);
  }

  private static PackedPayment pay(Credentials payee, long amount) {
    return new PackedPayment(a(payee), BigInteger.valueOf(amount));
  }

  private static List<PackedPayment> batch(PackedPayment... payments) {
    return List.of(payments);
  }

  /**
   * Sends hand-made words through the generated wrapper (the gateway only takes valid
   * PackedPayments).
   */
  private static TransactionReceipt rawBatch(Credentials from, List<byte[]> words, long closureTime)
      throws Exception {
    return wrapper(chain, deployment.token(), from)
        .batchTransfer(words, BigInteger.valueOf(closureTime))
        .send();
  }

  /** Balances of {@code accounts} plus the total supply, to show that nothing moved. */
  private static Map<String, BigInteger> state(List<Address> accounts) {
    GntTokenGateway t = token(DEPLOYER);
    Map<String, BigInteger> m = new LinkedHashMap<>();
    for (Address acc : accounts) {
      m.put(acc.hex(), t.balanceOf(acc));
    }
    m.put("totalSupply", t.totalSupply());
    return m;
  }

  private static List<Address> everyone() {
    List<Address> all = new ArrayList<>();
    all.add(a(DEPLOYER));
    all.add(Address.ZERO);
    for (int i = 0; i < 6; i++) {
      all.add(a(user(i)));
    }
    return all;
  }

  /** A past closure time, safely at or below the next block's timestamp. */
  private static long closure() {
    return now() - 60;
  }

  // ------------------------------------------------------------------------------------ normal
  // path

  @Test
  void paysEveryPayeeWithOneTransferEachAndOneBatchTransferEvent() {
    GntTokenGateway t = token(DEPLOYER);
    t.transfer(a(user(2)), BigInteger.valueOf(1000)); // a payee that already holds tokens
    BigInteger senderBefore = t.balanceOf(a(DEPLOYER));
    long closureTime = closure();

    TxResult tx =
        t.batchTransfer(batch(pay(user(0), 11), pay(user(1), 22), pay(user(2), 33)), closureTime);

    assertThat(t.balanceOf(a(user(0)))).isEqualTo(BigInteger.valueOf(11));
    assertThat(t.balanceOf(a(user(1)))).isEqualTo(BigInteger.valueOf(22));
    assertThat(t.balanceOf(a(user(2)))).isEqualTo(BigInteger.valueOf(1033));
    assertThat(t.balanceOf(a(DEPLOYER)))
        .as("debited exactly the total")
        .isEqualTo(senderBefore.subtract(BigInteger.valueOf(66)));
    assertThat(t.totalSupply()).isEqualTo(params.totalSupply());
    assertThat(t.transfers(tx))
        .containsExactly(
            new TransferEvent(a(DEPLOYER), a(user(0)), BigInteger.valueOf(11)),
            new TransferEvent(a(DEPLOYER), a(user(1)), BigInteger.valueOf(22)),
            new TransferEvent(a(DEPLOYER), a(user(2)), BigInteger.valueOf(33)));
    assertThat(t.batchClosureTime(tx)).hasValue(closureTime);
    assertThat(batchSenders(deployment.token(), tx)).containsExactly(a(DEPLOYER));
  }

  @Test
  void aUserCanPayOutItsWholeBalance() {
    token(DEPLOYER).transfer(a(user(0)), BigInteger.valueOf(100));
    GntTokenGateway u0 = token(user(0));
    TxResult tx = u0.batchTransfer(batch(pay(user(1), 60), pay(user(2), 40)), closure());
    assertThat(u0.balanceOf(a(user(0)))).isZero();
    assertThat(u0.balanceOf(a(user(1)))).isEqualTo(BigInteger.valueOf(60));
    assertThat(u0.balanceOf(a(user(2)))).isEqualTo(BigInteger.valueOf(40));
    assertThat(u0.transfers(tx)).extracting(TransferEvent::from).containsOnly(a(user(0)));
    assertThat(batchSenders(deployment.token(), tx)).containsExactly(a(user(0)));
  }

  @Test
  void withAndWithoutAccessListGiveIdenticalResults() {
    GntTokenGateway t = token(DEPLOYER);
    List<PackedPayment> payments = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      payments.add(new PackedPayment(a(user(i)), BigInteger.valueOf(1000L + i)));
    }
    List<PackedPayment> b = payments;
    long closureTime = closure();

    String inner = rpc("evm_snapshot", List.of());
    TxResult with = t.batchTransfer(b, closureTime);
    Map<String, BigInteger> afterWith = state(everyone());
    List<TransferEvent> eventsWith = t.transfers(with);
    assertThat((Object) rpc("evm_revert", List.of(inner))).isEqualTo(Boolean.TRUE);
    chain.resetNonces();
    assertThat(t.balanceOf(a(user(0)))).as("inner snapshot restored").isZero();

    TxResult without = t.batchTransferWithoutAccessList(b, closureTime);
    assertThat(state(everyone())).isEqualTo(afterWith);
    assertThat(t.transfers(without)).isEqualTo(eventsWith);
    assertThat(t.batchClosureTime(without))
        .isEqualTo(t.batchClosureTime(with))
        .hasValue(closureTime);
    assertThat(t.balanceOf(a(user(5)))).isEqualTo(BigInteger.valueOf(1005));
  }

  @Test
  void duplicatePayeesAreEachCredited() {
    GntTokenGateway t = token(DEPLOYER);
    BigInteger before = t.balanceOf(a(DEPLOYER));
    TxResult tx =
        t.batchTransfer(batch(pay(user(0), 5), pay(user(1), 1), pay(user(0), 7)), closure());
    assertThat(t.balanceOf(a(user(0)))).isEqualTo(BigInteger.valueOf(12));
    assertThat(t.balanceOf(a(user(1)))).isEqualTo(ONE);
    assertThat(t.balanceOf(a(DEPLOYER))).isEqualTo(before.subtract(BigInteger.valueOf(13)));
    assertThat(t.transfers(tx))
        .containsExactly(
            new TransferEvent(a(DEPLOYER), a(user(0)), BigInteger.valueOf(5)),
            new TransferEvent(a(DEPLOYER), a(user(1)), ONE),
            new TransferEvent(a(DEPLOYER), a(user(0)), BigInteger.valueOf(7)));
  }

  @Test
  void closureTimeOfTheLatestBlockAndZeroAreAccepted() {
    GntTokenGateway t = token(DEPLOYER);
    long latest = now();
    TxResult tx = t.batchTransfer(batch(pay(user(0), 1)), latest);
    assertThat(t.batchClosureTime(tx)).hasValue(latest);
    TxResult zero = t.batchTransfer(batch(pay(user(0), 1)), 0);
    assertThat(t.batchClosureTime(zero)).hasValue(0);
    assertThat(t.balanceOf(a(user(0)))).isEqualTo(BigInteger.TWO);
  }

  @Test
  void largestWordValuesArriveIntact() throws Exception {
    // GNT's own supply is below 2^96, so use a fresh token holding MAX_SUPPLY = 2^128.
    BigInteger max = ONE.shiftLeft(128);
    GolemNetworkToken big =
        GolemNetworkToken.deploy(
                chain.web3j(), chain.signer(DEPLOYER), gas(chain), a(DEPLOYER).hex(), max)
            .send();
    GntTokenGateway t = new GntTokenGateway(chain, Address.of(big.getContractAddress()), DEPLOYER);
    TxResult tx =
        t.batchTransfer(
            batch(
                new PackedPayment(a(user(0)), MAX_WORD_VALUE),
                new PackedPayment(a(user(1)), ONE),
                new PackedPayment(a(user(0)), MAX_WORD_VALUE)),
            closure());
    assertThat(t.balanceOf(a(user(0)))).isEqualTo(MAX_WORD_VALUE.shiftLeft(1));
    assertThat(t.balanceOf(a(user(1)))).isEqualTo(ONE);
    assertThat(t.balanceOf(a(DEPLOYER)))
        .isEqualTo(max.subtract(MAX_WORD_VALUE.shiftLeft(1)).subtract(ONE));
    assertThat(t.transfers(tx))
        .extracting(TransferEvent::value)
        .containsExactly(MAX_WORD_VALUE, ONE, MAX_WORD_VALUE);
    assertThat(t.totalSupply()).isEqualTo(max);
  }

  @Test
  void accessListOfAHundredPayeesSavesExactlyWhatEip2930Promises() {
    // Each listed slot costs 1900 up front and saves the 2000 extra of a cold SLOAD (2100 vs 100);
    // listing the token's address costs 2400 and saves nothing, since the called contract is warm
    // anyway. So the saving is 100 per distinct slot (payees + sender) minus 2400: for 100 payees,
    // 7700 gas (77 per payment). Below 24 slots the list costs more than it saves (see the report).
    GntTokenGateway t = token(DEPLOYER);
    List<PackedPayment> payments = new ArrayList<>();
    for (int i = 1; i <= 100; i++) {
      payments.add(
          new PackedPayment(Address.of(BigInteger.valueOf(0x2000 + i)), BigInteger.valueOf(i)));
    }
    List<PackedPayment> b = payments;
    long closureTime = closure();
    String inner = rpc("evm_snapshot", List.of());
    TxResult with = t.batchTransfer(b, closureTime);
    assertThat((Object) rpc("evm_revert", List.of(inner))).isEqualTo(Boolean.TRUE);
    chain.resetNonces();
    TxResult without = t.batchTransferWithoutAccessList(b, closureTime);
    assertThat(without.gasUsed() - with.gasUsed()).isEqualTo(101 * 100 - 2400);
  }

  @Test
  void smallBatchesGoWithoutAnAccessListSinceItWouldCostMore() {
    // 6 payees + the sender = 7 slots: a list would cost 2,400 - 700 = 1,700 gas more.
    GntTokenGateway t = token(DEPLOYER);
    List<PackedPayment> payments = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      payments.add(new PackedPayment(a(user(i)), BigInteger.valueOf(10 + i)));
    }
    List<PackedPayment> b = payments;
    long closureTime = closure();
    String inner = rpc("evm_snapshot", List.of());
    TxResult chosen = t.batchTransfer(b, closureTime);
    assertThat((Object) rpc("evm_revert", List.of(inner))).isEqualTo(Boolean.TRUE);
    chain.resetNonces();
    TxResult plain = t.batchTransferWithoutAccessList(b, closureTime);
    assertThat(chosen.gasUsed()).isEqualTo(plain.gasUsed());
  }

  @Test
  void duplicatePayeesAreListedOnceInTheAccessList() {
    // 100 payments to 50 payees: 51 distinct slots. Listing duplicates would cost 1,900 each for
    // nothing; listed once, the saving is 51 * 100 - 2,400 = 2,700.
    GntTokenGateway t = token(DEPLOYER);
    List<PackedPayment> payments = new ArrayList<>();
    for (int i = 1; i <= 100; i++) {
      payments.add(
          new PackedPayment(
              Address.of(BigInteger.valueOf(0x3000 + (i % 50))), BigInteger.valueOf(i)));
    }
    List<PackedPayment> b = payments;
    long closureTime = closure();
    String inner = rpc("evm_snapshot", List.of());
    TxResult with = t.batchTransfer(b, closureTime);
    assertThat((Object) rpc("evm_revert", List.of(inner))).isEqualTo(Boolean.TRUE);
    chain.resetNonces();
    TxResult without = t.batchTransferWithoutAccessList(b, closureTime);
    assertThat(without.gasUsed() - with.gasUsed()).isEqualTo(51 * 100 - 2400);
  }

  @Test
  void hundredPayeesInOneBatch() {
    GntTokenGateway t = token(DEPLOYER);
    List<PackedPayment> payments = new ArrayList<>();
    BigInteger total = ZERO;
    for (int i = 1; i <= 100; i++) {
      BigInteger v = BigInteger.valueOf(i).multiply(GNT);
      payments.add(new PackedPayment(Address.of(BigInteger.valueOf(0x1000 + i)), v));
      total = total.add(v);
    }
    BigInteger before = t.balanceOf(a(DEPLOYER));
    TxResult tx = t.batchTransfer(payments, closure());
    assertThat(t.transfers(tx)).hasSize(100);
    assertThat(t.balanceOf(a(DEPLOYER))).isEqualTo(before.subtract(total));
    assertThat(t.balanceOf(Address.of(BigInteger.valueOf(0x1000 + 37)))).isEqualTo(gnt(37));
    assertThat(t.balanceOf(Address.of(BigInteger.valueOf(0x1000 + 100)))).isEqualTo(gnt(100));
  }

  // ------------------------------------------------------------------------------------ reverts

  @Test
  void closureTimeInTheFutureRevertsClosureTimeInFuture() {
    GntTokenGateway t = token(DEPLOYER);
    Map<String, BigInteger> before = state(everyone());
    long latest = now();
    long future = latest + 3600;
    var e = reverts("ClosureTimeInFuture", () -> t.batchTransfer(batch(pay(user(0), 1)), future));
    assertThat(e.arguments()).hasSize(2);
    assertThat(e.argument(0)).isEqualTo(BigInteger.valueOf(future));
    BigInteger blockTime = (BigInteger) e.argument(1);
    assertThat(blockTime).isBetween(BigInteger.valueOf(latest), BigInteger.valueOf(future - 1));
    assertThat(state(everyone())).isEqualTo(before);
  }

  @Test
  void closureTimeBecomesValidOnceTheChainPassesIt() {
    GntTokenGateway t = token(DEPLOYER);
    long future = now() + 100;
    reverts("ClosureTimeInFuture", () -> t.batchTransfer(batch(pay(user(0), 1)), future));
    advanceTime(101);
    TxResult tx = t.batchTransfer(batch(pay(user(0), 1)), future);
    assertThat(t.batchClosureTime(tx)).hasValue(future);
  }

  @Test
  void emptyBatchRevertsEmptyBatch() throws Exception {
    // An empty list of words is allowed, so both gateway paths can send one; the raw wrapper too.
    List<PackedPayment> empty = List.of();
    GntTokenGateway t = token(DEPLOYER);
    Map<String, BigInteger> before = state(everyone());
    assertThat(reverts("EmptyBatch", () -> t.batchTransfer(empty, closure())).arguments())
        .isEmpty();
    assertThat(
            reverts("EmptyBatch", () -> t.batchTransferWithoutAccessList(empty, closure()))
                .arguments())
        .isEmpty();
    reverts("EmptyBatch", () -> rawBatch(DEPLOYER, List.of(), closure()));
    assertThat(state(everyone())).isEqualTo(before);
  }

  @Test
  void closureTimeIsCheckedBeforeEmptiness() {
    long future = now() + 3600;
    reverts("ClosureTimeInFuture", () -> token(DEPLOYER).batchTransfer(List.of(), future));
  }

  @Test
  void zeroPayeeRevertsPaymentToZeroAddressWithItsIndex() {
    Map<String, BigInteger> before = state(everyone());
    List<byte[]> words =
        List.of(
            word(5, a(user(0))), word(6, a(user(1))), word(7, Address.ZERO), word(8, a(user(2))));
    var e = reverts("PaymentToZeroAddress", () -> rawBatch(DEPLOYER, words, closure()));
    assertThat(e.arguments()).containsExactly(BigInteger.TWO);
    assertThat(state(everyone())).isEqualTo(before);
  }

  @Test
  void zeroPayeeFirstAndLastAreNamed() {
    var first =
        reverts(
            "PaymentToZeroAddress",
            () ->
                rawBatch(DEPLOYER, List.of(word(1, Address.ZERO), word(1, a(user(0)))), closure()));
    assertThat(first.arguments()).containsExactly(ZERO);
    var last =
        reverts(
            "PaymentToZeroAddress",
            () ->
                rawBatch(DEPLOYER, List.of(word(1, a(user(0))), word(1, Address.ZERO)), closure()));
    assertThat(last.arguments()).containsExactly(ONE);
  }

  @Test
  void allZeroWordRevertsPaymentToZeroAddress() {
    var e =
        reverts(
            "PaymentToZeroAddress",
            () -> rawBatch(DEPLOYER, List.of(word(3, a(user(0))), new byte[32]), closure()));
    assertThat(e.arguments()).containsExactly(ONE);
  }

  @Test
  void paymentToTheSenderRevertsPaymentToSenderWithItsIndex() {
    Map<String, BigInteger> before = state(everyone());
    List<byte[]> words = List.of(word(5, a(user(0))), word(9, a(DEPLOYER)), word(8, a(user(2))));
    var e = reverts("PaymentToSender", () -> rawBatch(DEPLOYER, words, closure()));
    assertThat(e.arguments()).containsExactly(ONE);
    assertThat(state(everyone())).isEqualTo(before);
  }

  @Test
  void paymentToTheSenderAsTheLastOrOnlyPaymentIsNamed() {
    var last =
        reverts(
            "PaymentToSender",
            () ->
                rawBatch(
                    DEPLOYER,
                    List.of(
                        word(1, a(user(0))),
                        word(1, a(user(1))),
                        word(1, a(user(2))),
                        word(1, a(DEPLOYER))),
                    closure()));
    assertThat(last.arguments()).containsExactly(BigInteger.valueOf(3));
    var only =
        reverts(
            "PaymentToSender", () -> rawBatch(DEPLOYER, List.of(word(1, a(DEPLOYER))), closure()));
    assertThat(only.arguments()).containsExactly(ZERO);
  }

  @Test
  void paymentToTheSenderThroughTheGatewayIsRefusedToo() {
    // PackedPayment accepts the sender as payee; the contract refuses it.
    GntTokenGateway t = token(DEPLOYER);
    var e =
        reverts(
            "PaymentToSender",
            () -> t.batchTransfer(batch(pay(user(0), 1), pay(DEPLOYER, 1)), closure()));
    assertThat(e.arguments()).containsExactly(ONE);
  }

  @Test
  void paymentToTheSenderByAUserWithoutEnoughBalanceIsStillNamed() {
    // The sender check does not depend on the balance: a user with 10 paying itself 1000 is told
    // so.
    token(DEPLOYER).transfer(a(user(0)), BigInteger.TEN);
    var e =
        reverts(
            "PaymentToSender",
            () ->
                rawBatch(user(0), List.of(word(1, a(user(1))), word(1000, a(user(0)))), closure()));
    assertThat(e.arguments()).containsExactly(ONE);
  }

  @Test
  void zeroValueRevertsZeroValuePaymentWithItsIndex() {
    Map<String, BigInteger> before = state(everyone());
    List<byte[]> words =
        List.of(word(5, a(user(0))), word(6, a(user(1))), word(7, a(user(2))), word(0, a(user(3))));
    var e = reverts("ZeroValuePayment", () -> rawBatch(DEPLOYER, words, closure()));
    assertThat(e.arguments()).containsExactly(BigInteger.valueOf(3));
    assertThat(state(everyone())).isEqualTo(before);
  }

  @Test
  void theFirstOffendingPaymentIsNamed() {
    // Zero payee at 1, zero value at 3: index 1.
    var a1 =
        reverts(
            "PaymentToZeroAddress",
            () ->
                rawBatch(
                    DEPLOYER,
                    List.of(
                        word(1, a(user(0))),
                        word(1, Address.ZERO),
                        word(1, a(user(1))),
                        word(0, a(user(2)))),
                    closure()));
    assertThat(a1.arguments()).containsExactly(ONE);
    // Sender at 1, zero value at 3: the hot loop stops at 3, the search still finds 1.
    var a2 =
        reverts(
            "PaymentToSender",
            () ->
                rawBatch(
                    DEPLOYER,
                    List.of(
                        word(1, a(user(0))),
                        word(1, a(DEPLOYER)),
                        word(1, a(user(1))),
                        word(0, a(user(2)))),
                    closure()));
    assertThat(a2.arguments()).containsExactly(ONE);
    // Zero value at 1, sender at 3: index 1.
    var a3 =
        reverts(
            "ZeroValuePayment",
            () ->
                rawBatch(
                    DEPLOYER,
                    List.of(
                        word(1, a(user(0))),
                        word(0, a(user(1))),
                        word(1, a(user(2))),
                        word(1, a(DEPLOYER))),
                    closure()));
    assertThat(a3.arguments()).containsExactly(ONE);
    // Zero value to the zero address (the all-zero word) at 2 and a later sender payment: zero
    // address at 2.
    var a4 =
        reverts(
            "PaymentToZeroAddress",
            () ->
                rawBatch(
                    DEPLOYER,
                    List.of(
                        word(1, a(user(0))),
                        word(1, a(user(1))),
                        word(0, Address.ZERO),
                        word(1, a(DEPLOYER))),
                    closure()));
    assertThat(a4.arguments()).containsExactly(BigInteger.TWO);
  }

  @Test
  void aBadPaymentOutranksInsufficientBalance() {
    // user(0) has nothing, and its batch also has a zero value at index 1: the bad payment is
    // reported.
    var e =
        reverts(
            "ZeroValuePayment",
            () -> rawBatch(user(0), List.of(word(1, a(user(1))), word(0, a(user(2)))), closure()));
    assertThat(e.arguments()).containsExactly(ONE);
  }

  @Test
  void totalAboveTheBalanceRevertsInsufficientBalance() {
    token(DEPLOYER).transfer(a(user(0)), BigInteger.valueOf(5));
    GntTokenGateway u0 = token(user(0));
    Map<String, BigInteger> before = state(everyone());
    var e =
        reverts(
            "InsufficientBalance",
            () -> u0.batchTransfer(batch(pay(user(1), 3), pay(user(2), 3)), closure()));
    assertThat(e.arguments())
        .containsExactly(a(user(0)).hex(), BigInteger.valueOf(5), BigInteger.valueOf(6));
    assertThat(state(everyone())).isEqualTo(before);
    // Exactly the balance goes through.
    u0.batchTransfer(batch(pay(user(1), 3), pay(user(2), 2)), closure());
    assertThat(u0.balanceOf(a(user(0)))).isZero();
  }

  @Test
  void revertedBatchLandedOnChainUndoesEveryCredit() {
    // Sent with a fixed gas limit and no estimate, so the failing transaction is really mined: the
    // hot loop has already credited the first payees when it meets the zero payee, and the revert
    // must undo those credits.
    GntTokenGateway t = token(DEPLOYER);
    Map<String, BigInteger> before = state(everyone());
    List<byte[]> words =
        List.of(word(100, a(user(0))), word(200, a(user(1))), word(300, Address.ZERO));
    String data =
        wrapper(chain, deployment.token(), DEPLOYER)
            .batchTransfer(words, BigInteger.valueOf(closure()))
            .encodeFunctionCall();
    TransactionReceipt r = sendWithoutEstimate(chain, DEPLOYER, deployment.token(), data);
    assertThat(r.isStatusOK()).as("the batch must fail on chain").isFalse();
    assertThat(r.getGasUsed())
        .as("a revert, not out of gas")
        .isLessThan(BigInteger.valueOf(2_000_000));
    assertThat(r.getLogs()).as("no Transfer survives a revert").isEmpty();
    assertThat(state(everyone())).isEqualTo(before);
    // The signer resynchronises its nonce and the next batch works.
    t.batchTransfer(batch(pay(user(0), 1)), closure());
    assertThat(t.balanceOf(a(user(0)))).isEqualTo(ONE);
  }

  @Test
  void insufficientBalanceLandedOnChainUndoesEveryCredit() {
    token(DEPLOYER).transfer(a(user(0)), BigInteger.valueOf(10));
    Map<String, BigInteger> before = state(everyone());
    List<byte[]> words = List.of(word(6, a(user(1))), word(6, a(user(2))));
    String data =
        wrapper(chain, deployment.token(), user(0))
            .batchTransfer(words, BigInteger.valueOf(closure()))
            .encodeFunctionCall();
    TransactionReceipt r = sendWithoutEstimate(chain, user(0), deployment.token(), data);
    assertThat(r.isStatusOK()).isFalse();
    assertThat(r.getLogs()).isEmpty();
    assertThat(state(everyone())).isEqualTo(before);
  }

  @Test
  void gatewayRevertsAreTypedExceptions() {
    // The wrapper path and the gateway path decode the same error.
    token(DEPLOYER).transfer(a(user(0)), BigInteger.ONE);
    ContractRevertedException viaGateway =
        reverts(
            "InsufficientBalance",
            () -> token(user(0)).batchTransfer(batch(pay(user(1), 2)), closure()));
    ContractRevertedException viaWrapper =
        reverts(
            "InsufficientBalance",
            () -> rawBatch(user(0), List.of(word(2, a(user(1)))), closure()));
    assertThat(viaGateway.arguments())
        .isEqualTo(viaWrapper.arguments())
        .containsExactly(a(user(0)).hex(), ONE, BigInteger.TWO);
  }
}
