package org.jgolem.node.payments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jgolem.eth.Address;
import org.jgolem.node.state.NodeDatabase;
import org.jgolem.node.store.SqlitePaymentLedger;
import org.jgolem.testkit.FakeClock;
import org.jgolem.testkit.ManualScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The payment processor's logic against a deterministic fake chain: every branch of its
 * reconciliation.
 */
class PaymentProcessorTest {
  static final Address REQUESTOR = addr(0xa1);
  static final Address P1 = addr(0xb1);
  static final Address P2 = addr(0xb2);
  static final Address P3 = addr(0xb3);
  static final Duration WINDOW = Duration.ofSeconds(10);

  @TempDir Path dir;
  final FakeClock clock = new FakeClock(1_700_000_000_000L);
  final FakeChain fake = new FakeChain(clock);
  PaymentConfig config =
      PaymentConfig.demo(WINDOW)
          .withRebroadcastAfter(Duration.ofSeconds(30))
          .withNonceGapGrace(Duration.ZERO);
  NodeDatabase db;
  PaymentProcessor processor;

  static Address addr(int last) {
    return Address.of(String.format("0x%040x", last));
  }

  static BigInteger v(long n) {
    return BigInteger.valueOf(n);
  }

  @BeforeEach
  void open() {
    db = NodeDatabase.open(dir, clock);
    fake.fund(REQUESTOR, v(1_000_000));
    processor =
        new PaymentProcessor(new SqlitePaymentLedger(db), fake.wallet(REQUESTOR), clock, config);
  }

  @AfterEach
  void close() {
    db.close();
  }

  /** A new processor on the same database file, as after a restart. */
  PaymentProcessor reopen(PaymentChain chain, PaymentConfig c) {
    db.close();
    db = NodeDatabase.open(dir, clock);
    processor = new PaymentProcessor(new SqlitePaymentLedger(db), chain, clock, c);
    return processor;
  }

  Instant now() {
    return clock.instant();
  }

  void recordAndWait(String subtask, Address payee, long amount) {
    processor.record("task", subtask, payee, v(amount), now());
  }

  PaymentProcessor.TickReport afterWindow() {
    clock.advance(WINDOW);
    return processor.tick();
  }

  // ------------------------------------------------------------------------------------ recording

  @Test
  void recordingTheSameSubtaskTwiceRecordsItOnceAndAnotherAmountIsAnError() {
    assertThat(processor.record("t", "s1", P1, v(10), now())).isTrue();
    assertThat(processor.record("t", "s1", P1, v(10), now())).isFalse();
    assertThatThrownBy(() -> processor.record("t", "s1", P1, v(11), now()))
        .isInstanceOf(PaymentException.class)
        .satisfies(e ->
            assertThat(((PaymentException) e).reason())
                .isEqualTo(PaymentException.Reason.CONFLICTING_RECORD))
        .hasMessageContaining("s1")
        .hasMessageContaining("10")
        .hasMessageContaining("11");
    assertThatThrownBy(() -> processor.record("t", "s1", P2, v(10), now()))
        .satisfies(e ->
            assertThat(((PaymentException) e).reason())
                .isEqualTo(PaymentException.Reason.CONFLICTING_RECORD));
    afterWindow();
    assertThat(processor.record("t", "s1", P1, v(10), now())).as("after it is paid too").isFalse();
    assertThat(fake.balance(P1)).isEqualTo(v(10));
    assertThat(processor.payments()).hasSize(1);
  }

  @Test
  void invalidRecordsAreRefused() {
    for (long bad : new long[] {0, -5}) {
      assertThatThrownBy(() -> processor.record("t", "s", P1, v(bad), now()))
          .satisfies(e ->
              assertThat(((PaymentException) e).reason())
                  .isEqualTo(PaymentException.Reason.INVALID_RECORD));
    }
    assertThatThrownBy(() -> processor.record("t", " ", P1, v(1), now()))
        .satisfies(e ->
            assertThat(((PaymentException) e).reason())
                .isEqualTo(PaymentException.Reason.INVALID_RECORD));
    assertThatThrownBy(() -> processor.record("t", "s", null, v(1), now()))
        .satisfies(e ->
            assertThat(((PaymentException) e).reason())
                .isEqualTo(PaymentException.Reason.INVALID_RECORD));
    assertThat(processor.payments()).isEmpty();
  }

