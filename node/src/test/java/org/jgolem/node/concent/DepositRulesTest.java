package org.jgolem.node.concent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.Queue;
import org.jgolem.eth.Address;
import org.jgolem.node.concent.Deposits.Deposit;
import org.jgolem.testkit.FakeClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The deposit rule, the Concent setting, and the provider's cached deposit checks. */
@Timeout(10)
class DepositRulesTest {
  static final BigInteger GNT = BigInteger.TEN.pow(18);
  static final Address REQUESTOR = Address.of("0x" + "aa".repeat(20));

  static BigInteger gnt(long n) {
    return BigInteger.valueOf(n).multiply(GNT);
  }

  @Test
  void aDepositMustHoldTwiceTheMaximumCostAndBeLocked() {
    BigInteger maxCost = gnt(5);
    assertThat(DepositRule.needed(maxCost)).isEqualTo(gnt(10));
    assertThat(DepositRule.refusal(REQUESTOR, new Deposit(gnt(10), 0), maxCost)).isEmpty();
    assertThat(DepositRule.refusal(REQUESTOR, new Deposit(gnt(11), 0), maxCost)).isEmpty();
    // one wei short
    assertThat(
            DepositRule.refusal(
                REQUESTOR, new Deposit(gnt(10).subtract(BigInteger.ONE), 0), maxCost))
        .hasValueSatisfying(why ->
            assertThat(why)
                .contains(REQUESTOR.toString())
                .contains("9.999999999999999999 GNT")
                .contains("10 GNT")
                .contains("2 × its maximum cost of 5 GNT"));
    // enough, but being withdrawn
    assertThat(DepositRule.refusal(REQUESTOR, new Deposit(gnt(100), 1_700_000_000L), maxCost))
        .hasValueSatisfying(
            why -> assertThat(why).contains("being withdrawn").contains("2023-11-14T22:13:20Z"));
    assertThat(DepositRule.gntAmount(new BigInteger("1500000000000000000"))).isEqualTo("1.5");
    assertThat(DepositRule.gnt(BigInteger.ZERO)).isEqualTo("0 GNT");
  }

  @Test
  void theModesDecideWhatIsAnnouncedTakenAndChecked() {
    assertThat(ConcentMode.OFF.announcesWithConcent(true)).isFalse();
    assertThat(ConcentMode.OPTIONAL.announcesWithConcent(true)).isTrue();
    assertThat(ConcentMode.OPTIONAL.announcesWithConcent(false)).isFalse();
    assertThat(ConcentMode.REQUIRED.announcesWithConcent(false)).isTrue();

    assertThat(ConcentMode.OFF.takes(true)).isTrue();
    assertThat(ConcentMode.OFF.takes(false)).isTrue();
    assertThat(ConcentMode.OPTIONAL.takes(false)).isTrue();
    assertThat(ConcentMode.REQUIRED.takes(false)).isFalse();
    assertThat(ConcentMode.REQUIRED.takes(true)).isTrue();

    assertThat(ConcentMode.OFF.checksDeposit(true)).as("off never turns to Concent").isFalse();
    assertThat(ConcentMode.OPTIONAL.checksDeposit(true)).isTrue();
    assertThat(ConcentMode.OPTIONAL.checksDeposit(false)).isFalse();
    assertThat(ConcentMode.REQUIRED.checksDeposit(true)).isTrue();

    assertThat(ConcentMode.parse(" Optional ")).isEqualTo(ConcentMode.OPTIONAL);
    assertThatThrownBy(() -> ConcentMode.parse("on"))
        .hasMessage("concent must be one of off, optional, required; got 'on'");
  }

  @Test
  void aPolicyWithoutAChainCanOnlyBeOff() {
    ConcentPolicy off = ConcentPolicy.off();
    assertThat(off.mode()).isEqualTo(ConcentMode.OFF);
    assertThatThrownBy(() -> off.mode(ConcentMode.OPTIONAL))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("chain.deployment");
    ConcentPolicy on = new ConcentPolicy(ConcentMode.OPTIONAL, new FakeDeposits());
    on.mode(ConcentMode.REQUIRED);
    assertThat(on.mode()).isEqualTo(ConcentMode.REQUIRED);
  }

