package org.jgolem.node.payments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jgolem.eth.Address;
import org.jgolem.eth.PackedPayment;
import org.jgolem.node.state.NodeDatabase;
import org.jgolem.node.store.SqliteIncomeStore;
import org.jgolem.testkit.FakeClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provider's income keeper against the fake chain: scanning, matching, restarts, a chain going
 * back, overdue reports.
 */
class IncomeKeeperTest {
  static final Address ME = PaymentProcessorTest.addr(0xb1);
  static final Address R1 = PaymentProcessorTest.addr(0xa1);
  static final Address R2 = PaymentProcessorTest.addr(0xa2);

  @TempDir Path dir;
  final FakeClock clock = new FakeClock(1_700_000_000_000L);
  final FakeChain fake = new FakeChain(clock);
  final List<String> overdue = new ArrayList<>();
  final IncomeListener listener =
      (requestor, subtask, amount) -> overdue.add(requestor + "/" + subtask + "/" + amount);
  IncomeConfig config =
      new IncomeConfig(0, 1, 5, 100, Duration.ofHours(1), Duration.ofSeconds(30), 8);
  NodeDatabase db;
  IncomeKeeper keeper;

  static BigInteger v(long n) {
    return BigInteger.valueOf(n);
  }

  @BeforeEach
  void open() {
    db = NodeDatabase.open(dir, clock);
    fake.fund(R1, v(1_000_000));
    fake.fund(R2, v(1_000_000));
    keeper = new IncomeKeeper(new SqliteIncomeStore(db), fake.view(), ME, clock, config, listener);
  }

  @AfterEach
  void close() {
    db.close();
  }

  IncomeKeeper reopen(IncomeConfig c) {
    db.close();
    db = NodeDatabase.open(dir, clock);
    keeper = new IncomeKeeper(new SqliteIncomeStore(db), fake.view(), ME, clock, c, listener);
    return keeper;
  }

  void expect(Address from, String subtask, long amount) {
    keeper.expect(from, "task", subtask, v(amount), clock.instant());
  }

  static List<PackedPayment> pay(Address to, long amount) {
    return List.of(new PackedPayment(to, v(amount)));
  }

  long closureNow() {
    return clock.instant().getEpochSecond();
  }

  IncomeStatus status(String subtask) {
    return keeper.income(subtask).orElseThrow().status();
  }

  @Test
  void aBatchFromTheRequestorIsMatchedToTheIncomesItCovers() {
    expect(R1, "s1", 10);
    clock.advance(Duration.ofSeconds(5));
    expect(R1, "s2", 15);
    expect(R2, "s3", 25);
    FakeChain.Tx tx = fake.batch(R1, pay(ME, 25), closureNow());
    IncomeKeeper.TickReport r = keeper.tick();
    assertThat(r.paymentsSeen()).isEqualTo(1);
    assertThat(r.incomesReceived()).isEqualTo(2);
    assertThat(keeper.income("s1").orElseThrow())
        .satisfies(i -> {
          assertThat(i.status()).isEqualTo(IncomeStatus.RECEIVED);
          assertThat(i.txHash()).isEqualTo(tx.hash());
          assertThat(i.blockNumber()).isEqualTo(1L);
        });
    assertThat(status("s2")).isEqualTo(IncomeStatus.RECEIVED);
    assertThat(status("s3")).as("another requestor's").isEqualTo(IncomeStatus.EXPECTED);
    assertThat(keeper.receivedTotal()).isEqualTo(v(25));
    assertThat(keeper.expectedTotal()).isEqualTo(v(25));
    assertThat(keeper.cursor().orElseThrow().nextBlock()).isEqualTo(2);
  }