  // ------------------------------------------------------------------------------------ batching

  @Test
  void oneBatchPerWindowPaysEachPayeeItsAggregate() {
    recordAndWait("a1", P1, 100);
    clock.advance(Duration.ofSeconds(3));
    recordAndWait("a2", P2, 200);
    recordAndWait("a3", P1, 50);
    assertThat(processor.tick().batchesSent()).as("the window is not over").isZero();
    clock.advance(Duration.ofSeconds(4));
    recordAndWait("a4", P3, 7);
    assertThat(processor.tick().batchesSent()).isZero();
    Instant newest = now();
    clock.advance(Duration.ofSeconds(3)); // the oldest has waited 10 s
    PaymentProcessor.TickReport r = processor.tick();

    assertThat(r.batchesSent()).isEqualTo(1);
    assertThat(fake.minedFrom(REQUESTOR)).hasSize(1);
    FakeChain.Tx tx = fake.minedFrom(REQUESTOR).get(0);
    assertThat(tx.words()).extracting(w -> w.payee()).containsExactly(P1, P2, P3);
    assertThat(tx.closureTime())
        .as("newest acceptance in the batch")
        .isEqualTo(newest.getEpochSecond());
    assertThat(fake.balance(P1)).isEqualTo(v(150));
    assertThat(fake.balance(P2)).isEqualTo(v(200));
    assertThat(fake.balance(P3)).isEqualTo(v(7));
    assertThat(fake.balance(REQUESTOR)).isEqualTo(v(1_000_000 - 357));

    // confirmations = 1: the receipt is final at the next tick
    processor.tick();
    assertThat(processor.payments())
        .allSatisfy(p -> {
          assertThat(p.status()).isEqualTo(PaymentStatus.PAID);
          assertThat(p.txHash()).isEqualTo(tx.hash());
          assertThat(p.blockNumber()).isEqualTo(1L);
        });
    PaymentTotals t = processor.totals();
    assertThat(t.paid()).isEqualTo(v(357));
    assertThat(t.owed()).isZero();
    assertThat(processor.batches())
        .singleElement()
        .satisfies(b -> {
          assertThat(b.status()).isEqualTo(BatchStatus.CONFIRMED);
          assertThat(b.payments()).isEqualTo(4);
          assertThat(b.total()).isEqualTo(v(357));
          assertThat(b.nonce()).isZero();
        });
  }

  @Test
  void paymentsAcceptedAfterTheBatchWaitForTheNextWindow() {
    recordAndWait("a1", P1, 1);
    afterWindow();
    recordAndWait("a2", P1, 2);
    assertThat(processor.tick().batchesSent()).isZero();
    assertThat(processor.payment("a2").orElseThrow().status()).isEqualTo(PaymentStatus.PENDING);
    assertThat(processor.totals().pending()).isEqualTo(v(2));
    afterWindow();
    assertThat(fake.minedFrom(REQUESTOR)).hasSize(2);
    assertThat(fake.balance(P1)).isEqualTo(v(3));
  }

  @Test
  void withSeveralConfirmationsAPaymentIsPaidOnlyOnceItsBlockIsDeepEnough() {
    reopen(fake.wallet(REQUESTOR), config.withConfirmations(3));
    recordAndWait("a1", P1, 5);
    afterWindow();
    assertThat(processor.payment("a1").orElseThrow().status()).isEqualTo(PaymentStatus.IN_BATCH);
    processor.tick();
    assertThat(processor.batches().get(0).status()).isEqualTo(BatchStatus.MINED);
    fake.mine();
    processor.tick();
    assertThat(processor.payment("a1").orElseThrow().status()).isEqualTo(PaymentStatus.IN_BATCH);
    fake.mine();
    processor.tick();
    assertThat(processor.payment("a1").orElseThrow().status()).isEqualTo(PaymentStatus.PAID);
    assertThat(processor.batches().get(0).status()).isEqualTo(BatchStatus.CONFIRMED);
  }

