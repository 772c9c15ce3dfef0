package org.jgolem.node.payments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jgolem.node.payments.AnvilChain.REQUESTOR;
import static org.jgolem.node.payments.AnvilChain.addr;
import static org.jgolem.node.payments.AnvilChain.gnt;
import static org.jgolem.node.payments.AnvilChain.provider;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jgolem.chain.Chain;
import org.jgolem.chain.deploy.Deployment;
import org.jgolem.eth.Address;
import org.jgolem.node.chain.Web3ChainView;
import org.jgolem.node.chain.Web3PaymentChain;
import org.jgolem.node.state.NodeDatabase;
import org.jgolem.node.store.SqliteIncomeStore;
import org.jgolem.node.store.SqlitePaymentLedger;
import org.jgolem.testkit.Anvil;
import org.jgolem.testkit.FakeClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Ethereum node behind the payment processor crashes and comes back from state saved before the
 * batch was mined: the batch's block is gone. The processor must notice, send the same signed
 * transaction again, and pay every provider exactly once on the chain that is there now; the
 * provider's income keeper must forget the lost payment and match it again. Then the endpoint is
 * replaced by a brand-new chain (no contracts; another genesis, or the same one if started in the
 * same second): both refuse to act.
 */
class PaymentChainRestartAnvilTest {
  static final Duration WINDOW = Duration.ofSeconds(5);

  @TempDir Path dir;

