package org.jgolem.concent.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.jgolem.chain.testing.AnvilTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/bench concent}'s measurement at a tiny size: 50 ForceSubtaskResults cases (after
 * 10 of warm-up) through a real Concent on a SQLite file, every one queued, then every one settled
 * on chain for exactly its price, from the requestor's deposit.
 */
class ConcentLoadTest extends AnvilTest {
  @Test
  @Timeout(120)
  void everyCaseIsQueuedThenSettledExactly(@TempDir Path dir) throws Exception {
    ConcentLoadMeasurement.Result r =
        ConcentLoadMeasurement.measure(
            chain,
            deployment.rpcUrl(),
            deployment,
            DEPLOYER,
            CONCENT,
            "jdbc:sqlite:" + dir.resolve("concent.db"),
            dir,
            new ConcentLoadMeasurement.Options(
                7, 10, 50, 4, Duration.ofMillis(200), Duration.ofSeconds(60)));
    System.out.println(ConcentBench.line(r, ""));

    assertThat(r.errors()).as("refusals and failures").isEmpty();
    assertThat(r.accepted()).isEqualTo(50);
    assertThat(r.latenciesNanos()).hasSize(50);
    assertThat(r.casesPerSecond()).isPositive();
    assertThat(r.settled()).as("warm-up and timed cases, each paid once").isEqualTo(60);
    assertThat(r.providerGain())
        .isEqualTo(ConcentLoadMeasurement.PRICE.multiply(java.math.BigInteger.valueOf(60)));
    assertThat(r.depositSpent()).isEqualTo(r.providerGain());
    assertThat(ConcentBench.line(r, "")).matches("concent cases-per-s=\\d+ p99-ms=\\d+\\.\\d");
  }
}
