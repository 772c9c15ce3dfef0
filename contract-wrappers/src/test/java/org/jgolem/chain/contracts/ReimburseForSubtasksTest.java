package org.jgolem.chain.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jgolem.chain.contracts.DepositTestKit.hex;
import static org.jgolem.chain.contracts.DepositTestKit.logs;
import static org.jgolem.chain.contracts.DepositTestKit.note;
import static org.jgolem.chain.contracts.DepositTestKit.subtask;
import static org.jgolem.chain.contracts.DepositTestKit.topicAddress;
import static org.jgolem.chain.contracts.DepositTestKit.topicBytes;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.jgolem.chain.Broadcast;
import org.jgolem.chain.ChainException;
import org.jgolem.chain.ContractRevertedException;
import org.jgolem.chain.Rpc;
import org.jgolem.chain.SignedTransaction;
import org.jgolem.chain.TxFees;
import org.jgolem.chain.contracts.ConcentDeposits.Reimbursement;
import org.jgolem.chain.testing.AnvilTest;
import org.jgolem.contracts.generated.GNTDeposit;
import org.jgolem.contracts.generated.GolemNetworkToken;
import org.jgolem.eth.Address;
import org.jgolem.eth.LogEntry;
import org.jgolem.eth.TxResult;
import org.jgolem.protocol.notes.NoteSigner;
import org.jgolem.protocol.notes.Purpose;
import org.jgolem.protocol.notes.SignedNote;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.tx.gas.StaticEIP1559GasProvider;
import org.web3j.utils.Numeric;

/**
 * {@code reimburseForSubtasks}: many ForceSubtaskResults settlements in one transaction, each item
 * checked as {@code reimburseForSubtask} checks it, all or nothing, a failure naming its item.
 */
class ReimburseForSubtasksTest extends AnvilTest {
  private static final BigInteger HALF_N =
      new BigInteger("7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0", 16);
  private static final BigInteger N = HALF_N.shiftLeft(1).add(BigInteger.ONE);

  private static NoteSigner signer() {
    return new NoteSigner(chain.chainId(), deployment.deposit());
  }

  private static void depositInOneTx(Credentials who, BigInteger amount) {
    token(DEPLOYER).transfer(addr(who), amount);
    token(who).transferAndCall(deployment.deposit(), amount, new byte[0]);
  }

  private static SignedNote subtaskNote(
      Credentials requestor, Credentials provider, BigInteger amount, String id) {
    return DepositTestKit.sign(
        signer(),
        note(requestor, addr(provider), amount, subtask(id), Purpose.SUBTASK_PAYMENT),
        requestor);
  }

  private static Reimbursement item(
      Credentials requestor, Credentials provider, long promised, long pay, String id) {
    return new Reimbursement(subtaskNote(requestor, provider, gnt(promised), id), gnt(pay));
  }

  private static BigInteger tokenBalance(Address a) {
    return token(DEPLOYER).balanceOf(a);
  }

  /** The generated wrapper, for calls the gateway refuses before sending. */
  private static GNTDeposit wrapper(Credentials as) {
    return GNTDeposit.load(
        deployment.deposit().hex(),
        chain.web3j(),
        chain.signer(as),
        new StaticEIP1559GasProvider(
            chain.chainId(), BigInteger.ONE, BigInteger.ONE, BigInteger.ONE));
  }

  private static GNTDeposit.SubtaskReimbursement raw(Reimbursement r) {
    SignedNote s = r.note();
    return new GNTDeposit.SubtaskReimbursement(
        s.note().payer().hex(),
        s.note().payee().hex(),
        s.note().amount(),
        s.note().subtaskId(),
        BigInteger.valueOf(s.v()),
        s.r(),
        s.s(),
        r.reimburseAmount());
  }

  private static void sendRaw(Credentials as, List<Reimbursement> items) {
    GNTDeposit w = wrapper(as);
    Rpc.call(
        "reimburseForSubtasks",
        () ->
            w.reimburseForSubtasks(items.stream().map(ReimburseForSubtasksTest::raw).toList())
                .send());
  }

