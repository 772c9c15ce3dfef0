package org.jgolem.node.payments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jgolem.node.payments.AnvilChain.REQUESTOR;
import static org.jgolem.node.payments.AnvilChain.addr;
import static org.jgolem.node.payments.AnvilChain.gnt;
import static org.jgolem.node.payments.AnvilChain.provider;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jgolem.chain.TxReceipt;
import org.jgolem.chain.dev.DevAccounts;
import org.jgolem.eth.Address;
import org.jgolem.node.state.NodeDatabase;
import org.jgolem.node.store.SqliteIncomeStore;
import org.jgolem.node.store.SqlitePaymentLedger;
import org.jgolem.testkit.Anvil;
import org.jgolem.testkit.FakeClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Payments and incomes on a real anvil chain with the project's contracts: the processor's batches,
 * exactly-once across a crash, a dropped transaction and a taken nonce, and the provider's matching
 * of Transfer events. One anvil for the class; each test runs between an {@code evm_snapshot} and
 * its {@code evm_revert}, with its own SQLite ledger.
 */
class PaymentAnvilTest {
  static final Duration WINDOW = Duration.ofSeconds(10);
  static final Duration PATIENCE = Duration.ofSeconds(15);
  static AnvilChain anvil;

  @TempDir Path dir;
  FakeClock clock;
  NodeDatabase db;
  PaymentProcessor processor;
  final PaymentConfig config =
      PaymentConfig.demo(WINDOW).withRebroadcastAfter(Duration.ofSeconds(30));
  String snapshot;

  @BeforeAll
  static void startChain() {
    anvil = AnvilChain.deployed(Anvil.Options.of(20));
  }

  @AfterAll
  static void stopChain() {
    anvil.close();
  }

  @BeforeEach
  void open() {
    snapshot = anvil.rpc("evm_snapshot", List.of());
    anvil.fund(addr(REQUESTOR), gnt(1000));
    // Two minutes behind the chain: the test moves this clock faster than real time, and a batch's
    // closure time (its newest acceptance) must not be ahead of the chain's (ClosureTimeInFuture).
    clock = new FakeClock(anvil.latestBlockMillis() - 120_000);
    db = NodeDatabase.open(dir.resolve("requestor"), clock);
    processor =
        new PaymentProcessor(new SqlitePaymentLedger(db), anvil.requestorChain(), clock, config);
  }

  @AfterEach
  void revert() {
    db.close();
    // nothing left to mine when the chain goes back (anvil mines asynchronously and a revert keeps
    // its pool): see
    // the contract tests' AnvilTest
    anvil.rpc("anvil_dropAllTransactions", List.of());
    anvil.rpc("evm_mine", List.of());
    Object reverted = anvil.rpc("evm_revert", List.of(snapshot));
    assertThat(reverted).isEqualTo(Boolean.TRUE);
    anvil.rpc("anvil_dropAllTransactions", List.of());
    anvil.chain.resetNonces();
  }

  PaymentProcessor reopen(PaymentChain chain) {
    db.close();
    db = NodeDatabase.open(dir.resolve("requestor"), clock);
    processor = new PaymentProcessor(new SqlitePaymentLedger(db), chain, clock, config);
    return processor;
  }

  long requestorNonce() {
    return anvil.chain.pendingTransactionCount(addr(REQUESTOR));
  }

  void tickUntilPaid(String... subtasks) {
    AnvilChain.await(
        "payments " + List.of(subtasks) + " paid",
        PATIENCE,
        () -> {
          processor.tick();
          for (String s : subtasks) {
            if (processor.payment(s).orElseThrow().status() != PaymentStatus.PAID) {
              return false;
            }
          }
          return true;
        });
  }

  int attempts() {
    return db.read(c -> {
      try (var s = c.createStatement();
          var rs = s.executeQuery("SELECT COUNT(*) FROM payment_attempts")) {
        rs.next();
        return rs.getInt(1);
      }
    });
  }

  // ------------------------------------------------------------------------------------ batches

