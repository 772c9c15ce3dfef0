package org.jgolem.node.state;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import org.jgolem.protocol.messages.market.TaskHeader;

/** Small JDBC helpers shared by the node's SQLite stores. */
public final class Sql {
  private Sql() {}

  /** Runs an update with positional arguments; returns the rows changed. */
  public static int exec(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(sql)) {
      bind(p, args);
      return p.executeUpdate();
    }
  }

  /**
   * Binds arguments in order: null, Long, Integer, byte[] (a BLOB), anything else as its string.
   */
  public static void bind(PreparedStatement p, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      Object a = args[i];
      if (a == null) {
        p.setNull(i + 1, Types.NULL);
      } else if (a instanceof Long l) {
        p.setLong(i + 1, l);
      } else if (a instanceof Integer n) {
        p.setInt(i + 1, n);
      } else if (a instanceof byte[] b) {
        p.setBytes(i + 1, b);
      } else {
        p.setString(i + 1, a.toString());
      }
    }
  }

  /** A column that may be NULL, as a Long. */
  public static Long nullableLong(ResultSet rs, int column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : v;
  }

  /** A signed protocol message (or any payload) as the CBOR bytes it is stored as. */
  public static byte[] cbor(Object payload) {
    try {
      return org.jgolem.protocol.messages.Cbor.MAPPER.writeValueAsBytes(payload);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Reads back what {@link #cbor} stored; a row that does not decode is an error naming the type.
   */
  public static <T> T fromCbor(byte[] bytes, Class<T> type) {
    try {
      return org.jgolem.protocol.messages.Cbor.MAPPER.readValue(bytes, type);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(
          "stored " + type.getSimpleName() + " does not decode", e);
    }
  }

  /**
   * A task header as stored by {@link #cbor}. A header stored before headers carried {@code
   * concentEnabled} (issue #16) is read as one without Concent; its signature no longer checks
   * under the current EIP-712 type, so the requestor signs its own again when it resumes the task.
   */
  public static TaskHeader storedHeader(byte[] bytes) {
    try {
      return org.jgolem.protocol.messages.Cbor.MAPPER.readValue(bytes, TaskHeader.class);
    } catch (java.io.IOException e) {
      if (e.getMessage() == null || !e.getMessage().contains("'concentEnabled'")) {
        throw new java.io.UncheckedIOException("stored TaskHeader does not decode", e);
      }
      try {
        return BEFORE_CONCENT.readValue(bytes, TaskHeader.class);
      } catch (java.io.IOException again) {
        throw new java.io.UncheckedIOException("stored TaskHeader does not decode", again);
      }
    }
  }

  /** The payload codec, letting a stored header lack {@code concentEnabled} (read as false). */
  private static final com.fasterxml.jackson.databind.ObjectMapper BEFORE_CONCENT =
      org.jgolem.protocol.messages.Cbor.MAPPER
          .copy()
          .disable(
              com.fasterxml.jackson.databind.DeserializationFeature
                  .FAIL_ON_MISSING_CREATOR_PROPERTIES,
              com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
}
