package org.jgolem.concent.store;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;

/**
 * The few differences between the two databases Concent's store runs on, chosen by the JDBC URL:
 * column types, how an exact amount is written and read, row locks, and which failures are worth a
 * retry. Everything else (ON CONFLICT, RETURNING, partial indexes) is SQL both understand.
 */
enum Dialect {
  /** A file, one writer connection, BEGIN IMMEDIATE. Amounts are decimal TEXT (exact). */
  SQLITE("INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB", "TEXT", "INTEGER", ""),
  /** A server, a small pool, READ COMMITTED with row locks. Amounts are NUMERIC(78,0) (uint256). */
  POSTGRES(
      "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
      "BYTEA",
      "NUMERIC(78,0)",
      "BIGINT",
      " FOR UPDATE");

  private final String id;
  private final String bytes;
  private final String amount;
  private final String bigint;
  private final String forUpdate;

  Dialect(String id, String bytes, String amount, String bigint, String forUpdate) {
    this.id = id;
    this.bytes = bytes;
    this.amount = amount;
    this.bigint = bigint;
    this.forUpdate = forUpdate;
  }

  /** The dialect of {@code jdbcUrl}; a clear error for any other database. */
  static Dialect of(String jdbcUrl) {
    String u = jdbcUrl == null ? "" : jdbcUrl.toLowerCase(Locale.ROOT);
    if (u.startsWith("jdbc:sqlite:")) {
      return SQLITE;
    }
    if (u.startsWith("jdbc:postgresql:")) {
      return POSTGRES;
    }
    throw new IllegalArgumentException(
        "Concent's database must be jdbc:sqlite:FILE or jdbc:postgresql://HOST:PORT/DB, got: "
            + jdbcUrl);
  }

  /** {@code ddl} with its placeholders {ID}, {BYTES}, {AMOUNT} and {LONG} in this dialect. */
  String ddl(String ddl) {
    return ddl.replace("{ID}", id)
        .replace("{BYTES}", bytes)
        .replace("{AMOUNT}", amount)
        .replace("{LONG}", bigint);
  }

  /** Appended to a SELECT that locks the rows it reads (SQLite locks the whole file anyway). */
  String forUpdate() {
    return forUpdate;
  }

  void setAmount(PreparedStatement p, int index, BigInteger value) throws SQLException {
    if (this == POSTGRES) {
      p.setBigDecimal(index, new BigDecimal(value));
    } else {
      p.setString(index, value.toString());
    }
  }

  BigInteger amount(ResultSet rs, int column) throws SQLException {
    if (this == POSTGRES) {
      return rs.getBigDecimal(column).toBigIntegerExact();
    }
    return new BigInteger(rs.getString(column));
  }

  /**
   * True for a failure that a rerun of the same transaction may not meet: PostgreSQL's
   * serialization failure and deadlock, SQLite's busy and locked (after its busy timeout).
   */
  boolean retryable(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SQLException e) {
        if (this == POSTGRES
            && ("40001".equals(e.getSQLState()) || "40P01".equals(e.getSQLState()))) {
          return true;
        }
        int primary = e.getErrorCode() & 0xff;
        if (this == SQLITE && (primary == 5 || primary == 6)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * A statement run first in the migration transaction so that two processes opening one database
   * at once migrate it one after the other (SQLite's BEGIN IMMEDIATE already does).
   */
  String migrationLock() {
    return this == POSTGRES ? "SELECT pg_advisory_xact_lock(1668183662)" : null;
  }
}