  /** Expects ItemFailed(index, inner) and returns the inner error, checked by name. */
  private static ContractRevertedException itemFails(
      int index, String inner, org.junit.jupiter.api.function.Executable action) {
    ContractRevertedException e = reverts("ItemFailed", action);
    assertThat(e.argument(0)).as(e.getMessage()).isEqualTo(BigInteger.valueOf(index));
    assertThat(e.innerError()).as(e.getMessage()).isPresent();
    assertThat(e.innerError().orElseThrow().errorName()).as(e.getMessage()).isEqualTo(inner);
    assertThat(e.getMessage()).contains("wrapping " + inner);
    return e.innerError().orElseThrow();
  }

  /** Token balances and deposits of {@code accounts}, and the deposit contract's GNT. */
  private static List<BigInteger> balances(List<Credentials> accounts) {
    List<BigInteger> out = new ArrayList<>();
    for (Credentials c : accounts) {
      out.add(tokenBalance(addr(c)));
      out.add(deposit(c));
    }
    out.add(tokenBalance(deployment.deposit()));
    return out;
  }

  private static BigInteger deposit(Credentials c) {
    return deposits(DEPLOYER).balanceOf(addr(c));
  }

  private static void assertUnsettled(List<Reimbursement> items) {
    for (Reimbursement r : items) {
      assertThat(
              deposits(DEPLOYER)
                  .isSettled(
                      r.note().note().payer(),
                      r.note().note().subtaskId(),
                      Purpose.SUBTASK_PAYMENT))
          .as("settled after a failed batch: " + r.note().note())
          .isFalse();
    }
  }

  // ------------------------------------------------------------------ the happy path

  @Test
  void aBatchOfSeveralRequestorsAndProvidersSettlesEveryItemExactly() {
    Credentials a = user(0);
    Credentials b = user(1);
    Credentials c = user(2);
    Credentials p1 = user(3);
    Credentials p2 = user(4);
    Credentials p3 = user(5);
    depositInOneTx(a, gnt(100));
    depositInOneTx(b, gnt(50));
    depositInOneTx(c, gnt(30));
    token(DEPLOYER).transfer(addr(p2), gnt(7)); // an existing balance is added to, not replaced
    BigInteger dayBefore =
        Rpc.call("reimbursedToday", () -> wrapper(DEPLOYER).reimbursedToday().send());

    // runs: a,a,a then b then c then a again; providers p1,p1 | p2,p2 | p1 | p3
    List<Reimbursement> items =
        List.of(
            item(a, p1, 10, 10, "h1"),
            item(a, p1, 10, 4, "h2"),
            item(a, p2, 20, 20, "h3"),
            item(b, p2, 15, 15, "h4"),
            item(c, p1, 30, 30, "h5"),
            item(a, p3, 9, 1, "h6"));
    TxResult tx = deposits(CONCENT).reimburseForSubtasks(items);

    assertThat(deposit(a)).isEqualTo(gnt(100 - 10 - 4 - 20 - 1));
    assertThat(deposit(b)).isEqualTo(gnt(35));
    assertThat(deposit(c)).isZero();
    assertThat(tokenBalance(addr(p1))).isEqualTo(gnt(10 + 4 + 30));
    assertThat(tokenBalance(addr(p2))).isEqualTo(gnt(7 + 20 + 15));
    assertThat(tokenBalance(addr(p3))).isEqualTo(gnt(1));
    BigInteger total = gnt(10 + 4 + 20 + 15 + 30 + 1);
    assertThat(deposits(DEPLOYER).totalDeposits()).isEqualTo(gnt(180).subtract(total));
    assertThat(tokenBalance(deployment.deposit())).isEqualTo(gnt(180).subtract(total));
    BigInteger today =
        Rpc.call("reimbursedToday", () -> wrapper(DEPLOYER).reimbursedToday().send());
    assertThat(today)
        .as("the daily budget counts the whole batch (from zero if a new day began)")
        .isIn(dayBefore.add(total), total);

    List<LogEntry> events = logs(tx, deployment.deposit(), GNTDeposit.REIMBURSEFORSUBTASK_EVENT);
    assertThat(events).as("one event per item, in order").hasSize(items.size());
    for (int i = 0; i < items.size(); i++) {
      var n = items.get(i).note().note();
      List<String> topics = events.get(i).topics();
      assertThat(topicAddress(topics.get(1))).as("requestor of " + i).isEqualTo(n.payer());
      assertThat(topicAddress(topics.get(2))).as("provider of " + i).isEqualTo(n.payee());
      assertThat(topicBytes(topics.get(3))).as("subtask of " + i).isEqualTo(n.subtaskId());
      assertThat(Numeric.toBigInt(events.get(i).data()))
          .as("amount of " + i)
          .isEqualTo(items.get(i).reimburseAmount());
      assertThat(deposits(DEPLOYER).isSettled(n.payer(), n.subtaskId(), Purpose.SUBTASK_PAYMENT))
          .as("settled " + i)
          .isTrue();
    }
    // one transfer per run of the same provider: p1 | p2 | p1 | p3
    List<LogEntry> transfers = logs(tx, deployment.token(), GolemNetworkToken.TRANSFER_EVENT);
    assertThat(transfers.stream().map(l -> topicAddress(l.topics().get(2))).toList())
        .containsExactly(addr(p1), addr(p2), addr(p1), addr(p3));
    assertThat(transfers.stream().map(l -> Numeric.toBigInt(l.data())).toList())
        .containsExactly(gnt(14), gnt(35), gnt(30), gnt(1));

    // a settled item cannot be paid again by any reimbursement
    reverts(
        "AlreadySettled",
        () -> deposits(CONCENT).reimburseForSubtask(items.get(0).note(), BigInteger.ONE));
    reverts(
        "AlreadySettled",
        () ->
            deposits(CONCENT)
                .reimburseForNoPayment(List.of(items.get(4).note()), BigInteger.ONE, now()));
  }

