package org.jgolem.node.payments;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jgolem.eth.Address;
import org.jgolem.node.state.NodeDatabase;
import org.jgolem.node.store.SqlitePaymentLedger;
import org.jgolem.testkit.FakeClock;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Exactly once under random trouble: payments recorded at random while the fake chain drops its
 * pool, stops and resumes mining, goes back a few blocks (as a restarted node would), sees foreign
 * transactions take the account's nonce and base fees jump, and the processor crashes before or
 * after broadcasts and restarts. At every step no payee holds more than it was recorded to get;
 * once the trouble stops, every payee holds exactly that, and every payment is PAID.
 */
class PaymentChaosTest {
  static final Address REQUESTOR = PaymentProcessorTest.addr(0xa1);
  static final List<Address> PAYEES =
      List.of(
          PaymentProcessorTest.addr(0xb1),
          PaymentProcessorTest.addr(0xb2),
          PaymentProcessorTest.addr(0xb3),
          PaymentProcessorTest.addr(0xb4));

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
  void everyPaymentIsMadeExactlyOnce(long seed) {
    Random random = new Random(seed);
    FakeClock clock = new FakeClock(1_700_000_000_000L);
    FakeChain fake = new FakeChain(clock);
    fake.fund(REQUESTOR, BigInteger.TEN.pow(30));
    PaymentConfig config =
        PaymentConfig.demo(Duration.ofSeconds(10))
            .withRebroadcastAfter(Duration.ofSeconds(20))
            .withNonceGapGrace(Duration.ZERO)
            .withConfirmations(1 + random.nextInt(2))
            .withMaxPaymentsPerBatch(3);
    Path data = dir.resolve("seed-" + seed);
    NodeDatabase db = NodeDatabase.open(data, clock);
    PaymentProcessor processor =
        new PaymentProcessor(new SqlitePaymentLedger(db), fake.wallet(REQUESTOR), clock, config);
    Map<Address, BigInteger> recorded = new HashMap<>();
    int subtasks = 0;
    try {
      for (int step = 0; step < 300; step++) {
        int action = random.nextInt(100);
        if (action < 25) {
          Address payee = PAYEES.get(random.nextInt(PAYEES.size()));
          BigInteger amount = BigInteger.valueOf(1 + random.nextInt(1000));
          processor.record("t", "s" + subtasks++, payee, amount, clock.instant());
          recorded.merge(payee, amount, BigInteger::add);
        } else if (action < 45) {
          clock.advance(Duration.ofSeconds(random.nextInt(15)));
          tickQuietly(processor);
        } else if (action < 55) {
          fake.mine();
        } else if (action < 60) {
          fake.setAutomine(random.nextBoolean());
        } else if (action < 64) {
          fake.dropPool();
        } else if (action < 68 && fake.headNumber() > 3) {
          fake.rollbackTo(fake.headNumber() - 1 - random.nextInt(3));
        } else if (action < 72) {
          fake.foreignTx(REQUESTOR);
        } else if (action < 76) {
          fake.setBaseFee(FakeChain.GWEI.multiply(BigInteger.valueOf(1 + random.nextInt(8))));
        } else if (action < 84) {
          // The node process dies around a broadcast, then starts again on the same database.
          CrashingChain.When when =
              random.nextBoolean()
                  ? CrashingChain.When.BEFORE_BROADCAST
                  : CrashingChain.When.AFTER_BROADCAST;
          db.close();
          db = NodeDatabase.open(data, clock);
          processor =
              new PaymentProcessor(
                  new SqlitePaymentLedger(db),
                  new CrashingChain(fake.wallet(REQUESTOR), when),
                  clock,
                  config);
          clock.advance(Duration.ofSeconds(random.nextInt(25)));
          tickQuietly(processor);
          db.close();
          db = NodeDatabase.open(data, clock);
          processor =
              new PaymentProcessor(
                  new SqlitePaymentLedger(db), fake.wallet(REQUESTOR), clock, config);
        } else {
          clock.advance(Duration.ofSeconds(1));
          tickQuietly(processor);
        }
        for (Address p : PAYEES) {
          assertThat(fake.balance(p))
              .as("seed %d step %d: %s never holds more than recorded", seed, step, p)
              .isLessThanOrEqualTo(recorded.getOrDefault(p, BigInteger.ZERO));
        }
      }

      // The trouble stops: the chain mines, fees are low, time passes.
      fake.setBaseFee(FakeChain.GWEI);
      fake.setAutomine(true);
      for (int i = 0; i < 60 && processor.totals().owed().signum() > 0; i++) {
        clock.advance(Duration.ofSeconds(21));
        tickQuietly(processor);
        fake.mine();
      }
      for (Address p : PAYEES) {
        assertThat(fake.balance(p))
            .as("seed %d: %s paid exactly what was recorded", seed, p)
            .isEqualTo(recorded.getOrDefault(p, BigInteger.ZERO));
      }
      assertThat(processor.payments())
          .hasSize(subtasks)
          .allSatisfy(p -> assertThat(p.status()).isEqualTo(PaymentStatus.PAID));
      // Every PAID payment names a transaction that is on the chain and paid its payee.
      for (PaymentRecord p : processor.payments()) {
        assertThat(fake.minedFrom(REQUESTOR))
            .anySatisfy(tx -> {
              assertThat(tx.hash()).isEqualTo(p.txHash());
              assertThat(tx.words()).extracting(w -> w.payee()).contains(p.payee());
            });
      }
    } finally {
      db.close();
    }
  }

  private static void tickQuietly(PaymentProcessor processor) {
    try {
      processor.tick();
    } catch (CrashingChain.Crash | PaymentException e) {
      // a crash, or a refusal the processor reports and retries
    }
  }
}