  @Test
  void expectingTheSameIncomeTwiceIsIdempotentAndConflictsAreErrors() {
    assertThat(keeper.expect(R1, "t", "s1", v(10), clock.instant())).isTrue();
    assertThat(keeper.expect(R1, "t", "s1", v(10), clock.instant())).isFalse();
    assertThatThrownBy(() -> keeper.expect(R1, "t", "s1", v(11), clock.instant()))
        .isInstanceOfSatisfying(
            PaymentException.class,
            e -> assertThat(e.reason()).isEqualTo(PaymentException.Reason.CONFLICTING_RECORD));
    assertThatThrownBy(() -> keeper.expect(R1, "t", "s2", v(0), clock.instant()))
        .isInstanceOfSatisfying(
            PaymentException.class,
            e -> assertThat(e.reason()).isEqualTo(PaymentException.Reason.INVALID_RECORD));
    assertThat(keeper.incomes()).hasSize(1);
  }

  @Test
  void scanningUsesBoundedRangesUpToConfirmedBlocksAndResumesAfterARestart() {
    reopen(config.withConfirmations(3));
    expect(R1, "s1", 10);
    fake.mine(11); // blocks 1..11
    fake.batch(R1, pay(ME, 10), closureNow()); // block 12
    keeper.tick();
    assertThat(fake.logQueries())
        .allSatisfy(q -> assertThat(q[1] - q[0] + 1).isLessThanOrEqualTo(5));
    assertThat(keeper.cursor().orElseThrow().nextBlock()).as("up to head - 2").isEqualTo(11);
    assertThat(status("s1"))
        .as("block 12 has one confirmation of three")
        .isEqualTo(IncomeStatus.EXPECTED);
    fake.mine(2);
    reopen(config.withConfirmations(3)).tick();
    assertThat(status("s1")).isEqualTo(IncomeStatus.RECEIVED);
    for (int i = 1; i < fake.logQueries().size(); i++) {
      assertThat(fake.logQueries().get(i)[0])
          .as("no block scanned twice, none skipped")
          .isEqualTo(fake.logQueries().get(i - 1)[1] + 1);
    }
    assertThat(keeper.seenPayments()).hasSize(1);
    fake.mine(10);
    keeper.tick();
    assertThat(keeper.seenPayments()).hasSize(1);
    assertThat(keeper.receivedTotal()).isEqualTo(v(10));
  }

  @Test
  void aPaymentSeenBeforeItsIncomeWasRecordedIsKeptAsCredit() {
    fake.batch(R1, pay(ME, 30), closureNow());
    keeper.tick();
    assertThat(keeper.seenPayments())
        .singleElement()
        .satisfies(p -> assertThat(p.unallocated()).isEqualTo(v(30)));
    expect(R1, "late", 30);
    IncomeKeeper.TickReport r = keeper.tick();
    assertThat(r.incomesReceived()).isEqualTo(1);
    assertThat(status("late")).isEqualTo(IncomeStatus.RECEIVED);
    assertThat(keeper.seenPayments().get(0).unallocated()).isZero();
  }

  @Test
  void plainTransfersCountToo() {
    expect(R2, "s", 8);
    fake.transfer(R2, ME, v(8));
    keeper.tick();
    assertThat(status("s")).isEqualTo(IncomeStatus.RECEIVED);
  }

  @Test
  void aChainThatWentBackForgetsThePaymentsItLostAndMatchesThemAgain() {
    expect(R1, "s1", 10);
    fake.mine(3);
    FakeChain.Tx tx = fake.batch(R1, pay(ME, 10), closureNow()); // block 4
    fake.mine(2);
    keeper.tick();
    assertThat(status("s1")).isEqualTo(IncomeStatus.RECEIVED);

    fake.rollbackTo(2); // blocks 3..6 lost
    int queries = fake.logQueries().size();
    IncomeKeeper.TickReport r = keeper.tick();
    assertThat(r.rewound()).isTrue();
    assertThat(status("s1")).isEqualTo(IncomeStatus.EXPECTED);
    assertThat(keeper.seenPayments()).isEmpty();
    // Checkpoints were at blocks 4 and 6, both gone: rescanned from the start block to the head.
    assertThat(fake.logQueries().get(queries)[0]).isZero();
    assertThat(keeper.cursor().orElseThrow().nextBlock()).isEqualTo(3);

    fake.batch(R1, pay(ME, 10), closureNow()); // the requestor pays again on this chain
    r = keeper.tick();
    assertThat(r.rewound()).isFalse();
    assertThat(status("s1")).isEqualTo(IncomeStatus.RECEIVED);
    assertThat(keeper.income("s1").orElseThrow().blockNumber())
        .as("in the new branch")
        .isEqualTo(3L);
    assertThat(keeper.income("s1").orElseThrow().txHash())
        .as("the same signed transaction")
        .isEqualTo(tx.hash());
    assertThat(keeper.receivedTotal()).isEqualTo(v(10));
  }