  /** Runs what is handed to it when the test says so: the I/O pool and the loop, by hand. */
  static final class Manual {
    final Queue<Runnable> io = new ArrayDeque<>();
    final Queue<Runnable> loop = new ArrayDeque<>();

    void runAll() {
      while (!io.isEmpty() || !loop.isEmpty()) {
        if (!io.isEmpty()) io.poll().run();
        if (!loop.isEmpty()) loop.poll().run();
      }
    }
  }

  @Test
  void theProviderReadsADepositOffTheCallersThreadAndTrustsItForAWhile() {
    FakeClock clock = new FakeClock(1_700_000_000_000L);
    FakeDeposits chain = new FakeDeposits().set(REQUESTOR, gnt(10), 0);
    Manual m = new Manual();
    DepositChecks checks =
        new DepositChecks(chain, clock, Duration.ofSeconds(10), m.io::add, m.loop::add);
    int[] called = {0};

    // nothing known yet: no verdict, one read queued, however often asked
    assertThat(checks.verdict(REQUESTOR, gnt(5), () -> called[0]++)).isEmpty();
    assertThat(checks.verdict(REQUESTOR, gnt(5), () -> called[0]++)).isEmpty();
    assertThat(m.io).hasSize(1);
    assertThat(chain.reads).hasValue(0);
    m.runAll();
    assertThat(chain.reads).hasValue(1);
    assertThat(called[0]).as("the first asker is called back once the reading is in").isEqualTo(1);

    // judged from the reading, per task: 10 GNT backs a 5 GNT task, not a 5 GNT + 1 wei one
    assertThat(checks.verdict(REQUESTOR, gnt(5), () -> {}))
        .hasValue(new DepositChecks.Verdict(true, ""));
    assertThat(checks.verdict(REQUESTOR, gnt(5).add(BigInteger.ONE), () -> {}))
        .hasValueSatisfying(v -> assertThat(v.ok()).isFalse());

    // the requestor starts withdrawing: seen once the reading is 10 s old, not before
    chain.set(REQUESTOR, gnt(10), 1_700_086_400L);
    clock.advance(Duration.ofMillis(9_999));
    assertThat(checks.verdict(REQUESTOR, gnt(1), () -> {}))
        .hasValueSatisfying(v -> assertThat(v.ok()).isTrue());
    assertThat(m.io).isEmpty();
    clock.advance(Duration.ofMillis(1));
    assertThat(checks.verdict(REQUESTOR, gnt(1), () -> {})).isEmpty();
    m.runAll();
    assertThat(chain.reads).hasValue(2);
    Optional<DepositChecks.Verdict> v = checks.verdict(REQUESTOR, gnt(1), () -> {});
    assertThat(v)
        .hasValueSatisfying(x -> {
          assertThat(x.ok()).isFalse();
          assertThat(x.reason()).contains("being withdrawn");
        });
  }

  @Test
  void aDepositThatCannotBeReadIsARefusalNamingWhy() {
    FakeClock clock = new FakeClock(0);
    FakeDeposits chain = new FakeDeposits();
    chain.down = true;
    Manual m = new Manual();
    DepositChecks checks =
        new DepositChecks(chain, clock, Duration.ofSeconds(10), m.io::add, m.loop::add);
    checks.verdict(REQUESTOR, gnt(1), () -> {});
    m.runAll();
    assertThat(checks.verdict(REQUESTOR, gnt(1), () -> {}))
        .hasValueSatisfying(v -> {
          assertThat(v.ok()).isFalse();
          assertThat(v.reason()).contains("cannot be read").contains("chain down");
        });
    assertThat(chain.reads).as("not read again while the failure is fresh").hasValue(1);
  }
}
