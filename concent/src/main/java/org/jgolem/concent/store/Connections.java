package org.jgolem.concent.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Where the store's transactions get their connection: SQLite's one writer connection (a fair lock
 * hands it to one transaction at a time; its prepared statements are kept), or a small HikariCP
 * pool for PostgreSQL (the driver keeps the prepared statements of each pooled connection).
 */
abstract class Connections implements AutoCloseable {
  /** A connection lent to one transaction. */
  abstract Session acquire() throws SQLException;

  abstract void release(Session s);

  @Override
  public abstract void close();

  static Connections open(Dialect dialect, String jdbcUrl, int poolSize) throws SQLException {
    return dialect == Dialect.SQLITE ? new Sqlite(jdbcUrl) : new Postgres(jdbcUrl, poolSize);
  }

  /** A connection in use, its transaction control and its prepared statements. */
  abstract static class Session {
    final Connection connection;

    Session(Connection connection) {
      this.connection = connection;
    }

    abstract PreparedStatement prepare(String sql) throws SQLException;

    abstract void begin() throws SQLException;

    abstract void commit() throws SQLException;

    abstract void rollback() throws SQLException;

    /** After commit or rollback: closes what this transaction opened. */
    abstract void end();
  }

  // ---------------------------------------------------------------- SQLite

  private static final class Sqlite extends Connections {
    private final ReentrantLock lock = new ReentrantLock(true);
    private final SqliteSession session;
    private boolean closed;

    Sqlite(String jdbcUrl) throws SQLException {
      Properties p = new Properties();
      p.setProperty("journal_mode", "WAL");
      p.setProperty("synchronous", "NORMAL");
      p.setProperty("foreign_keys", "true");
      p.setProperty("busy_timeout", "10000");
      session = new SqliteSession(DriverManager.getConnection(jdbcUrl, p));
    }

    @Override
    Session acquire() throws SQLException {
      lock.lock();
      if (closed) {
        lock.unlock();
        throw new SQLException("the store is closed");
      }
      return session;
    }

    @Override
    void release(Session s) {
      lock.unlock();
    }

    @Override
    public void close() {
      lock.lock();
      try {
        if (!closed) {
          closed = true;
          session.closeAll();
        }
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * Autocommit stays on between transactions, each of which is an explicit BEGIN IMMEDIATE: the
   * write lock is taken at the start (no deadlock between two writers upgrading their locks) and
   * not held between transactions.
   */
  private static final class SqliteSession extends Session {
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private boolean inTransaction;

    SqliteSession(Connection c) {
      super(c);
    }

    @Override
    PreparedStatement prepare(String sql) throws SQLException {
      PreparedStatement p = statements.get(sql);
      if (p == null) {
        p = connection.prepareStatement(sql);
        statements.put(sql, p);
      } else {
        p.clearParameters();
      }
      return p;
    }

    @Override
    void begin() throws SQLException {
      exec("BEGIN IMMEDIATE");
      inTransaction = true;
    }

    @Override
    void commit() throws SQLException {
      exec("COMMIT");
      inTransaction = false;
    }

    @Override
    void rollback() throws SQLException {
      if (inTransaction) {
        inTransaction = false;
        exec("ROLLBACK");
      }
    }

    @Override
    void end() {}

    private void exec(String sql) throws SQLException {
      try (Statement s = connection.createStatement()) {
        s.execute(sql);
      }
    }

    void closeAll() {
      for (PreparedStatement p : statements.values()) {
        try {
          p.close();
        } catch (SQLException e) {
          // closing anyway
        }
      }
      statements.clear();
      try {
        connection.close();
      } catch (SQLException e) {
        // closing anyway
      }
    }
  }

  // ---------------------------------------------------------------- PostgreSQL

  private static final class Postgres extends Connections {
    private final HikariDataSource pool;

    Postgres(String jdbcUrl, int poolSize) throws SQLException {
      HikariConfig c = new HikariConfig();
      c.setJdbcUrl(jdbcUrl);
      c.setPoolName("concent-db");
      c.setMaximumPoolSize(poolSize);
      c.setMinimumIdle(1);
      c.setAutoCommit(false);
      c.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
      c.setConnectionTimeout(30_000);
      try {
        pool = new HikariDataSource(c);
      } catch (RuntimeException e) {
        throw new SQLException(e.getMessage(), e);
      }
    }

    @Override
    Session acquire() throws SQLException {
      return new PgSession(pool.getConnection());
    }

    @Override
    void release(Session s) {
      try {
        s.connection.close();
      } catch (SQLException e) {
        // the pool discards it
      }
    }

    @Override
    public void close() {
      pool.close();
    }
  }

  private static final class PgSession extends Session {
    private final List<PreparedStatement> open = new ArrayList<>();

    PgSession(Connection c) {
      super(c);
    }

    @Override
    PreparedStatement prepare(String sql) throws SQLException {
      PreparedStatement p = connection.prepareStatement(sql);
      open.add(p);
      return p;
    }

    @Override
    void begin() {}

    @Override
    void commit() throws SQLException {
      connection.commit();
    }

    @Override
    void rollback() throws SQLException {
      connection.rollback();
    }

    @Override
    void end() {
      for (PreparedStatement p : open) {
        try {
          p.close();
        } catch (SQLException e) {
          // closing anyway
        }
      }
      open.clear();
    }
  }
}