  @Test
  void aChainThatWentBackRescansOnlyFromTheNewestCheckpointStillOnIt() {
    reopen(new IncomeConfig(0, 1, 2, 100, Duration.ofHours(1), Duration.ofSeconds(30), 8));
    expect(R1, "early", 5);
    fake.batch(R1, pay(ME, 5), closureNow()); // block 1
    fake.mine(5); // blocks 2..6; ranges 0-1, 2-3, 4-5, 6: checkpoints 1, 3, 5, 6
    keeper.tick();
    assertThat(status("early")).isEqualTo(IncomeStatus.RECEIVED);
    expect(R1, "late", 7);
    fake.rollbackTo(4);
    fake.batch(R1, pay(ME, 7), closureNow()); // a new block 5
    int queries = fake.logQueries().size();
    assertThat(keeper.tick().rewound()).isTrue();
    assertThat(fake.logQueries().get(queries)[0])
        .as("checkpoint 3 is still on the chain")
        .isEqualTo(4);
    assertThat(status("early")).as("below the fork: kept").isEqualTo(IncomeStatus.RECEIVED);
    assertThat(status("late")).isEqualTo(IncomeStatus.RECEIVED);
    assertThat(keeper.seenPayments()).hasSize(2);
  }

  @Test
  void theSamePaymentMinedAgainInAnotherBlockIsCountedOnce() {
    expect(R1, "s1", 10);
    fake.setAutomine(false);
    FakeChain.Tx tx = fake.batch(R1, pay(ME, 10), closureNow());
    fake.mine();
    fake.mine();
    keeper.tick();
    fake.rollbackTo(0);
    fake.mine(); // a different block 1, without the batch
    PaymentChain wallet = fake.wallet(R1);
    wallet.broadcast(tx.raw()); // re-broadcast: mined in block 2 of the new branch
    fake.mine();
    keeper.tick();
    assertThat(status("s1")).isEqualTo(IncomeStatus.RECEIVED);
    assertThat(keeper.income("s1").orElseThrow().blockNumber()).isEqualTo(2L);
    assertThat(keeper.seenPayments()).hasSize(1);
  }

  @Test
  void anOverdueIncomeIsReportedOnceEvenAcrossRestarts() {
    expect(R1, "late", 10);
    expect(R2, "paid", 20);
    fake.batch(R2, pay(ME, 20), closureNow());
    clock.advance(Duration.ofMinutes(59));
    keeper.tick();
    assertThat(overdue).isEmpty();
    clock.advance(Duration.ofMinutes(1));
    keeper.tick();
    assertThat(overdue).containsExactly(R1 + "/late/10");
    keeper.tick();
    reopen(config).tick();
    assertThat(overdue).hasSize(1);
    assertThat(keeper.income("late").orElseThrow().overdueReported()).isTrue();
    assertThat(keeper.income("paid").orElseThrow().overdueReported()).isFalse();
    // Paid late after all: received, and not reported again.
    fake.batch(R1, pay(ME, 10), closureNow());
    keeper.tick();
    assertThat(status("late")).isEqualTo(IncomeStatus.RECEIVED);
    assertThat(overdue).hasSize(1);
  }

  @Test
  void aNewGenesisIsRefused() {
    keeper.tick();
    fake.resetGenesis();
    assertThatThrownBy(keeper::tick)
        .isInstanceOfSatisfying(
            PaymentException.class,
            e -> assertThat(e.reason()).isEqualTo(PaymentException.Reason.CHAIN_CHANGED));
  }

