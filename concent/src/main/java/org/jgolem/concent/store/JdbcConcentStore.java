package org.jgolem.concent.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Function;
import org.jgolem.concent.service.ConcentStore;
import org.jgolem.concent.service.ConcentTx;
import org.jgolem.concent.service.StaleCaseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Concent's store over JDBC, one code base for SQLite ({@code jdbc:sqlite:FILE}, the default) and
 * PostgreSQL ({@code jdbc:postgresql://HOST:PORT/DB?user=...}), told apart by the URL ({@link
 * Dialect}). The schema ({@link Schema}) is migrated when the store opens.
 *
 * <p>Transactions. SQLite: one writer connection, each transaction a BEGIN IMMEDIATE, so
 * transactions of this process run one at a time and another process's writer waits (busy timeout).
 * PostgreSQL: a small pool (HikariCP), READ COMMITTED; a deposit claim locks its payer's row
 * ({@code SELECT ... FOR UPDATE} on {@code payers}, as Golem's Bankster did) so that claims on one
 * deposit are serialized and never over-reserve, while claims on other payers run in parallel; a
 * case is saved only if its stored version is the one it was read at (optimistic locking, {@link
 * StaleCaseException}).
 *
 * <p>Retries. A transaction that fails with {@link StaleCaseException}, a PostgreSQL serialization
 * failure or deadlock, or SQLite busy/locked is rolled back and run again, at most {@link
 * #MAX_ATTEMPTS} times in all, at once (no sleep: busy waits happen inside the database). This is
 * safe because the work is a function of what it reads in the transaction: it must not act outside
 * the database (send, sign, pay) before the transaction returns.
 */
public final class JdbcConcentStore implements ConcentStore {
  private static final Logger LOG = LoggerFactory.getLogger(JdbcConcentStore.class);

  /** How many times a transaction is run at most before its conflict is rethrown. */
  public static final int MAX_ATTEMPTS = 8;

  /** PostgreSQL connections: enough for 2 cores and the HTTP server's workers. */
  public static final int DEFAULT_POOL_SIZE = 8;

  private final Dialect dialect;
  private final String where;
  private final Connections connections;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final ThreadLocal<Boolean> inTransaction = ThreadLocal.withInitial(() -> false);

  private JdbcConcentStore(Dialect dialect, String where, Connections connections, Clock clock) {
    this.dialect = dialect;
    this.where = where;
    this.connections = connections;
    this.clock = clock;
  }

  /** Opens (creating and migrating) the database at {@code jdbcUrl}. */
  public static JdbcConcentStore open(String jdbcUrl, Clock clock) {
    return open(jdbcUrl, clock, DEFAULT_POOL_SIZE);
  }

  /** Opens (creating and migrating) the SQLite database in {@code file}, Concent's default. */
  public static JdbcConcentStore openFile(Path file, Clock clock) {
    return open("jdbc:sqlite:" + file.toAbsolutePath(), clock);
  }

  /** The same with {@code poolSize} PostgreSQL connections (SQLite always has one). */
  public static JdbcConcentStore open(String jdbcUrl, Clock clock, int poolSize) {
    Objects.requireNonNull(clock, "clock");
    Dialect dialect = Dialect.of(jdbcUrl);
    if (poolSize < 1) {
      throw new IllegalArgumentException("the pool needs at least one connection, got " + poolSize);
    }
    String where = withoutSecrets(jdbcUrl);
    if (dialect == Dialect.SQLITE) {
      createParentFolder(jdbcUrl);
    }
    Connections connections;
    try {
      connections = Connections.open(dialect, jdbcUrl, poolSize);
    } catch (SQLException e) {
      throw new StoreException(
          "cannot open Concent's database " + where + ": " + e.getMessage(), e);
    }
    JdbcConcentStore store = new JdbcConcentStore(dialect, where, connections, clock);
    try {
      store.migrate();
    } catch (RuntimeException e) {
      connections.close();
      throw e;
    }
    return store;
  }

  /** Which database this is: {@code SQLITE} or {@code POSTGRES}. */
  public String kind() {
    return dialect.name();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Transactions do not nest: calling this from inside {@code work} is refused (on SQLite it
   * could not begin, on PostgreSQL it would wait for a lock its own thread holds).
   */
  @Override
  public <T> T transaction(Function<ConcentTx, T> work) {
    Objects.requireNonNull(work, "work");
    if (inTransaction.get()) {
      throw new IllegalStateException("a store transaction was started inside another one");
    }
    inTransaction.set(true);
    try {
      return withRetries(work);
    } finally {
      inTransaction.set(false);
    }
  }

  private <T> T withRetries(Function<ConcentTx, T> work) {
    for (int attempt = 1; ; attempt++) {
      try {
        return attempt(work);
      } catch (StaleCaseException e) {
        if (attempt >= MAX_ATTEMPTS) {
          throw e;
        }
        LOG.debug("Retrying a transaction on a stale case ({}): {}", attempt, e.getMessage());
      } catch (StoreException e) {
        if (attempt >= MAX_ATTEMPTS || !dialect.retryable(e)) {
          throw e;
        }
        LOG.debug("Retrying a transaction after a conflict ({}): {}", attempt, e.getMessage());
      }
    }
  }

  private <T> T attempt(Function<ConcentTx, T> work) {
    Connections.Session s;
    try {
      s = connections.acquire();
    } catch (SQLException e) {
      throw new StoreException("no connection to " + where + ": " + e.getMessage(), e);
    }
    try {
      boolean committed = false;
      try {
        s.begin();
        T result = work.apply(new JdbcConcentTx(s, dialect, clock, random));
        s.commit();
        committed = true;
        return result;
      } catch (SQLException e) {
        throw new StoreException("a transaction on " + where + " failed: " + e.getMessage(), e);
      } finally {
        if (!committed) {
          try {
            s.rollback();
          } catch (SQLException e) {
            LOG.warn("Rolling back a transaction on {} failed: {}", where, e.getMessage());
          }
        }
        s.end();
      }
    } finally {
      connections.release(s);
    }
  }

  private void migrate() {
    inOneTransaction(s -> {
      String lock = dialect.migrationLock();
      if (lock != null) {
        s.prepare(lock).execute();
      }
      s.prepare(dialect.ddl(Schema.VERSION_TABLE)).execute();
      int current;
      try (ResultSet rs =
          s.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version").executeQuery()) {
        rs.next();
        current = rs.getInt(1);
      }
      int latest = Schema.ALL.get(Schema.ALL.size() - 1).version();
      if (current > latest) {
        throw new StoreException(
            where
                + " is at schema version "
                + current
                + " but this Concent knows versions up to "
                + latest,
            null);
      }
      for (Schema.Migration m : Schema.ALL) {
        if (m.version() <= current) {
          continue;
        }
        try (Statement st = s.connection.createStatement()) {
          for (String sql : m.statements()) {
            String only = sql.startsWith(Schema.SQLITE) ? Schema.SQLITE : null;
            only = sql.startsWith(Schema.POSTGRES) ? Schema.POSTGRES : only;
            if (only != null) {
              boolean mine = only.equals(Schema.SQLITE) == (dialect == Dialect.SQLITE);
              if (!mine) {
                continue;
              }
              sql = sql.substring(only.length());
            }
            st.execute(dialect.ddl(sql));
          }
        }
        PreparedStatement p =
            s.prepare(
                "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)");
        p.setInt(1, m.version());
        p.setString(2, m.description());
        p.setLong(3, clock.millis());
        p.executeUpdate();
        LOG.info("Concent's database {} migrated to version {}", where, m.version());
      }
      return null;
    });
  }

  private interface SqlWork<T> {
    T apply(Connections.Session s) throws SQLException;
  }

  private <T> T inOneTransaction(SqlWork<T> work) {
    return transaction(tx -> {
      try {
        return work.apply(((JdbcConcentTx) tx).session());
      } catch (SQLException e) {
        throw new StoreException("migrating " + where + " failed: " + e.getMessage(), e);
      }
    });
  }

  @Override
  public void close() {
    connections.close();
  }

  private static void createParentFolder(String jdbcUrl) {
    String file = jdbcUrl.substring("jdbc:sqlite:".length());
    int q = file.indexOf('?');
    if (q >= 0) {
      file = file.substring(0, q);
    }
    if (file.isEmpty() || file.startsWith(":memory:") || file.startsWith("file:")) {
      return;
    }
    Path parent = Path.of(file).toAbsolutePath().getParent();
    try {
      Files.createDirectories(parent);
    } catch (IOException e) {
      throw new StoreException("cannot create the folder " + parent + ": " + e.getMessage(), e);
    }
  }

  /** The URL without a password, for messages and logs. */
  static String withoutSecrets(String jdbcUrl) {
    return jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1***");
  }
}
