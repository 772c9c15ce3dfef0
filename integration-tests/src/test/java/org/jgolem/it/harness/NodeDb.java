package org.jgolem.it.harness;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jgolem.eth.Address;
import org.jgolem.it.harness.DbFacts.Assignment;
import org.jgolem.it.harness.DbFacts.AssignmentState;
import org.jgolem.it.harness.DbFacts.Ranking;
import org.jgolem.node.state.NodeDatabase;

/**
 * A node's SQLite database, read (read-only) beside the running node: the queries into its private schema behind
 * {@link DbFacts}, and nowhere else.
 */
final class NodeDb {
  private final Path file;

  NodeDb(NodeProcess node) {
    this.file = node.dataDir().resolve(NodeDatabase.FILE_NAME);
  }

  List<Assignment> assignments(String taskId) {
    return query("SELECT id, task_id, subtask, provider, price, deadline, state, detail FROM req_assignments "
        + "WHERE task_id = ? ORDER BY rowid", ps -> ps.setString(1, taskId), rs -> new Assignment(rs.getString(1),
            rs.getString(2), rs.getString(3), Address.of(rs.getString(4)), new java.math.BigInteger(rs.getString(5)),
            rs.getLong(6), AssignmentState.valueOf(rs.getString(7)), rs.getString(8)));
  }

  /** The provider's jobs (subtask id, hex) in {@code state}: COMPUTING once the sandbox has started, REPORTED... */
  List<String> providerJobs(String state) {
    return query("SELECT subtask_id FROM prov_jobs WHERE state = ? ORDER BY updated_at", ps -> ps.setString(1, state),
        rs -> rs.getString(1));
  }

  /** Every job the provider holds (subtask ids, hex): a settled, failed or cancelled one is forgotten. */
  List<String> providerJobs() {
    return query("SELECT subtask_id FROM prov_jobs ORDER BY updated_at", ps -> {}, rs -> rs.getString(1));
  }

  Optional<Ranking> providerReputation(Address provider) {
    return query("SELECT accepted, wrong, timeouts, failures FROM reputation WHERE role = 'PROVIDER' AND node_id = ?",
        ps -> ps.setString(1, provider.hex()), rs -> new Ranking(rs.getLong(1), rs.getLong(2), rs.getLong(3),
            rs.getLong(4))).stream().findFirst();
  }

  interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  interface Row<T> {
    T read(ResultSet rs) throws SQLException;
  }

  private <T> List<T> query(String sql, Binder binder, Row<T> row) {
    org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
    config.setReadOnly(true);
    config.setBusyTimeout(10_000);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file, config.toProperties());
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setQueryTimeout(10);
      binder.bind(ps);
      List<T> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) out.add(row.read(rs));
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException("reading " + file + ": " + e.getMessage(), e);
    }
  }
}
