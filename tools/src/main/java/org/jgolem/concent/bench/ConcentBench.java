package org.jgolem.concent.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jgolem.chain.Chain;
import org.jgolem.chain.bench.SettlementGasBench;
import org.jgolem.chain.bench.SettlementGasMeasurement;
import org.jgolem.chain.deploy.Deployer;
import org.jgolem.chain.deploy.Deployment;
import org.jgolem.chain.dev.DevAccounts;
import org.jgolem.eth.Address;
import org.jgolem.testkit.Anvil;
import org.jgolem.testkit.Postgres;
import org.web3j.crypto.Credentials;

/**
 * {@code scripts/bench concent}: on a fresh anvil with the contracts deployed, prints
 *
 * <pre>
 * concent cases-per-s=N p99-ms=N                       ({@link ConcentLoadMeasurement}, SQLite file)
 * concent settle-gas-per-subtask=N baseline-one-tx-each=N subtasks=50   ({@link SettlementGasBench})
 * concent cases-per-s=N p99-ms=N db=postgresql        (the same against PostgreSQL, if it starts)
 * </pre>
 *
 * and the details (load, errors, median latency, what was settled and how fast) on stderr.
 * Arguments: CASES (4,000) THREADS (8) WARMUP (1,000).
 */
public final class ConcentBench {
  private ConcentBench() {}

  public static void main(String[] args) throws Exception {
    int cases = args.length > 0 ? Integer.parseInt(args[0]) : 4_000;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 1_000;
    Path dir = Files.createTempDirectory("concent-bench");
    try (Anvil dev = Anvil.start(8);
        Chain chain = Chain.connect(dev.rpcUrl())) {
      Credentials deployer = DevAccounts.account(DevAccounts.DEPLOYER);
      Credentials concent = DevAccounts.account(DevAccounts.CONCENT);
      Address me = Address.of(deployer.getAddress());
      Deployment d =
          Deployer.deploy(
              chain,
              deployer,
              Deployer.Params.devDefaults(me, Address.of(concent.getAddress()), me));
      ConcentLoadMeasurement.Result sqlite =
          ConcentLoadMeasurement.measure(
              chain,
              dev.rpcUrl(),
              d,
              deployer,
              concent,
              "jdbc:sqlite:" + dir.resolve("concent.db"),
              Files.createDirectories(dir.resolve("sqlite")),
              options(1, warmup, cases, threads));
      System.out.println(line(sqlite, ""));
      details(sqlite, "sqlite", threads);

      SettlementGasMeasurement.Point gas =
          SettlementGasMeasurement.measure(
                  chain,
                  d,
                  deployer,
                  concent,
                  List.of(
                      DevAccounts.account(3),
                      DevAccounts.account(4),
                      DevAccounts.account(5),
                      DevAccounts.account(6)),
                  List.of(50),
                  20261207L)
              .get(0);
      System.out.println(SettlementGasBench.line(gas));

      Postgres pg;
      try {
        pg = Postgres.start();
      } catch (RuntimeException e) {
        System.err.println("concent db=postgresql not measured: " + e.getMessage());
        return;
      }
      try (pg) {
        ConcentLoadMeasurement.Result postgres =
            ConcentLoadMeasurement.measure(
                chain,
                dev.rpcUrl(),
                d,
                deployer,
                concent,
                pg.createDatabase("concent_bench"),
                Files.createDirectories(dir.resolve("postgresql")),
                options(2, warmup, cases, threads));
        System.out.println(line(postgres, " db=postgresql"));
        details(postgres, "postgresql", threads);
      }
    }
  }

  private static ConcentLoadMeasurement.Options options(
      int run, int warmup, int cases, int threads) {
    return new ConcentLoadMeasurement.Options(
        run, warmup, cases, threads, Duration.ofMillis(500), Duration.ofSeconds(90));
  }

  /** {@code concent cases-per-s=N p99-ms=N}, then {@code suffix}. */
  public static String line(ConcentLoadMeasurement.Result r, String suffix) {
    return String.format(
        "concent cases-per-s=%d p99-ms=%.1f%s",
        Math.round(r.casesPerSecond()), r.percentileMillis(99), suffix);
  }

  private static void details(ConcentLoadMeasurement.Result r, String db, int threads) {
    System.err.printf(
        "concent db=%s load=closed-loop clients=%d cases=%d accepted=%d errors=%d seconds=%.2f"
            + " p50-ms=%.2f p90-ms=%.2f p99-ms=%.2f max-ms=%.2f jvm-cpu-ms-per-case=%.2f"
            + " load-average=%.2f%n",
        db,
        threads,
        r.cases(),
        r.accepted(),
        r.errorCount(),
        r.seconds(),
        r.percentileMillis(50),
        r.percentileMillis(90),
        r.percentileMillis(99),
        r.percentileMillis(100),
        r.cpuMillisPerCase(),
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    System.err.printf(
        "concent db=%s settled=%d provider-gain=%s deposit-spent=%s settle-s=%.1f%n",
        db, r.settled(), r.providerGain(), r.depositSpent(), r.settleSeconds());
    for (Map.Entry<String, Integer> e : r.errors().entrySet()) {
      System.err.printf("concent db=%s error x%d: %s%n", db, e.getValue(), e.getKey());
    }
  }
}