  @Test
  void batchesStayUnderThePayeeBoundWithConsecutiveNonces() {
    reopen(fake.wallet(REQUESTOR), config.withMaxPaymentsPerBatch(2));
    for (int i = 0; i < 5; i++) {
      recordAndWait("s" + i, addr(0xc0 + i), 10 + i);
    }
    assertThat(afterWindow().batchesSent()).isEqualTo(3);
    assertThat(fake.minedFrom(REQUESTOR))
        .extracting(FakeChain.Tx::nonce)
        .containsExactly(0L, 1L, 2L);
    assertThat(fake.minedFrom(REQUESTOR))
        .extracting(t -> t.words().size())
        .containsExactly(2, 2, 1);
    for (int i = 0; i < 5; i++) {
      assertThat(fake.balance(addr(0xc0 + i))).isEqualTo(v(10 + i));
    }
  }

  @Test
  void aBatchOverTheGasBoundIsSplit() {
    // The fake charges 30,000 + 25,000 per payee: four payees need 130,000.
    reopen(fake.wallet(REQUESTOR), config.withMaxGasPerBatch(90_000));
    for (int i = 0; i < 4; i++) {
      recordAndWait("s" + i, addr(0xc0 + i), 1);
    }
    assertThat(afterWindow().batchesSent()).isEqualTo(2);
    assertThat(fake.minedFrom(REQUESTOR)).allSatisfy(t -> assertThat(t.words()).hasSize(2));
    for (int i = 0; i < 4; i++) {
      assertThat(fake.balance(addr(0xc0 + i))).isEqualTo(v(1));
    }
    reopen(fake.wallet(REQUESTOR), config.withMaxGasPerBatch(50_000));
    recordAndWait("x", P1, 1);
    assertThatThrownBy(this::afterWindow).hasMessageContaining("maxGasPerBatch");
    assertThat(processor.payment("x").orElseThrow().status()).isEqualTo(PaymentStatus.PENDING);
  }

