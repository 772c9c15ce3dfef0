package org.jgolem.concent.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's contract on a real SQLite file (WAL). */
class SqliteConcentStoreTest extends ConcentStoreContract {
  @TempDir Path dir;

  @Override
  String newDatabase() {
    return "jdbc:sqlite:" + dir.resolve("sub/concent.db");
  }

  @Override
  String expectedKind() {
    return "SQLITE";
  }

  @Test
  void theFileIsCreatedInWalMode() {
    assertThat(dir.resolve("sub/concent.db")).exists();
    assertThat(Files.exists(dir.resolve("sub/concent.db-wal"))).isTrue();
  }

  @Test
  void anotherDatabaseIsRefusedByName() {
    assertThatThrownBy(() -> JdbcConcentStore.open("jdbc:mysql://x/y", CLOCK))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("jdbc:sqlite:FILE or jdbc:postgresql://")
        .hasMessageContaining("jdbc:mysql://x/y");
  }
}