  @Test
  void theCheapestOrderGroupsByProviderThenRequestorAndKeepsTheRestInOrder() {
    Credentials a = user(0);
    Credentials b = user(1);
    Credentials p = user(2);
    Credentials q = user(3);
    List<Reimbursement> items =
        List.of(
            item(a, p, 1, 1, "o0"),
            item(b, q, 1, 1, "o1"),
            item(b, p, 1, 1, "o2"),
            item(a, q, 1, 1, "o3"),
            item(a, p, 1, 1, "o4"));
    List<Reimbursement> sorted = ConcentDeposits.cheapestOrder(items);
    assertThat(sorted).containsExactlyInAnyOrderElementsOf(items);
    for (int i = 1; i < sorted.size(); i++) {
      var before = sorted.get(i - 1).note().note();
      var now = sorted.get(i).note().note();
      int byProvider = before.payee().hex().compareTo(now.payee().hex());
      assertThat(byProvider).as("providers in order at " + i).isLessThanOrEqualTo(0);
      if (byProvider == 0) {
        assertThat(before.payer().hex().compareTo(now.payer().hex()))
            .as("requestors in order within a provider at " + i)
            .isLessThanOrEqualTo(0);
      }
    }
    // the two items of (a, p) keep their order
    assertThat(sorted.indexOf(items.get(0))).isLessThan(sorted.indexOf(items.get(4)));
    assertThat(sorted.indexOf(items.get(4))).isEqualTo(sorted.indexOf(items.get(0)) + 1);
  }

  @Test
  void aBatchOfOneIsReimburseForSubtask() {
    Credentials a = user(0);
    Credentials p = user(1);
    depositInOneTx(a, gnt(10));
    TxResult tx = deposits(CONCENT).reimburseForSubtasks(List.of(item(a, p, 5, 5, "one")));
    assertThat(deposit(a)).isEqualTo(gnt(5));
    assertThat(tokenBalance(addr(p))).isEqualTo(gnt(5));
    assertThat(logs(tx, deployment.deposit(), GNTDeposit.REIMBURSEFORSUBTASK_EVENT)).hasSize(1);
  }