  @Test
  void aChainRestartedFromOlderStateIsPaidOnceWithTheSameTransaction() throws Exception {
    Path saved = dir.resolve("anvil-state.json");
    int port = freePort();
    Anvil.Options base = Anvil.Options.of(12).withPort(port);
    Deployment deployment;
    try (AnvilChain first = AnvilChain.deployed(base.withDumpState(saved))) {
      first.fund(addr(REQUESTOR), gnt(1000));
      deployment = first.deployment;
    } // stopped: its state (contracts, the requestor's GNT) is written to the file
    assertThat(Files.size(saved)).isPositive();

    AnvilChain second = AnvilChain.restarted(base.withLoadState(saved), deployment);
    long savedHead = second.chain.blockNumber();
    Address p0 = addr(provider(0));
    Address p1 = addr(provider(1));
    BigInteger p0Before = second.balance(p0);
    BigInteger p1Before = second.balance(p1);

    // The node's own client: one URL across the chain's restarts.
    Chain client = Chain.connect("http://127.0.0.1:" + port);
    FakeClock clock = new FakeClock(second.latestBlockMillis() - 120_000);
    NodeDatabase rdb = NodeDatabase.open(dir.resolve("requestor"), clock);
    NodeDatabase pdb = NodeDatabase.open(dir.resolve("provider"), clock);
    try {
      PaymentProcessor processor =
          new PaymentProcessor(
              new SqlitePaymentLedger(rdb),
              new Web3PaymentChain(client, deployment.token(), REQUESTOR),
              clock,
              PaymentConfig.demo(WINDOW));
      IncomeKeeper keeper =
          new IncomeKeeper(
              new SqliteIncomeStore(pdb),
              new Web3ChainView(client, deployment.token(), provider(0)),
              p0,
              clock,
              new IncomeConfig(
                  savedHead, 1, 100, 10, Duration.ofDays(1), Duration.ofSeconds(30), 16),
              IncomeListener.NONE);
      processor.record("t", "a", p0, gnt(3), clock.instant());
      processor.record("t", "b", p0, gnt(4), clock.instant());
      processor.record("t", "c", p1, gnt(5), clock.instant());
      keeper.expect(addr(REQUESTOR), "t", "a", gnt(3), clock.instant());
      keeper.expect(addr(REQUESTOR), "t", "b", gnt(4), clock.instant());
      clock.advance(WINDOW);
      tickUntilPaid(processor, "a", "b", "c");
      String tx = processor.payment("a").orElseThrow().txHash();
      long minedAt = processor.payment("a").orElseThrow().blockNumber();
      assertThat(second.balance(p0).subtract(p0Before)).isEqualTo(gnt(7));
      assertThat(keeper.tick().incomesReceived()).isEqualTo(2);

      second.kill(); // crash: nothing saved since the file
      try (AnvilChain third = AnvilChain.restarted(base.withLoadState(saved), deployment)) {
        assertThat(third.chain.blockNumber())
            .as("the batch's block is gone")
            .isEqualTo(savedHead)
            .isLessThan(minedAt);
        assertThat(third.balance(p0)).isEqualTo(p0Before);
        // The restarted chain moves on differently (another block where the batch was): without
        // it, re-mining the same transaction on the same parent in the same second could give
        // the very same block, which is no change at all.
        third.rpc("evm_mine", List.of());

        PaymentProcessor.TickReport r = processor.tick();
        assertThat(r.vanished()).isEqualTo(1);
        assertThat(r.dropped()).isZero();
        assertThat(processor.payment("a").orElseThrow().status()).isEqualTo(PaymentStatus.IN_BATCH);
        tickUntilPaid(processor, "a", "b", "c");

        assertThat(processor.payment("a").orElseThrow().txHash())
            .as("the same signed transaction")
            .isEqualTo(tx);
        assertThat(processor.payment("a").orElseThrow().blockNumber()).isEqualTo(minedAt + 1);
        assertThat(processor.batches())
            .singleElement()
            .satisfies(b -> assertThat(b.status()).isEqualTo(BatchStatus.CONFIRMED));
        assertThat(third.balance(p0).subtract(p0Before))
            .as("paid once on the chain that is there now")
            .isEqualTo(gnt(7));
        assertThat(third.balance(p1).subtract(p1Before)).isEqualTo(gnt(5));
        assertThat(third.chain.pendingTransactionCount(addr(REQUESTOR)))
            .isEqualTo(third.chain.transactionCount(addr(REQUESTOR), savedHead) + 1);

        IncomeKeeper.TickReport k = keeper.tick();
        assertThat(k.rewound()).isTrue();
        assertThat(keeper.income("a").orElseThrow().status()).isEqualTo(IncomeStatus.RECEIVED);
        assertThat(keeper.income("b").orElseThrow().txHash()).isEqualTo(tx);
        assertThat(keeper.income("b").orElseThrow().blockNumber()).isEqualTo(minedAt + 1);
        assertThat(keeper.seenPayments()).hasSize(1);
        assertThat(keeper.receivedTotal()).isEqualTo(gnt(7));
      }

      // A fresh chain behind the same URL: no contracts. Started within the same second as the
      // first one, it even has the same genesis hash, so the missing token is what tells.
      try (AnvilChain other = AnvilChain.restarted(base, deployment)) {
        assertThat(other.chain.hasCode(deployment.token())).isFalse();
        processor.record("t", "d", p1, gnt(1), clock.instant());
        clock.advance(WINDOW);
        assertThatThrownBy(processor::tick)
            .isInstanceOfSatisfying(
                PaymentException.class,
                e -> assertThat(e.reason()).isEqualTo(PaymentException.Reason.CHAIN_CHANGED));
        assertThatThrownBy(keeper::tick)
            .isInstanceOfSatisfying(
                PaymentException.class,
                e -> assertThat(e.reason()).isEqualTo(PaymentException.Reason.CHAIN_CHANGED));
        assertThat(processor.payment("a").orElseThrow().status()).isEqualTo(PaymentStatus.PAID);
        assertThat(processor.payment("d").orElseThrow().status()).isEqualTo(PaymentStatus.PENDING);
        assertThat(other.chain.pendingTransactionCount(addr(REQUESTOR))).isZero();
      }
    } finally {
      rdb.close();
      pdb.close();
      client.close();
    }
  }

  private static void tickUntilPaid(PaymentProcessor processor, String... subtasks) {
    AnvilChain.await(
        "payments " + List.of(subtasks) + " paid",
        Duration.ofSeconds(15),
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

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
