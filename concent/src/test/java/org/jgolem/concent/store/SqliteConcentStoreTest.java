package org.jgolem.concent.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.jgolem.concent.service.Claim;
import org.jgolem.concent.service.ClaimResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's contract on a real SQLite file (WAL). */
class SqliteConcentStoreTest extends ConcentStoreContract {
  @TempDir Path dir;
  private int files;

  @Override
  String newDatabase() {
    return "jdbc:sqlite:" + dir.resolve("sub/concent-" + ++files + ".db");
  }

  @Override
  String expectedKind() {
    return "SQLITE";
  }

  @Test
  void theFileIsCreatedInWalMode() {
    assertThat(url).isEqualTo("jdbc:sqlite:" + dir.resolve("sub/concent-1.db"));
    assertThat(dir.resolve("sub/concent-1.db")).exists();
    assertThat(Files.exists(dir.resolve("sub/concent-1.db-wal"))).isTrue();
  }

  @Test
  void twoStoresOnOneFileNeverOverReserveEitherAsTwoProcessesWould() throws Exception {
    BigInteger balance = BigInteger.valueOf(60);
    AtomicInteger reserved = new AtomicInteger();
    try (JdbcConcentStore second =
        JdbcConcentStore.openFile(Path.of(url.substring("jdbc:sqlite:".length())), CLOCK)) {
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          JdbcConcentStore s = t % 2 == 0 ? store : second;
          int thread = t;
          done.add(
              pool.submit(() -> {
                for (int i = 0; i < 30; i++) {
                  Claim c =
                      claim(
                          REQUESTOR,
                          thread * 100 + i,
                          Claim.UseCase.FORCED_PAYMENT,
                          BigInteger.ONE);
                  if (s.transaction(tx -> tx.claim(c, balance)) instanceof ClaimResult.Reserved) {
                    reserved.incrementAndGet();
                  }
                }
                return null;
              }));
        }
        for (Future<?> f : done) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
      BigInteger sum = second.transaction(tx -> tx.reserved(REQUESTOR));
      assertThat(sum).isEqualTo(balance);
    }
    assertThat(reserved).hasValue(60);
  }

  @Test
  void anotherDatabaseIsRefusedByName() {
    assertThatThrownBy(() -> JdbcConcentStore.open("jdbc:mysql://x/y", CLOCK))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("jdbc:sqlite:FILE or jdbc:postgresql://")
        .hasMessageContaining("jdbc:mysql://x/y");
  }
}