  @Test
  void aWindowOfManySubtasksForSeveralProvidersIsPaidByOneBatchTransaction() {
    int providers = 6;
    Map<Address, BigInteger> before = new HashMap<>();
    for (int p = 0; p < providers; p++) {
      before.put(addr(provider(p)), anvil.balance(addr(provider(p))));
    }
    BigInteger requestorBefore = anvil.balance(addr(REQUESTOR));
    long nonceBefore = requestorNonce();
    List<String> subtasks = new ArrayList<>();
    for (int j = 0; j < 5; j++) {
      for (int p = 0; p < providers; p++) {
        String id = "sub-" + p + "-" + j;
        // Odd base-unit amounts, so that any mistake in the sums shows.
        BigInteger amount =
            gnt(1)
                .divide(BigInteger.valueOf(1000))
                .multiply(BigInteger.valueOf(7L * p + j + 1))
                .add(BigInteger.valueOf(31L * j + p));
        processor.record("task-1", id, addr(provider(p)), amount, clock.instant());
        subtasks.add(id);
      }
      clock.advance(Duration.ofSeconds(1));
    }
    long newest = clock.instant().getEpochSecond() - 1;
    assertThat(processor.tick().batchesSent()).as("window not over").isZero();
    clock.advance(WINDOW);
    assertThat(processor.tick().batchesSent()).isEqualTo(1);
    tickUntilPaid(subtasks.toArray(String[]::new));

    assertThat(requestorNonce()).as("one transaction").isEqualTo(nonceBefore + 1);
    BatchRecord batch = processor.batches().get(0);
    assertThat(processor.batches()).hasSize(1);
    assertThat(batch.status()).isEqualTo(BatchStatus.CONFIRMED);
    assertThat(batch.closureTime()).isEqualTo(newest);
    BigInteger total = BigInteger.ZERO;
    for (int p = 0; p < providers; p++) {
      Address a = addr(provider(p));
      BigInteger ledger = BigInteger.ZERO;
      for (PaymentRecord x : processor.payments()) {
        if (x.payee().equals(a)) {
          assertThat(x.txHash()).isEqualTo(batch.txHash());
          ledger = ledger.add(x.amount());
        }
      }
      assertThat(anvil.balance(a).subtract(before.get(a)))
          .as("provider %d got exactly the ledger's amount", p)
          .isEqualTo(ledger);
      total = total.add(ledger);
    }
    assertThat(requestorBefore.subtract(anvil.balance(addr(REQUESTOR)))).isEqualTo(total);
    assertThat(processor.totals().paid()).isEqualTo(total);
    TxReceipt receipt = anvil.chain.receipt(batch.txHash()).orElseThrow();
    assertThat(receipt.logs())
        .as("a Transfer per provider and one BatchTransfer")
        .hasSize(providers + 1);
    assertThat(receipt.blockNumber()).isEqualTo(batch.blockNumber());
  }

  @Test
  void recordingTheSameSubtaskTwicePaysOnce() {
    Address p = addr(provider(0));
    BigInteger before = anvil.balance(p);
    assertThat(processor.record("t", "twice", p, gnt(5), clock.instant())).isTrue();
    assertThat(processor.record("t", "twice", p, gnt(5), clock.instant())).isFalse();
    assertThatThrownBy(() -> processor.record("t", "twice", p, gnt(6), clock.instant()))
        .isInstanceOfSatisfying(
            PaymentException.class,
            e -> assertThat(e.reason()).isEqualTo(PaymentException.Reason.CONFLICTING_RECORD));
    clock.advance(WINDOW);
    tickUntilPaid("twice");
    assertThat(processor.record("t", "twice", p, gnt(5), clock.instant())).isFalse();
    long nonce = requestorNonce();
    for (int i = 0; i < 3; i++) {
      clock.advance(WINDOW);
      processor.tick();
    }
    assertThat(requestorNonce()).isEqualTo(nonce);
    assertThat(anvil.balance(p).subtract(before)).isEqualTo(gnt(5));
  }