  @Test
  void aChainWithoutTheTokenIsRefused() {
    keeper.tick();
    fake.removeTokenCode();
    assertThatThrownBy(keeper::tick)
        .isInstanceOfSatisfying(
            PaymentException.class,
            e -> assertThat(e.reason()).isEqualTo(PaymentException.Reason.CHAIN_CHANGED));
  }

  @Test
  void aFailingListenerDoesNotStopTheKeeper() {
    reopen(config);
    IncomeKeeper k =
        new IncomeKeeper(
            new SqliteIncomeStore(db),
            fake.view(),
            ME,
            clock,
            config,
            (r, s, a) -> {
              throw new IllegalStateException("listener bug");
            });
    k.expect(R1, "t", "x", v(1), Instant.ofEpochMilli(clock.millis()));
    clock.advance(Duration.ofHours(2));
    assertThat(k.tick().overdueReported()).isEqualTo(1);
    assertThat(k.tick().overdueReported()).isZero();
  }

  static final Address DEPOSIT = PaymentProcessorTest.addr(0xde);

  IncomeRecord income(String subtask) {
    return keeper.income(subtask).orElseThrow();
  }

  BigInteger unallocatedFrom(Address sender) {
    return keeper.seenPayments().stream()
        .filter(p -> p.sender().equals(sender))
        .map(IncomeKeeper.SeenPayment::unallocated)
        .reduce(BigInteger.ZERO, BigInteger::add);
  }

  @Test
  void concentsPaymentIsReceivedFromTheDepositAndTheRequestorsLaterBatchIsNotCountedTwice() {
    fake.fund(DEPOSIT, v(1_000));
    expect(R1, "s1", 10);
    clock.advance(Duration.ofSeconds(5));
    expect(R1, "s2", 15);
    FakeChain.Tx paid = fake.transfer(DEPOSIT, ME, v(25));

    // Concent's SettlementMade comes before the transfer is scanned
    assertThat(keeper.paidByConcent(paid.hash(), DEPOSIT, List.of("s1", "s2"), v(25))).isZero();
    assertThat(income("s1"))
        .as("the deposit's now, bound to Concent's transaction, received once it is seen")
        .satisfies(i -> {
          assertThat(i.status()).isEqualTo(IncomeStatus.EXPECTED);
          assertThat(i.requestor()).isEqualTo(DEPOSIT);
          assertThat(i.txHash()).isEqualTo(paid.hash());
        });
    assertThat(keeper.tick().incomesReceived()).isEqualTo(2);
    for (String s : List.of("s1", "s2")) {
      assertThat(income(s))
          .satisfies(i -> {
            assertThat(i.status()).isEqualTo(IncomeStatus.RECEIVED);
            assertThat(i.requestor()).isEqualTo(DEPOSIT);
            assertThat(i.txHash()).isEqualTo(paid.hash());
          });
    }
    assertThat(keeper.receivedTotal()).isEqualTo(v(25));
    assertThat(unallocatedFrom(DEPOSIT)).isZero();

    // the requestor pays the same subtasks late: nothing is received twice, its GNT is credit
    fake.batch(R1, pay(ME, 25), closureNow());
    IncomeKeeper.TickReport r = keeper.tick();
    assertThat(r.paymentsSeen()).isEqualTo(1);
    assertThat(r.incomesReceived()).isZero();
    assertThat(keeper.receivedTotal()).isEqualTo(v(25));
    assertThat(unallocatedFrom(R1)).isEqualTo(v(25));
    assertThat(keeper.expectedTotal()).isZero();
  }

