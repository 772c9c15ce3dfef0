package org.jgolem.node.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.jgolem.testkit.FakeClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeDatabaseTest {
  @TempDir Path dir;
  final FakeClock clock = new FakeClock(1_700_000_000_000L);

  /** Only the first migration: the base for tests that add their own versions 2, 3, ... */
  static final List<Migration> V1 = Migrations.ALL.subList(0, 1);

  @Test
  void freshDatabaseIsMigratedToTheLatestVersion() {
    try (NodeDatabase db = NodeDatabase.open(dir, clock)) {
      assertThat(Files.exists(dir.resolve(NodeDatabase.FILE_NAME))).isTrue();
      assertThat(db.schemaVersion()).isEqualTo(Migrations.ALL.size());
      assertThat(db.appliedMigrations())
          .extracting(NodeDatabase.AppliedMigration::version)
          .containsExactlyElementsOf(
              java.util.stream.IntStream.rangeClosed(1, Migrations.ALL.size()).boxed().toList());
      assertThat(db.appliedMigrations().get(0).appliedAt()).isEqualTo(clock.millis());
      assertThat(tables(db))
          .contains("schema_version", "peers", "payments", "payment_batches", "incomes");
    }
  }

  @Test
  void reopeningAppliesNothingTwice() {
    try (NodeDatabase db = NodeDatabase.open(dir, clock)) {
      assertThat(db.schemaVersion()).isEqualTo(Migrations.ALL.size());
    }
    clock.advance(java.time.Duration.ofHours(1));
    try (NodeDatabase db = NodeDatabase.open(dir, clock)) {
      assertThat(db.appliedMigrations()).hasSize(Migrations.ALL.size());
      assertThat(db.appliedMigrations().get(0).appliedAt()).isEqualTo(clock.millis() - 3_600_000);
    }
  }

  @Test
  void laterMigrationsAreAppliedInOrderOnReopen() {
    try (NodeDatabase db = NodeDatabase.open(dir, clock, V1)) {
      assertThat(db.schemaVersion()).isEqualTo(1);
    }
    List<Migration> more = new ArrayList<>(V1);
    more.add(Migration.of(2, "a", "CREATE TABLE a (x INTEGER)"));
    more.add(
        Migration.of(
            3,
            "b needs a",
            "CREATE TABLE b (x INTEGER REFERENCES a (x))",
            "INSERT INTO a VALUES (7)"));
    try (NodeDatabase db = NodeDatabase.open(dir, clock, more)) {
      assertThat(db.schemaVersion()).isEqualTo(3);
      assertThat(db.appliedMigrations())
          .extracting(NodeDatabase.AppliedMigration::description)
          .containsExactly("peers learnt by discovery", "a", "b needs a");
      int x =
          db.read(c -> {
            try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT x FROM a")) {
              return rs.next() ? rs.getInt(1) : -1;
            }
          });
      assertThat(x).isEqualTo(7);
    }
  }

  @Test
  void aFailingMigrationIsRolledBackWhole() {
    List<Migration> broken = new ArrayList<>(V1);
    broken.add(Migration.of(2, "half good", "CREATE TABLE good (x INTEGER)", "THIS IS NOT SQL"));
    assertThatThrownBy(() -> NodeDatabase.open(dir, clock, broken))
        .isInstanceOf(StateException.class)
        .satisfies(e ->
            assertThat(((StateException) e).reason())
                .isEqualTo(StateException.Reason.MIGRATION_FAILED))
        .hasMessageContaining("migration 2 (half good)");
    try (NodeDatabase db = NodeDatabase.open(dir, clock, V1)) {
      assertThat(db.schemaVersion()).isEqualTo(1);
      assertThat(tables(db)).doesNotContain("good");
    }
  }

  @Test
  void aDatabaseFromANewerNodeIsRefused() {
    List<Migration> newer = new ArrayList<>(V1);
    newer.add(Migration.of(2, "future", "CREATE TABLE future (x INTEGER)"));
    NodeDatabase.open(dir, clock, newer).close();
    assertThatThrownBy(() -> NodeDatabase.open(dir, clock, V1))
        .isInstanceOf(StateException.class)
        .hasMessageContaining("schema version 2")
        .satisfies(e ->
            assertThat(((StateException) e).reason())
                .isEqualTo(StateException.Reason.NEWER_SCHEMA));
  }

  @Test
  void migrationsMustBeNumberedInOrder() {
    assertThatThrownBy(
            () -> NodeDatabase.open(dir, clock, List.of(Migration.of(2, "skips 1", "SELECT 1"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("versions must be 1, 2, 3");
  }

  @Test
  void closeIsIdempotentAndUseAfterCloseFails() {
    NodeDatabase db = NodeDatabase.open(dir, clock);
    db.close();
    db.close();
    assertThat(db.isOpen()).isFalse();
    assertThatThrownBy(db::schemaVersion)
        .isInstanceOf(StateException.class)
        .hasMessageContaining("CLOSED");
  }

  @Test
  void writeRollsBackWhenTheWorkThrows() {
    try (NodeDatabase db = NodeDatabase.open(dir, clock)) {
      assertThatThrownBy(() ->
              db.write(c -> {
                try (Statement s = c.createStatement()) {
                  s.execute(
                      "INSERT INTO peers (node_id, host, port, first_seen, last_seen) VALUES ('x', 'h', 1, 0, 0)");
                }
                throw new IllegalStateException("boom");
              }))
          .hasMessage("boom");
      assertThat(new SqlitePeerStore(db).size()).isZero();
    }
  }

  private static List<String> tables(NodeDatabase db) {
    return db.read(c -> {
      List<String> names = new ArrayList<>();
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
        while (rs.next()) {
          names.add(rs.getString(1));
        }
      }
      return names;
    });
  }
}