  @Test
  void aHeldBackPayeeDoesNotBlockTheOthers() {
    Address good1 = addr(provider(1));
    Address good2 = addr(provider(2));
    BigInteger b1 = anvil.balance(good1);
    BigInteger b2 = anvil.balance(good2);
    processor.record("t", "zero", Address.ZERO, gnt(1), clock.instant());
    processor.record("t", "good1", good1, gnt(2), clock.instant());
    processor.record("t", "self", addr(REQUESTOR), gnt(3), clock.instant());
    processor.record("t", "token", anvil.deployment.token(), gnt(4), clock.instant());
    processor.record("t", "good2", good2, gnt(5), clock.instant());
    clock.advance(WINDOW);
    PaymentProcessor.TickReport r = processor.tick();
    assertThat(r.heldBack()).isEqualTo(3);
    assertThat(r.batchesSent()).isEqualTo(1);
    tickUntilPaid("good1", "good2");
    assertThat(anvil.balance(good1).subtract(b1)).isEqualTo(gnt(2));
    assertThat(anvil.balance(good2).subtract(b2)).isEqualTo(gnt(5));
    assertThat(processor.heldBack())
        .extracting(PaymentRecord::subtaskId, PaymentRecord::heldReason)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("zero", "ZERO_PAYEE"),
            org.assertj.core.groups.Tuple.tuple("self", "PAYEE_IS_SENDER"),
            org.assertj.core.groups.Tuple.tuple("token", "TOKEN_CONTRACT_PAYEE"));
  }

  // ------------------------------------------------------------------------------------ exactly
  // once

  @Test
  void aCrashAfterTheWriteAheadAndBeforeTheBroadcastPaysOnce() {
    Address p = addr(provider(3));
    BigInteger before = anvil.balance(p);
    long nonce = requestorNonce();
    PaymentProcessor crashing =
        reopen(new CrashingChain(anvil.requestorChain(), CrashingChain.When.BEFORE_BROADCAST));
    crashing.record("t", "c1", p, gnt(7), clock.instant());
    crashing.record("t", "c2", p, gnt(8), clock.instant());
    clock.advance(WINDOW);
    assertThatThrownBy(crashing::tick).isInstanceOf(CrashingChain.Crash.class);
    assertThat(crashing.batches())
        .singleElement()
        .satisfies(b -> assertThat(b.status()).isEqualTo(BatchStatus.SIGNED));
    assertThat(requestorNonce()).as("nothing left the node").isEqualTo(nonce);
    String hash = attemptHash();

    reopen(anvil.requestorChain()); // the node restarts on the same database
    tickUntilPaid("c1", "c2");
    assertThat(processor.payment("c1").orElseThrow().txHash())
        .as("the bytes signed before the crash")
        .isEqualTo(hash);
    assertThat(anvil.balance(p).subtract(before)).isEqualTo(gnt(15));
    assertThat(requestorNonce()).isEqualTo(nonce + 1);
    assertThat(attempts()).isEqualTo(1);
  }

  private String attemptHash() {
    return db.read(c -> {
      try (var s = c.createStatement();
          var rs = s.executeQuery("SELECT tx_hash FROM payment_attempts")) {
        rs.next();
        return rs.getString(1);
      }
    });
  }

  @Test
  void aCrashRightAfterTheBroadcastPaysOnce() {
    Address p = addr(provider(3));
    BigInteger before = anvil.balance(p);
    long nonce = requestorNonce();
    PaymentProcessor crashing =
        reopen(new CrashingChain(anvil.requestorChain(), CrashingChain.When.AFTER_BROADCAST));
    crashing.record("t", "c1", p, gnt(7), clock.instant());
    clock.advance(WINDOW);
    assertThatThrownBy(crashing::tick).isInstanceOf(CrashingChain.Crash.class);

    reopen(anvil.requestorChain());
    tickUntilPaid("c1");
    assertThat(anvil.balance(p).subtract(before)).isEqualTo(gnt(7));
    assertThat(requestorNonce()).isEqualTo(nonce + 1);
  }

  @Test
  void aDroppedTransactionIsBroadcastAgainAndPaidOnce() {
    Address p = addr(provider(4));
    BigInteger before = anvil.balance(p);
    long nonce = requestorNonce();
    anvil.rpc("evm_setAutomine", List.of(false));
    try {
      processor.record("t", "d1", p, gnt(2), clock.instant());
      clock.advance(WINDOW);
      assertThat(processor.tick().batchesSent()).isEqualTo(1);
      assertThat(requestorNonce()).as("in the pool").isEqualTo(nonce + 1);
      anvil.rpc("anvil_dropAllTransactions", List.of());
      assertThat(requestorNonce()).as("dropped").isEqualTo(nonce);
    } finally {
      anvil.rpc("evm_setAutomine", List.of(true));
    }
    assertThat(processor.tick().broadcasts()).as("not before rebroadcastAfter").isZero();
    assertThat(processor.payment("d1").orElseThrow().status()).isEqualTo(PaymentStatus.IN_BATCH);
    clock.advance(Duration.ofSeconds(30));
    assertThat(processor.tick().broadcasts()).isEqualTo(1);
    tickUntilPaid("d1");
    assertThat(anvil.balance(p).subtract(before)).isEqualTo(gnt(2));
    assertThat(requestorNonce()).isEqualTo(nonce + 1);
    assertThat(attempts()).as("the same bytes").isEqualTo(1);
  }

  @Test
  void aNonceTakenByAnotherTransactionIsDetectedAndThePaymentIsMadeOnceWithANewOne() {
    Address p = addr(provider(5));
    BigInteger before = anvil.balance(p);
    long nonce = requestorNonce();
    anvil.rpc("evm_setAutomine", List.of(false));
    try {
      processor.record("t", "n1", p, gnt(3), clock.instant());
      clock.advance(WINDOW);
      processor.tick();
      anvil.rpc("anvil_dropAllTransactions", List.of());
    } finally {
      anvil.rpc("evm_setAutomine", List.of(true));
    }
    // Another component of the node sends from the same account and takes the nonce.
    anvil.chain.resetNonces();
    anvil.token(REQUESTOR).transfer(addr(DevAccounts.account(15)), BigInteger.ONE);
    assertThat(requestorNonce()).isEqualTo(nonce + 1);

    PaymentProcessor.TickReport r = processor.tick();
    assertThat(r.dropped()).isEqualTo(1);
    tickUntilPaid("n1");
    assertThat(processor.batches())
        .extracting(BatchRecord::status, BatchRecord::nonce)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(BatchStatus.DROPPED, nonce),
            org.assertj.core.groups.Tuple.tuple(BatchStatus.CONFIRMED, nonce + 1));
    assertThat(anvil.balance(p).subtract(before)).isEqualTo(gnt(3));
  }

  // ------------------------------------------------------------------------------------ account

  @Test
  void theRequestorRefusesATaskItCannotPayFor() {
    RequestorAccount account = new RequestorAccount(anvil.requestorChain(), processor, config);
    BigInteger balance = anvil.balance(addr(REQUESTOR));
    processor.record("t", "owed", addr(provider(0)), gnt(300), clock.instant());
    RequestorAccount.Affordability a = account.affordability(balance.subtract(gnt(300)));
    assertThat(a.gntBalance()).isEqualTo(balance);
    assertThat(a.gntOwed()).isEqualTo(gnt(300));
    assertThat(a.sufficient()).isTrue();
    assertThat(account.canAfford(balance.subtract(gnt(300)).add(BigInteger.ONE))).isFalse();
    assertThatThrownBy(() -> account.requireAffordable(balance, "task big"))
        .isInstanceOfSatisfying(
            InsufficientFundsException.class,
            e -> {
              assertThat(e.available()).isEqualTo(balance.subtract(gnt(300)));
              assertThat(e.required()).isEqualTo(balance);
            })
        .hasMessageContaining(RequestorAccount.decimal(balance.subtract(gnt(300))) + " GNT is free")
        .hasMessageContaining("up to " + RequestorAccount.decimal(balance) + " GNT");
    assertThat(account.balances().eth()).isEqualTo(anvil.chain.etherBalance(addr(REQUESTOR)));
    assertThat(a.ethSufficient()).isTrue();
    clock.advance(WINDOW);
    tickUntilPaid("owed");
    assertThat(account.affordability(BigInteger.ZERO).gntOwed()).isZero();
    assertThat(account.balances().gnt()).isEqualTo(balance.subtract(gnt(300)));
  }

  // ------------------------------------------------------------------------------------ incomes

  @Test
  void
      theProviderMatchesIncomesFromTransferEventsKeepsItsCursorAcrossARestartAndReportsAnOverdueOnce() {
    var me = provider(0);
    Address stingy = addr(DevAccounts.account(16)); // accepts results, never pays
    List<String> overdue = new ArrayList<>();
    IncomeListener listener = (r, s, a) -> overdue.add(r + "/" + s + "/" + a);
    IncomeConfig incomeConfig =
        new IncomeConfig(
            anvil.chain.blockNumber(), 1, 3, 100, Duration.ofHours(1), Duration.ofSeconds(30), 16);
    Path providerDir = dir.resolve("provider");
    NodeDatabase pdb = NodeDatabase.open(providerDir, clock);
    try {
      IncomeKeeper keeper =
          new IncomeKeeper(
              new SqliteIncomeStore(pdb), anvil.view(me), addr(me), clock, incomeConfig, listener);
      keeper.expect(addr(REQUESTOR), "t", "i1", gnt(2), clock.instant());
      keeper.expect(addr(REQUESTOR), "t", "i2", gnt(3), clock.instant());
      keeper.expect(stingy, "t2", "never", gnt(1), clock.instant());
      processor.record("t", "i1", addr(me), gnt(2), clock.instant());
      processor.record("t", "i2", addr(me), gnt(3), clock.instant());
      processor.record("t", "other", addr(provider(1)), gnt(4), clock.instant());
      clock.advance(WINDOW);
      tickUntilPaid("i1", "i2", "other");
      String tx = processor.payment("i1").orElseThrow().txHash();

      IncomeKeeper.TickReport r = keeper.tick();
      assertThat(r.incomesReceived()).isEqualTo(2);
      assertThat(keeper.income("i1").orElseThrow().txHash()).isEqualTo(tx);
      assertThat(keeper.income("i2").orElseThrow().status()).isEqualTo(IncomeStatus.RECEIVED);
      assertThat(keeper.seenPayments())
          .singleElement()
          .satisfies(p -> {
            assertThat(p.amount()).isEqualTo(gnt(5));
            assertThat(p.closureTime()).hasValue(processor.batches().get(0).closureTime());
          });
      long cursor = keeper.cursor().orElseThrow().nextBlock();
      assertThat(cursor).isEqualTo(anvil.chain.blockNumber() + 1);

      pdb.close(); // the provider restarts
      pdb = NodeDatabase.open(providerDir, clock);
      keeper =
          new IncomeKeeper(
              new SqliteIncomeStore(pdb), anvil.view(me), addr(me), clock, incomeConfig, listener);
      assertThat(keeper.cursor().orElseThrow().nextBlock()).isEqualTo(cursor);
      keeper.expect(addr(REQUESTOR), "t", "i3", gnt(4), clock.instant());
      processor.record("t", "i3", addr(me), gnt(4), clock.instant());
      clock.advance(WINDOW);
      tickUntilPaid("i3");
      keeper.tick();
      assertThat(keeper.income("i3").orElseThrow().status()).isEqualTo(IncomeStatus.RECEIVED);
      assertThat(keeper.seenPayments()).hasSize(2);
      assertThat(keeper.receivedTotal()).isEqualTo(gnt(9));

      clock.advance(Duration.ofHours(1));
      keeper.tick();
      keeper.tick();
      assertThat(overdue).containsExactly(stingy + "/never/" + gnt(1));
      pdb.close();
      pdb = NodeDatabase.open(providerDir, clock);
      keeper =
          new IncomeKeeper(
              new SqliteIncomeStore(pdb), anvil.view(me), addr(me), clock, incomeConfig, listener);
      keeper.tick();
      assertThat(overdue).as("reported once, across restarts").hasSize(1);
      assertThat(keeper.expectedTotal()).isEqualTo(gnt(1));
    } finally {
      pdb.close();
    }
  }
}
