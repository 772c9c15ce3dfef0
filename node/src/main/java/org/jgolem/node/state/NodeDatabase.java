package org.jgolem.node.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.jgolem.node.state.StateException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's SQLite database, {@code node.db} in its data folder. Opening applies the pending
 * {@link Migration}s in order, each in its own transaction together with its row in {@code
 * schema_version}, so a crash leaves the schema at a whole version and re-opening is a no-op. A
 * database whose version is above every known migration (written by a newer node) is refused.
 *
 * <p>One JDBC connection, used under this object's lock: SQLite has one writer anyway, and the
 * node's writes are small. Callers run their SQL through {@link #read} and {@link #write}.
 */
public final class NodeDatabase implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeDatabase.class);

  public static final String FILE_NAME = "node.db";

  /**
   * SQL work on the connection; may throw {@link SQLException}, which is wrapped as QUERY_FAILED.
   */
  @FunctionalInterface
  public interface SqlWork<T> {
    T apply(Connection connection) throws SQLException;
  }

  /** A row of {@code schema_version}. */
  public record AppliedMigration(int version, String description, long appliedAt) {}

  private final Path file;
  private final Clock clock;
  private Connection connection;

  private NodeDatabase(Path file, Clock clock, Connection connection) {
    this.file = file;
    this.clock = clock;
    this.connection = connection;
  }

  /** Opens (creating if needed) {@code dataDir/node.db} and brings it to the current schema. */
  public static NodeDatabase open(Path dataDir, Clock clock) {
    return open(dataDir, clock, Migrations.ALL);
  }

  /**
   * As {@link #open(Path, Clock)}, with a list of migrations in place of {@link Migrations#ALL}.
   * Package-private: the node always runs {@code Migrations.ALL}; another list lets the engine's
   * rules (order, a whole migration or none, a newer schema refused) be tried with versions the
   * node does not have, in this package's tests.
   */
  static NodeDatabase open(Path dataDir, Clock clock, List<Migration> migrations) {
    checkOrder(migrations);
    Path file = dataDir.resolve(FILE_NAME);
    Connection c;
    try {
      Files.createDirectories(dataDir);
      c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=NORMAL");
        s.execute("PRAGMA foreign_keys=ON");
        s.execute("PRAGMA busy_timeout=5000");
      }
    } catch (IOException | SQLException e) {
      throw new StateException(
          Reason.OPEN_FAILED, "cannot open " + file + ": " + e.getMessage(), e);
    }
    NodeDatabase db = new NodeDatabase(file, clock, c);
    try {
      db.migrate(migrations);
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
    return db;
  }

  public Path file() {
    return file;
  }

  /** The highest applied migration, 0 for a fresh database. */
  public synchronized int schemaVersion() {
    return read(NodeDatabase::currentVersion);
  }

  public synchronized List<AppliedMigration> appliedMigrations() {
    return read(c -> {
      List<AppliedMigration> out = new ArrayList<>();
      try (Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT version, description, applied_at FROM schema_version ORDER BY version")) {
        while (rs.next()) {
          out.add(new AppliedMigration(rs.getInt(1), rs.getString(2), rs.getLong(3)));
        }
      }
      return out;
    });
  }

  /** Runs {@code work} outside a transaction (autocommit). */
  public synchronized <T> T read(SqlWork<T> work) {
    Connection c = open();
    try {
      return work.apply(c);
    } catch (SQLException e) {
      throw new StateException(Reason.QUERY_FAILED, e.getMessage(), e);
    }
  }

  /** Runs {@code work} in one transaction: committed if it returns, rolled back if it throws. */
  public synchronized <T> T write(SqlWork<T> work) {
    try {
      return inTransaction(open(), work);
    } catch (SQLException e) {
      throw new StateException(Reason.QUERY_FAILED, e.getMessage(), e);
    }
  }

  public synchronized boolean isOpen() {
    return connection != null;
  }

  /** Idempotent. */
  @Override
  public synchronized void close() {
    if (connection == null) {
      return;
    }
    try {
      connection.close();
    } catch (SQLException e) {
      LOG.warn("Closing {} failed: {}", file, e.getMessage());
    } finally {
      connection = null;
    }
  }

  private Connection open() {
    if (connection == null) {
      throw new StateException(Reason.CLOSED, file + " is closed");
    }
    return connection;
  }

  private synchronized void migrate(List<Migration> migrations) {
    Connection c = open();
    try (Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE IF NOT EXISTS schema_version ("
              + "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    } catch (SQLException e) {
      throw new StateException(
          Reason.MIGRATION_FAILED,
          "cannot create schema_version in " + file + ": " + e.getMessage(),
          e);
    }
    int current;
    try {
      current = currentVersion(c);
    } catch (SQLException e) {
      throw new StateException(Reason.QUERY_FAILED, e.getMessage(), e);
    }
    int latest = migrations.isEmpty() ? 0 : migrations.get(migrations.size() - 1).version();
    if (current > latest) {
      throw new StateException(
          Reason.NEWER_SCHEMA,
          file
              + " is at schema version "
              + current
              + " but this node knows versions up to "
              + latest);
    }
    for (Migration m : migrations) {
      if (m.version() <= current) {
        continue;
      }
      try {
        inTransaction(
            c,
            tx -> {
              try (Statement s = tx.createStatement()) {
                for (String sql : m.statements()) {
                  s.execute(sql);
                }
              }
              try (PreparedStatement p =
                  tx.prepareStatement(
                      "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)")) {
                p.setInt(1, m.version());
                p.setString(2, m.description());
                p.setLong(3, clock.millis());
                p.executeUpdate();
              }
              return null;
            });
      } catch (SQLException | RuntimeException e) {
        throw new StateException(
            Reason.MIGRATION_FAILED,
            "migration "
                + m.version()
                + " ("
                + m.description()
                + ") of "
                + file
                + " failed: "
                + e.getMessage(),
            e);
      }
      LOG.info("Database {} migrated to version {} ({})", file, m.version(), m.description());
    }
  }

  private static <T> T inTransaction(Connection c, SqlWork<T> work) throws SQLException {
    c.setAutoCommit(false);
    try {
      T result = work.apply(c);
      c.commit();
      return result;
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
      } catch (SQLException rollbackFailure) {
        e.addSuppressed(rollbackFailure);
      }
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  private static int currentVersion(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_version")) {
      return rs.next() ? rs.getInt(1) : 0;
    }
  }

  private static void checkOrder(List<Migration> migrations) {
    for (int i = 0; i < migrations.size(); i++) {
      if (migrations.get(i).version() != i + 1) {
        throw new IllegalArgumentException(
            "migration at index "
                + i
                + " has version "
                + migrations.get(i).version()
                + "; versions must be 1, 2, 3, ... in order");
      }
    }
  }
}