  // ------------------------------------------------------------------ failures name the item

  @Test
  void anItemAlreadySettledRevertsTheBatchNamingIt() {
    Credentials a = user(0);
    Credentials p = user(1);
    depositInOneTx(a, gnt(100));
    Reimbursement old = item(a, p, 10, 10, "r1");
    deposits(CONCENT).reimburseForSubtask(old.note(), gnt(10));
    var before = balances(List.of(a, p));

    List<Reimbursement> batch = List.of(item(a, p, 5, 5, "r0"), old, item(a, p, 5, 5, "r2"));
    var inner = itemFails(1, "AlreadySettled", () -> deposits(CONCENT).reimburseForSubtasks(batch));
    assertThat(inner.arguments())
        .containsExactly(addr(a).hex(), hex(subtask("r1")), BigInteger.ZERO);
    assertThat(balances(List.of(a, p))).as("nothing moved").isEqualTo(before);
    assertUnsettled(List.of(batch.get(0), batch.get(2)));

    // Concent drops the failed item and resends the rest
    deposits(CONCENT).reimburseForSubtasks(List.of(batch.get(0), batch.get(2)));
    assertThat(deposit(a)).isEqualTo(gnt(80));
  }

  @Test
  void theSameSubtaskTwiceInOneBatchFailsAtTheSecond() {
    Credentials a = user(0);
    Credentials p = user(1);
    depositInOneTx(a, gnt(100));
    Reimbursement r = item(a, p, 10, 3, "twice");
    assertThatThrownBy(() -> deposits(CONCENT).reimburseForSubtasks(List.of(r, r)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("items 0 and 1 settle the same subtask");
    itemFails(1, "AlreadySettled", () -> sendRaw(CONCENT, List.of(r, r)));
    assertThat(deposit(a)).isEqualTo(gnt(100));
  }

  @Test
  void aForgedNoteRevertsTheBatchNamingIt() {
    Credentials a = user(0);
    Credentials p = user(1);
    Credentials forger = user(2);
    depositInOneTx(a, gnt(100));
    SignedNote forged =
        DepositTestKit.signWithAnyKey(
            signer(), note(a, addr(p), gnt(50), subtask("f"), Purpose.SUBTASK_PAYMENT), forger);
    List<Reimbursement> batch =
        List.of(item(a, p, 5, 5, "f0"), item(a, p, 5, 5, "f1"), new Reimbursement(forged, gnt(50)));
    var inner =
        itemFails(2, "InvalidSignature", () -> deposits(CONCENT).reimburseForSubtasks(batch));
    assertThat(inner.arguments()).containsExactly(addr(a).hex(), addr(forger).hex());

    // a note whose amount was raised after signing recovers another address
    SignedNote honest = subtaskNote(a, p, gnt(5), "raised");
    SignedNote raised =
        new SignedNote(
            note(a, addr(p), gnt(90), subtask("raised"), Purpose.SUBTASK_PAYMENT),
            honest.v(),
            honest.r(),
            honest.s());
    itemFails(
        0,
        "InvalidSignature",
        () -> deposits(CONCENT).reimburseForSubtasks(List.of(new Reimbursement(raised, gnt(90)))));

    // the malleable twin of a valid signature (s' = n - s, v flipped) is refused as high-s
    SignedNote valid = subtaskNote(a, p, gnt(5), "malleable");
    BigInteger highS = N.subtract(new BigInteger(1, valid.s()));
    SignedNote twin =
        new SignedNote(
            valid.note(), valid.v() == 27 ? 28 : 27, valid.r(), Numeric.toBytesPadded(highS, 32));
    var hs =
        itemFails(
            0,
            "HighSSignature",
            () -> deposits(CONCENT).reimburseForSubtasks(List.of(new Reimbursement(twin, gnt(5)))));
    assertThat(hs.arguments()).containsExactly(Numeric.toHexStringWithPrefixZeroPadded(highS, 64));
    assertThat(deposit(a)).isEqualTo(gnt(100));
    assertUnsettled(batch);
  }

  @Test
  void aDepositTooSmallForTheItemsSoFarNamesTheFirstItemItCannotCover() {
    Credentials a = user(0);
    Credentials b = user(1);
    Credentials p = user(2);
    depositInOneTx(a, gnt(10));
    depositInOneTx(b, gnt(100));
    // a covers 6, then has 4 left for the next 6: exactly as two reimburseForSubtask calls
    List<Reimbursement> batch =
        List.of(item(a, p, 6, 6, "d0"), item(b, p, 6, 6, "d1"), item(a, p, 6, 6, "d2"));
    var inner =
        itemFails(2, "InsufficientDeposit", () -> deposits(CONCENT).reimburseForSubtasks(batch));
    assertThat(inner.arguments()).containsExactly(addr(a).hex(), gnt(4), gnt(6));
    assertThat(deposit(a)).isEqualTo(gnt(10));
    assertThat(deposit(b)).isEqualTo(gnt(100));
    assertUnsettled(batch);

    // a requestor with no deposit at all, and a zero amount, and a payment above the note
    var none =
        itemFails(
            0,
            "InsufficientDeposit",
            () -> deposits(CONCENT).reimburseForSubtasks(List.of(item(user(5), p, 1, 1, "d3"))));
    assertThat(none.arguments()).containsExactly(addr(user(5)).hex(), BigInteger.ZERO, gnt(1));
    itemFails(
        1,
        "ZeroAmount",
        () ->
            deposits(CONCENT)
                .reimburseForSubtasks(List.of(item(a, p, 1, 1, "d4"), item(a, p, 1, 0, "d5"))));
    var above =
        itemFails(
            0,
            "ReimbursementAboveNote",
            () ->
                deposits(CONCENT)
                    .reimburseForSubtasks(
                        List.of(new Reimbursement(subtaskNote(a, p, gnt(2), "d6"), gnt(3)))));
    assertThat(above.arguments()).containsExactly(gnt(3), gnt(2));
  }

  @Test
  void aNoteToTheZeroAddressFailsAsItsTransferWouldAloneButNamesTheItem() {
    Credentials a = user(0);
    depositInOneTx(a, gnt(10));
    SignedNote toNobody =
        DepositTestKit.sign(
            signer(), note(a, Address.ZERO, gnt(1), subtask("z"), Purpose.SUBTASK_PAYMENT), a);
    reverts("TransferToZeroAddress", () -> deposits(CONCENT).reimburseForSubtask(toNobody, gnt(1)));
    itemFails(
        1,
        "TransferToZeroAddress",
        () ->
            deposits(CONCENT)
                .reimburseForSubtasks(
                    List.of(item(a, user(1), 1, 1, "z0"), new Reimbursement(toNobody, gnt(1)))));
    assertThat(deposit(a)).isEqualTo(gnt(10));
  }

  @Test
  void theDailyLimitCountsEveryItemOfTheBatch() {
    deposits(DEPLOYER).setDailyReimbursementLimit(gnt(10));
    Credentials a = user(0);
    Credentials b = user(1);
    Credentials p = user(2);
    depositInOneTx(a, gnt(100));
    depositInOneTx(b, gnt(100));
    long t = now();
    advanceTime(86_400 - t % 86_400 + 5); // a few seconds into a fresh reimbursement day

    List<Reimbursement> over =
        List.of(item(a, p, 4, 4, "l0"), item(b, p, 4, 4, "l1"), item(a, p, 4, 4, "l2"));
    var inner =
        itemFails(2, "DailyLimitExceeded", () -> deposits(CONCENT).reimburseForSubtasks(over));
    assertThat(inner.arguments()).containsExactly(gnt(8), gnt(4), gnt(10));
    assertUnsettled(over);

    deposits(CONCENT).reimburseForSubtasks(List.of(over.get(0), over.get(1)));
    // the batch used 8 of today's 10: a single call sees the same budget
    var single =
        reverts(
            "DailyLimitExceeded",
            () -> deposits(CONCENT).reimburseForSubtask(over.get(2).note(), gnt(3)));
    assertThat(single.arguments()).containsExactly(gnt(8), gnt(3), gnt(10));
    deposits(CONCENT).reimburseForSubtasks(List.of(new Reimbursement(over.get(2).note(), gnt(2))));

    advanceTime(86_400);
    deposits(CONCENT).reimburseForSubtasks(List.of(item(a, p, 5, 5, "l3"), item(b, p, 5, 5, "l4")));
    assertThat(tokenBalance(addr(p))).isEqualTo(gnt(20));
  }

  // ------------------------------------------------------------------ whole-call refusals

  @Test
  void onlyConcentMaySettleABatch() {
    Credentials a = user(0);
    depositInOneTx(a, gnt(10));
    List<Reimbursement> batch = List.of(item(a, user(1), 5, 5, "c0"));
    for (Credentials notConcent : List.of(a, user(1), DEPLOYER, COLDWALLET)) {
      var e = reverts("NotConcent", () -> deposits(notConcent).reimburseForSubtasks(batch));
      assertThat(e.arguments()).containsExactly(addr(notConcent).hex());
    }
    assertUnsettled(batch);
  }

  @Test
  void calldataWhoseArraySaysMoreItemsThanItHoldsIsRefused() {
    Credentials a = user(0);
    depositInOneTx(a, gnt(10));
    Reimbursement r = item(a, user(1), 5, 5, "m0");
    String data = wrapper(CONCENT).reimburseForSubtasks(List.of(raw(r))).encodeFunctionCall();
    // selector, offset, length = 1, then 8 words: claim 2 items instead
    String lengthWord = Numeric.toHexStringNoPrefixZeroPadded(BigInteger.ONE, 64);
    String twoWord = Numeric.toHexStringNoPrefixZeroPadded(BigInteger.TWO, 64);
    int at = 10 + 64;
    assertThat(data.substring(at, at + 64)).isEqualTo(lengthWord);
    String claimsTwo = data.substring(0, at) + twoWord + data.substring(at + 64);
    String cutShort = data.substring(0, data.length() - 64); // the last word missing
    for (String bad : List.of(claimsTwo, cutShort)) {
      assertThatThrownBy(() ->
              chain.signer(CONCENT).estimateGas(deployment.deposit().hex(), bad, BigInteger.ZERO))
          .isInstanceOf(ChainException.class);
    }
    // the well-formed one passes the same path
    assertThat(chain.signer(CONCENT).estimateGas(deployment.deposit().hex(), data, BigInteger.ZERO))
        .isPositive();
    assertUnsettled(List.of(r));
  }

  @Test
  void anEmptyOrOversizedBatchIsRefused() {
    Credentials a = user(0);
    Credentials p = user(1);
    depositInOneTx(a, gnt(1_000));
    reverts("EmptyBatch", () -> sendRaw(CONCENT, List.of()));
    assertThatThrownBy(() -> deposits(CONCENT).reimburseForSubtasks(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one item");

    List<Reimbursement> max = new ArrayList<>();
    for (int i = 0; i < ConcentDeposits.MAX_SUBTASKS_PER_CALL + 1; i++) {
      max.add(new Reimbursement(subtaskNote(a, p, BigInteger.TWO, "max" + i), BigInteger.ONE));
    }
    var e = reverts("TooManyNotes", () -> sendRaw(CONCENT, max));
    assertThat(e.arguments()).containsExactly(BigInteger.valueOf(129), BigInteger.valueOf(128));
    assertThatThrownBy(() -> deposits(CONCENT).reimburseForSubtasks(max))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most 128");
    assertThat(
            Rpc.call(
                "MAX_SUBTASKS_PER_CALL", () -> wrapper(DEPLOYER).MAX_SUBTASKS_PER_CALL().send()))
        .isEqualTo(BigInteger.valueOf(ConcentDeposits.MAX_SUBTASKS_PER_CALL));

    TxResult full = deposits(CONCENT).reimburseForSubtasks(max.subList(0, 128));
    assertThat(logs(full, deployment.deposit(), GNTDeposit.REIMBURSEFORSUBTASK_EVENT)).hasSize(128);
    assertThat(deposit(a)).isEqualTo(gnt(1_000).subtract(BigInteger.valueOf(128)));
    assertThat(tokenBalance(addr(p))).isEqualTo(BigInteger.valueOf(128));
  }

  @Test
  void theGatewayRefusesNotesForAnotherPurpose() {
    Credentials a = user(0);
    SignedNote fee =
        DepositTestKit.sign(
            signer(),
            note(a, deployment.deposit(), gnt(1), subtask("p"), Purpose.COMMUNICATION),
            a);
    long block = chain.blockNumber();
    assertThatThrownBy(() ->
            deposits(CONCENT)
                .reimburseForSubtasks(
                    List.of(item(a, user(1), 1, 1, "p0"), new Reimbursement(fee, gnt(1)))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs SUBTASK_PAYMENT");
    assertThat(chain.blockNumber()).as("nothing was sent").isEqualTo(block);
  }

  // ------------------------------------------------------------------ sign, record, broadcast

  @Test
  void signedReimbursementsAreSentOnlyWhenBroadcastAndMinedOnce() {
    Credentials a = user(0);
    Credentials p = user(1);
    depositInOneTx(a, gnt(100));
    ConcentDeposits c = deposits(CONCENT);
    Address concent = addr(CONCENT);
    TxFees fees = chain.signer(CONCENT).currentFees();
    long nonce = chain.pendingTransactionCount(concent);

    List<Reimbursement> batch = List.of(item(a, p, 10, 10, "s0"), item(a, p, 10, 5, "s1"));
    var quote = c.quoteReimburseForSubtasks(batch);
    assertThat(quote.gasLimit()).isGreaterThan(quote.estimate());
    SignedTransaction many = c.signReimburseForSubtasks(batch, nonce, quote.gasLimit(), fees);
    SignedNote single = subtaskNote(a, p, gnt(10), "s2");
    SignedTransaction one =
        c.signReimburseForSubtask(
            single, gnt(7), nonce + 1, c.quoteReimburseForSubtask(single, gnt(7)).gasLimit(), fees);
    List<SignedNote> unpaid = List.of(subtaskNote(a, p, gnt(10), "s3"));
    SignedTransaction noPayment =
        c.signReimburseForNoPayment(
            unpaid,
            gnt(9),
            now(),
            nonce + 2,
            c.quoteReimburseForNoPayment(unpaid, gnt(9), now()).gasLimit(),
            fees);
    assertThat(chain.pendingTransactionCount(concent)).as("signing sends nothing").isEqualTo(nonce);
    assertThat(deposit(a)).isEqualTo(gnt(100));

    for (SignedTransaction s : List.of(many, one, noPayment)) {
      Broadcast b = chain.signer(CONCENT).broadcast(s.raw());
      assertThat(b.status()).as(b.message()).isEqualTo(Broadcast.Status.ACCEPTED);
      assertThat(awaitReceipt(s.hash()).success()).isTrue();
      Broadcast again = chain.signer(CONCENT).broadcast(s.raw());
      assertThat(again.status()).as(again.message()).isEqualTo(Broadcast.Status.NONCE_TOO_LOW);
    }
    assertThat(deposit(a)).as("each paid once").isEqualTo(gnt(100 - 10 - 5 - 7 - 9));
    assertThat(tokenBalance(addr(p))).isEqualTo(gnt(31));

    // the quote runs the contract's checks: a replay is refused before anything is signed
    itemFails(0, "AlreadySettled", () -> c.quoteReimburseForSubtasks(batch));
  }
}