  @Test
  void concentsPaymentScannedBeforeItsMessageIsReceivedWhenTheMessageComesAndOnlyOnce() {
    fake.fund(DEPOSIT, v(1_000));
    expect(R1, "s1", 10);
    expect(R1, "s2", 15);
    expect(R1, "s3", 7);
    FakeChain.Tx paid = fake.transfer(DEPOSIT, ME, v(25));
    keeper.tick();
    assertThat(keeper.receivedTotal()).as("nothing expected from the deposit yet").isZero();
    assertThat(unallocatedFrom(DEPOSIT)).isEqualTo(v(25));

    assertThat(keeper.paidByConcent(paid.hash(), DEPOSIT, List.of("s1", "s2"), v(25))).isEqualTo(2);
    assertThat(income("s2").status()).isEqualTo(IncomeStatus.RECEIVED);
    assertThat(income("s2").txHash()).isEqualTo(paid.hash());
    assertThat(unallocatedFrom(DEPOSIT)).isZero();
    assertThat(income("s3").status()).as("not named").isEqualTo(IncomeStatus.EXPECTED);
    assertThat(income("s3").requestor()).isEqualTo(R1);

    // delivered again: nothing changes
    assertThat(keeper.paidByConcent(paid.hash(), DEPOSIT, List.of("s1", "s2"), v(25))).isZero();
    keeper.tick();
    assertThat(keeper.receivedTotal()).isEqualTo(v(25));
    assertThat(keeper.expectedTotal()).isEqualTo(v(7));
  }

  @Test
  void aPartialPaymentByConcentCoversWholeIncomesOldestFirstAndLeavesTheRestExpected() {
    fake.fund(DEPOSIT, v(1_000));
    expect(R1, "s1", 10);
    clock.advance(Duration.ofSeconds(5));
    expect(R1, "s2", 15);
    FakeChain.Tx paid = fake.transfer(DEPOSIT, ME, v(20));
    keeper.paidByConcent(paid.hash(), DEPOSIT, List.of("s2", "s1"), v(20));
    keeper.paidByConcent(paid.hash(), DEPOSIT, List.of("s2", "s1"), v(20)); // again
    keeper.tick();
    assertThat(income("s1").status()).isEqualTo(IncomeStatus.RECEIVED);
    assertThat(income("s1").requestor()).isEqualTo(DEPOSIT);
    assertThat(income("s2"))
        .as("not covered whole: still the requestor's, all of it, visibly unpaid")
        .satisfies(i -> {
          assertThat(i.status()).isEqualTo(IncomeStatus.EXPECTED);
          assertThat(i.requestor()).isEqualTo(R1);
          assertThat(i.txHash()).isNull();
          assertThat(i.amount()).isEqualTo(v(15));
        });
    assertThat(unallocatedFrom(DEPOSIT)).as("what Concent paid beyond s1").isEqualTo(v(10));
    assertThat(keeper.receivedTotal().add(unallocatedFrom(DEPOSIT)))
        .as("exactly what Concent paid")
        .isEqualTo(v(20));

    // the requestor pays s2 itself later
    fake.batch(R1, pay(ME, 15), closureNow());
    keeper.tick();
    assertThat(income("s2").status()).isEqualTo(IncomeStatus.RECEIVED);
    assertThat(income("s2").requestor()).isEqualTo(R1);
    assertThat(keeper.receivedTotal()).isEqualTo(v(25));
  }

  @Test
  void aLeftoverOfOneConcentPaymentIsNotSpentOnIncomesBoundToAnother() {
    fake.fund(DEPOSIT, v(1_000));
    expect(R1, "s1", 10);
    FakeChain.Tx first = fake.transfer(DEPOSIT, ME, v(12)); // 2 more than s1
    keeper.paidByConcent(first.hash(), DEPOSIT, List.of("s1"), v(12));
    keeper.tick();
    assertThat(unallocatedFrom(DEPOSIT)).isEqualTo(v(2));
    expect(R1, "s2", 2);
    keeper.paidByConcent("0x" + "ab".repeat(32), DEPOSIT, List.of("s2"), v(2));
    keeper.tick();
    assertThat(income("s2").status())
        .as("bound to a transaction not seen yet: the other payment's credit does not cover it")
        .isEqualTo(IncomeStatus.EXPECTED);
  }
}