  @Test
  void payeesTheContractWouldRefuseAreHeldBackWithAReasonAndBlockNobody() {
    Address refused = addr(0xee);
    fake.refusePayee(refused, "PaymentToZeroAddress");
    recordAndWait("zero", Address.ZERO, 5);
    recordAndWait("self", REQUESTOR, 6);
    recordAndWait("token", FakeChain.TOKEN, 7);
    recordAndWait("ok1", P1, 8);
    recordAndWait("odd", refused, 9);
    recordAndWait("ok2", P2, 10);
    PaymentProcessor.TickReport r = afterWindow();
    assertThat(r.heldBack()).isEqualTo(4);
    assertThat(r.batchesSent()).isEqualTo(1);
    assertThat(fake.balance(P1)).isEqualTo(v(8));
    assertThat(fake.balance(P2)).isEqualTo(v(10));
    assertThat(fake.balance(refused)).isZero();
    assertThat(processor.heldBack())
        .extracting(PaymentRecord::subtaskId, PaymentRecord::heldReason)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("zero", "ZERO_PAYEE"),
            org.assertj.core.groups.Tuple.tuple("self", "PAYEE_IS_SENDER"),
            org.assertj.core.groups.Tuple.tuple("token", "TOKEN_CONTRACT_PAYEE"),
            org.assertj.core.groups.Tuple.tuple("odd", "CONTRACT_REFUSED PaymentToZeroAddress"));
    assertThat(processor.totals().heldBack()).isEqualTo(v(27));
    assertThat(processor.totals().heldBackCount()).isEqualTo(4);
    afterWindow();
    assertThat(fake.minedFrom(REQUESTOR)).as("held back stays held back").hasSize(1);
  }

  @Test
  void aRequestorWithoutEnoughGntGetsATypedErrorAndItsPaymentsWait() {
    fake.fund(REQUESTOR, v(10));
    recordAndWait("a", P1, 30);
    assertThatThrownBy(this::afterWindow)
        .isInstanceOfSatisfying(
            InsufficientFundsException.class,
            e -> {
              assertThat(e.currency()).isEqualTo(InsufficientFundsException.Currency.GNT);
              assertThat(e.available()).isEqualTo(v(10));
              assertThat(e.required()).isEqualTo(v(30));
            });
    assertThat(processor.lastError()).isPresent();
    assertThat(processor.payment("a").orElseThrow().status()).isEqualTo(PaymentStatus.PENDING);
    assertThat(fake.totalBroadcasts()).isZero();
    fake.fund(REQUESTOR, v(100));
    processor.tick();
    assertThat(fake.balance(P1)).isEqualTo(v(30));
    assertThat(processor.lastError()).isEmpty();
  }

  @Test
  void whenTheChainClockIsBehindRecentPaymentsWaitForALaterBatch() {
    fake.setChainClockOffset(-5);
    recordAndWait("old", P1, 1);
    clock.advance(Duration.ofSeconds(8));
    recordAndWait("recent", P2, 2);
    clock.advance(Duration.ofSeconds(2)); // the chain is at "old" + 5 s; "recent" was at + 8 s
    assertThat(processor.tick().batchesSent()).isEqualTo(1);
    assertThat(fake.balance(P1)).isEqualTo(v(1));
    assertThat(processor.payment("recent").orElseThrow().status()).isEqualTo(PaymentStatus.PENDING);
    clock.advance(Duration.ofSeconds(10));
    processor.tick();
    assertThat(fake.balance(P2)).isEqualTo(v(2));
  }

  // ------------------------------------------------------------------------------------ exactly
  // once

  @Test
  void aCrashAfterTheWriteAheadAndBeforeTheBroadcastPaysOnceAfterRestart() {
    PaymentProcessor crashing =
        reopen(
            new CrashingChain(fake.wallet(REQUESTOR), CrashingChain.When.BEFORE_BROADCAST), config);
    crashing.record("t", "a", P1, v(40), now());
    clock.advance(WINDOW);
    assertThatThrownBy(crashing::tick).isInstanceOf(CrashingChain.Crash.class);
    assertThat(fake.totalBroadcasts()).isZero();
    assertThat(processor.batches())
        .singleElement()
        .satisfies(b -> assertThat(b.status()).isEqualTo(BatchStatus.SIGNED));
    int signed = fake.signatures();

    reopen(fake.wallet(REQUESTOR), config).tick();
    assertThat(fake.signatures())
        .as("the stored bytes are sent, nothing is signed again")
        .isEqualTo(signed);
    processor.tick();
    assertThat(fake.balance(P1)).isEqualTo(v(40));
    assertThat(fake.minedFrom(REQUESTOR)).hasSize(1);
    assertThat(processor.payment("a").orElseThrow().status()).isEqualTo(PaymentStatus.PAID);
    for (int i = 0; i < 3; i++) {
      afterWindow();
    }
    assertThat(fake.balance(P1)).isEqualTo(v(40));
  }

  @Test
  void aCrashRightAfterTheBroadcastPaysOnceAfterRestart() {
    PaymentProcessor crashing =
        reopen(
            new CrashingChain(fake.wallet(REQUESTOR), CrashingChain.When.AFTER_BROADCAST), config);
    crashing.record("t", "a", P1, v(40), now());
    clock.advance(WINDOW);
    assertThatThrownBy(crashing::tick).isInstanceOf(CrashingChain.Crash.class);
    assertThat(fake.balance(P1)).as("mined while the node was down").isEqualTo(v(40));

    reopen(fake.wallet(REQUESTOR), config).tick();
    afterWindow();
    assertThat(processor.payment("a").orElseThrow().status()).isEqualTo(PaymentStatus.PAID);
    assertThat(fake.balance(P1)).isEqualTo(v(40));
    assertThat(fake.minedFrom(REQUESTOR)).hasSize(1);
  }

  @Test
  void aDroppedTransactionIsBroadcastAgainWithTheSameBytes() {
    fake.setAutomine(false);
    recordAndWait("a", P1, 3);
    afterWindow();
    String hash = onlyAttemptHash();
    assertThat(fake.broadcastsOf(hash)).isEqualTo(1);
    fake.dropPool();
    clock.advance(Duration.ofSeconds(29));
    processor.tick();
    assertThat(fake.broadcastsOf(hash)).as("not before rebroadcastAfter").isEqualTo(1);
    clock.advance(Duration.ofSeconds(1));
    PaymentProcessor.TickReport r = processor.tick();
    assertThat(r.broadcasts()).isEqualTo(1);
    assertThat(fake.broadcastsOf(hash)).isEqualTo(2);
    fake.mine();
    processor.tick();
    assertThat(processor.payment("a").orElseThrow().txHash()).isEqualTo(hash);
    assertThat(fake.balance(P1)).isEqualTo(v(3));
    assertThat(fake.signatures()).isEqualTo(1);
  }

  private String onlyAttemptHash() {
    return db.read(c -> {
      try (var s = c.createStatement();
          var rs = s.executeQuery("SELECT tx_hash FROM payment_attempts")) {
        rs.next();
        String h = rs.getString(1);
        assertThat(rs.next()).isFalse();
        return h;
      }
    });
  }

  @Test
  void aBatchThatFailsOnChainReturnsItsPaymentsAndTheyArePaidOnceLater() {
    fake.setAutomine(false);
    recordAndWait("a", P1, 500);
    afterWindow();
    fake.fund(REQUESTOR, v(100)); // spent elsewhere before the batch was mined
    fake.mine();
    // The failed batch is settled; re-sending its payments then fails on the balance, typed.
    assertThatThrownBy(processor::tick).isInstanceOf(InsufficientFundsException.class);
    assertThat(processor.batches().get(0).status()).isEqualTo(BatchStatus.REVERTED);
    assertThat(processor.batches().get(0).note()).contains("nothing was paid");
    assertThat(processor.payment("a").orElseThrow().status()).isEqualTo(PaymentStatus.PENDING);
    assertThat(fake.balance(P1)).isZero();

    fake.fund(REQUESTOR, v(1000));
    processor.tick();
    fake.mine();
    processor.tick();
    assertThat(fake.balance(P1)).isEqualTo(v(500));
    assertThat(processor.payment("a").orElseThrow().status()).isEqualTo(PaymentStatus.PAID);
    assertThat(processor.batches())
        .extracting(BatchRecord::status, BatchRecord::nonce)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(BatchStatus.REVERTED, 0L),
            org.assertj.core.groups.Tuple.tuple(BatchStatus.CONFIRMED, 1L));
  }

  @Test
  void aNonceTakenByAnotherTransactionDropsTheBatchAndItsPaymentsArePaidOnceInANewOne() {
    fake.setAutomine(false);
    recordAndWait("a", P1, 9);
    afterWindow();
    fake.dropPool();
    fake.setAutomine(true);
    fake.foreignTx(REQUESTOR); // another component used nonce 0
    PaymentProcessor.TickReport r = processor.tick();
    assertThat(r.dropped()).isEqualTo(1);
    assertThat(processor.batches().get(0).status()).isEqualTo(BatchStatus.DROPPED);
    assertThat(processor.batches().get(0).note()).contains("nonce 0");
    assertThat(processor.payment("a").orElseThrow().status())
        .as("sent again in the same tick")
        .isEqualTo(PaymentStatus.IN_BATCH);
    processor.tick();
    assertThat(fake.balance(P1)).isEqualTo(v(9));
    assertThat(processor.payment("a").orElseThrow().status()).isEqualTo(PaymentStatus.PAID);
    assertThat(processor.batches().get(1).nonce()).isEqualTo(1);
  }

  @Test
  void aTakenNonceCountsOnlyOnceTheOtherTransactionHasTheRequiredConfirmations() {
    reopen(fake.wallet(REQUESTOR), config.withConfirmations(3));
    fake.setAutomine(false);
    recordAndWait("a", P1, 9);
    afterWindow();
    fake.dropPool();
    fake.setAutomine(true);
    fake.foreignTx(REQUESTOR);
    assertThat(processor.tick().dropped()).isZero();
    fake.mine();
    assertThat(processor.tick().dropped()).isZero();
    fake.mine();
    assertThat(processor.tick().dropped()).isEqualTo(1);
  }

  @Test
  void aChainThatWentBackGetsTheSameTransactionAgainAndPaysOnce() {
    recordAndWait("a", P1, 12);
    afterWindow();
    processor.tick();
    assertThat(processor.payment("a").orElseThrow().status()).isEqualTo(PaymentStatus.PAID);
    String hash = processor.payment("a").orElseThrow().txHash();
    long block = processor.payment("a").orElseThrow().blockNumber();

    fake.rollbackTo(block - 1); // the node restarted from state saved before the batch
    assertThat(fake.balance(P1)).isZero();
    PaymentProcessor.TickReport r = processor.tick();
    assertThat(r.vanished()).isEqualTo(1);
    assertThat(r.broadcasts()).isEqualTo(1);
    processor.tick();
    assertThat(fake.balance(P1)).isEqualTo(v(12));
    assertThat(processor.payment("a").orElseThrow().status()).isEqualTo(PaymentStatus.PAID);
    assertThat(processor.payment("a").orElseThrow().txHash()).isEqualTo(hash);
    assertThat(fake.signatures()).isEqualTo(1);
    assertThat(fake.minedFrom(REQUESTOR)).hasSize(1);
  }

  @Test
  void aChainThatWentBackAndGaveTheNonceToAnotherTransactionPaysOnceWithANewBatch() {
    recordAndWait("a", P1, 12);
    afterWindow();
    processor.tick();
    fake.rollbackTo(fake.headNumber() - 1);
    fake.foreignTx(REQUESTOR);
    PaymentProcessor.TickReport r = processor.tick();
    assertThat(r.vanished()).isEqualTo(1);
    assertThat(r.dropped()).isEqualTo(1);
    processor.tick();
    assertThat(fake.balance(P1)).isEqualTo(v(12));
    assertThat(fake.minedFrom(REQUESTOR)).hasSize(2); // the foreign one and the new batch
    assertThat(processor.payment("a").orElseThrow().status()).isEqualTo(PaymentStatus.PAID);
  }

  @Test
  void aNewGenesisIsAnotherChainAndNothingIsSentOrRepaid() {
    recordAndWait("a", P1, 12);
    afterWindow();
    processor.tick();
    recordAndWait("b", P2, 1);
    int broadcasts = fake.totalBroadcasts();
    fake.resetGenesis();
    fake.fund(REQUESTOR, v(1000));
    clock.advance(WINDOW);
    assertThatThrownBy(processor::tick)
        .isInstanceOfSatisfying(
            PaymentException.class,
            e -> assertThat(e.reason()).isEqualTo(PaymentException.Reason.CHAIN_CHANGED));
    assertThat(fake.totalBroadcasts()).isEqualTo(broadcasts);
    assertThat(processor.payment("a").orElseThrow().status()).isEqualTo(PaymentStatus.PAID);
    assertThat(processor.payment("b").orElseThrow().status()).isEqualTo(PaymentStatus.PENDING);
  }

  @Test
  void aChainWithoutTheTokenContractIsRefusedEvenWithTheSameGenesis() {
    recordAndWait("a", P1, 12);
    afterWindow();
    processor.tick();
    recordAndWait("b", P2, 1);
    fake.removeTokenCode();
    clock.advance(WINDOW);
    assertThatThrownBy(processor::tick)
        .isInstanceOfSatisfying(
            PaymentException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(PaymentException.Reason.CHAIN_CHANGED);
              assertThat(e.getMessage()).contains("no GNT contract");
            });
    assertThat(processor.payment("b").orElseThrow().status()).isEqualTo(PaymentStatus.PENDING);
    assertThat(fake.minedFrom(REQUESTOR)).hasSize(1);
  }

  @Test
  void aBatchMinedWithoutTheTokensBatchEventPaidNothingAndIsNotCountedAsPaid() {
    fake.setAutomine(false);
    recordAndWait("a", P1, 12);
    afterWindow();
    fake.makeTokenHollow();
    fake.mine();
    PaymentProcessor.TickReport r = processor.tick();
    assertThat(r.reverted()).isEqualTo(1);
    assertThat(processor.batches().get(0).status()).isEqualTo(BatchStatus.REVERTED);
    assertThat(processor.batches().get(0).note()).contains("no BatchTransfer");
    assertThat(processor.batches()).hasSize(2);
    assertThat(processor.payment("a").orElseThrow())
        .as("pending again, and re-sent in the same tick")
        .satisfies(p -> {
          assertThat(p.status()).isEqualTo(PaymentStatus.IN_BATCH);
          assertThat(p.batchId()).isEqualTo(processor.batches().get(1).id());
        });
    assertThat(processor.totals().paid()).isZero();
  }

  @Test
  void aTransactionPricedOutByTheBaseFeeIsSignedAgainAtTheSameNonceWithHigherFees() {
    fake.setAutomine(false);
    recordAndWait("a", P1, 4);
    afterWindow();
    fake.setBaseFee(FakeChain.GWEI.multiply(v(10)));
    clock.advance(Duration.ofSeconds(30));
    PaymentProcessor.TickReport r = processor.tick();
    assertThat(r.feeBumps()).isEqualTo(1);
    fake.setAutomine(true);
    processor.tick();
    assertThat(fake.minedFrom(REQUESTOR))
        .singleElement()
        .satisfies(t -> {
          assertThat(t.nonce()).isZero();
          assertThat(t.maxFee()).isGreaterThanOrEqualTo(FakeChain.GWEI.multiply(v(10)));
        });
    assertThat(fake.balance(P1)).isEqualTo(v(4));
    assertThat(processor.payment("a").orElseThrow().txHash())
        .isEqualTo(fake.minedFrom(REQUESTOR).get(0).hash());
    assertThat(processor.batches()).hasSize(1);
  }

  @Test
  void aFirstBroadcastRefusedForItsFeesIsSignedAgainAtTheSameNonce() {
    PaymentProcessor crashing =
        reopen(
            new CrashingChain(fake.wallet(REQUESTOR), CrashingChain.When.BEFORE_BROADCAST), config);
    crashing.record("t", "a", P1, v(4), now());
    clock.advance(WINDOW);
    assertThatThrownBy(crashing::tick).isInstanceOf(CrashingChain.Crash.class);
    fake.setBaseFee(FakeChain.GWEI.multiply(v(10))); // while the node was down
    PaymentProcessor.TickReport r = reopen(fake.wallet(REQUESTOR), config).tick();
    assertThat(r.feeBumps()).isEqualTo(1);
    processor.tick();
    assertThat(fake.minedFrom(REQUESTOR))
        .singleElement()
        .satisfies(t -> assertThat(t.nonce()).isZero());
    assertThat(fake.balance(P1)).isEqualTo(v(4));
    assertThat(processor.payment("a").orElseThrow().txHash())
        .isEqualTo(fake.minedFrom(REQUESTOR).get(0).hash());
    assertThat(processor.batches())
        .singleElement()
        .satisfies(b -> assertThat(b.status()).isEqualTo(BatchStatus.CONFIRMED));
  }

  @Test
  void aLostNonceBelowOurBatchIsFilledSoThatTheBatchCanBeMined() {
    fake.setAutomine(false);
    FakeChain.Tx foreign = fake.foreignTx(REQUESTOR); // nonce 0, in the pool
    recordAndWait("a", P1, 6);
    afterWindow();
    assertThat(processor.batches().get(0).nonce()).isEqualTo(1);
    fake.dropFromPool(foreign.hash()); // lost: nonce 0 will never come
    PaymentProcessor.TickReport r = processor.tick();
    assertThat(r.fillers()).isEqualTo(1);
    fake.setAutomine(true);
    processor.tick();
    assertThat(fake.balance(P1)).isEqualTo(v(6));
    assertThat(processor.batches())
        .extracting(BatchRecord::kind, BatchRecord::nonce, BatchRecord::status)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(
                BatchRecord.Kind.PAYMENT, 1L, BatchStatus.CONFIRMED),
            org.assertj.core.groups.Tuple.tuple(
                BatchRecord.Kind.FILLER, 0L, BatchStatus.CONFIRMED));
  }

  @Test
  void aGapIsFilledOnlyAfterItsGracePeriod() {
    reopen(fake.wallet(REQUESTOR), config.withNonceGapGrace(Duration.ofSeconds(60)));
    fake.setAutomine(false);
    FakeChain.Tx foreign = fake.foreignTx(REQUESTOR);
    recordAndWait("a", P1, 6);
    afterWindow();
    fake.dropFromPool(foreign.hash());
    assertThat(processor.tick().fillers()).isZero();
    clock.advance(Duration.ofSeconds(59));
    assertThat(processor.tick().fillers()).isZero();
    clock.advance(Duration.ofSeconds(1));
    assertThat(processor.tick().fillers()).isEqualTo(1);
  }

  @Test
  void theScheduledLoopTicksAndSurvivesFailures() {
    ManualScheduler scheduler = new ManualScheduler(clock);
    processor.start(scheduler, Duration.ofSeconds(1));
    assertThatThrownBy(() -> processor.start(scheduler, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class);
    fake.fund(REQUESTOR, v(1));
    processor.record("t", "a", P1, v(5), now());
    scheduler.advance(Duration.ofSeconds(11)); // fails: not enough GNT; the loop goes on
    assertThat(processor.lastError()).isPresent();
    fake.fund(REQUESTOR, v(100));
    scheduler.advance(Duration.ofSeconds(1));
    scheduler.advance(Duration.ofSeconds(1));
    assertThat(processor.payment("a").orElseThrow().status()).isEqualTo(PaymentStatus.PAID);
    processor.close();
    assertThat(scheduler.pending()).isZero();
  }

  // ------------------------------------------------------------------------------------ account

  @Test
  void aTaskIsAffordableOnlyIfTheBalanceCoversWhatIsOwedAndItsMaximumCost() {
    fake.fund(REQUESTOR, v(100));
    RequestorAccount account = new RequestorAccount(fake.wallet(REQUESTOR), processor, config);
    processor.record("t", "a", P1, v(30), now());
    assertThat(account.canAfford(v(70))).isTrue();
    assertThat(account.canAfford(v(71))).isFalse();
    assertThatThrownBy(() -> account.requireAffordable(v(80), "task T"))
        .isInstanceOfSatisfying(
            InsufficientFundsException.class,
            e -> {
              assertThat(e.currency()).isEqualTo(InsufficientFundsException.Currency.GNT);
              assertThat(e.available()).isEqualTo(v(70));
              assertThat(e.required()).isEqualTo(v(80));
            })
        .hasMessageContaining("available 70")
        .hasMessageContaining("required 80")
        .hasMessageContaining("task T");
    afterWindow();
    processor.tick();
    RequestorAccount.Affordability a = account.affordability(v(70));
    assertThat(a.gntBalance()).isEqualTo(v(70));
    assertThat(a.gntOwed()).as("paid: out of the balance, no longer owed").isZero();
    assertThat(account.balances().gnt()).isEqualTo(v(70));
  }

  @Test
  void aTaskNeedsEtherForGas() {
    PaymentConfig greedy =
        new PaymentConfig(
            WINDOW,
            1,
            100,
            10_000_000,
            Duration.ofSeconds(30),
            64,
            Duration.ZERO,
            5,
            1_000_000_000L);
    RequestorAccount account = new RequestorAccount(fake.wallet(REQUESTOR), processor, greedy);
    // 10^9 gas at 3 gwei = 3 ETH; the fake account holds 1 ETH.
    assertThatThrownBy(() -> account.requireAffordable(v(1), "task T"))
        .isInstanceOfSatisfying(
            InsufficientFundsException.class,
            e -> {
              assertThat(e.currency()).isEqualTo(InsufficientFundsException.Currency.ETH);
              assertThat(e.available()).isEqualTo(BigInteger.TEN.pow(18));
              assertThat(e.required())
                  .isEqualTo(BigInteger.valueOf(3).multiply(BigInteger.TEN.pow(18)));
            });
    assertThat(new RequestorAccount(fake.wallet(REQUESTOR), processor, config).canAfford(v(1)))
        .isTrue();
  }

  @Test
  void unminedBatchesAreStillOwedAndTheirGasReserved() {
    fake.setAutomine(false);
    fake.fund(REQUESTOR, v(100));
    RequestorAccount account = new RequestorAccount(fake.wallet(REQUESTOR), processor, config);
    processor.record("t", "a", P1, v(30), now());
    afterWindow();
    RequestorAccount.Affordability a = account.affordability(BigInteger.ZERO);
    assertThat(a.gntOwed()).isEqualTo(v(30));
    assertThat(a.ethRequired())
        .isGreaterThan(BigInteger.valueOf(1_000_000).multiply(FakeChain.GWEI.multiply(v(3))));
    fake.mine();
    a = account.affordability(BigInteger.ZERO);
    assertThat(a.gntBalance()).isEqualTo(v(70));
    assertThat(a.gntOwed())
        .as("mined, but the processor has not seen it yet: counted twice (refusing too much)")
        .isEqualTo(v(30));
    processor.tick();
    assertThat(account.affordability(BigInteger.ZERO).gntOwed()).isZero();
    assertThat(List.of(processor.payment("a").orElseThrow().status()))
        .containsExactly(PaymentStatus.PAID);
  }
}
