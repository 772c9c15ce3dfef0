package org.jgolem.node.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.jgolem.node.market.provider.ProviderStore;
import org.jgolem.node.market.provider.ProviderStore.JobRow;
import org.jgolem.node.state.NodeDatabase;
import org.jgolem.node.state.Sql;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskToCompute;

/**
 * {@link ProviderStore}: a provider's unsettled jobs in the node database (table {@code
 * prov_jobs}).
 */
public final class SqliteProviderStore implements ProviderStore {
  private final NodeDatabase db;
  private final Clock clock;

  public SqliteProviderStore(NodeDatabase db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  @Override
  public void save(TaskHeader header, TaskToCompute ttc, String state, ReportComputedTask report) {
    db.write(c ->
        Sql.exec(
            c,
            "INSERT INTO prov_jobs (subtask_id, task_id, requestor, header, ttc, state, report, updated_at) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (subtask_id) DO UPDATE SET state = excluded.state, "
                + "report = excluded.report, updated_at = excluded.updated_at",
            HexFormat.of().formatHex(ttc.subtaskId()),
            HexFormat.of().formatHex(ttc.taskId()),
            ttc.requestor().hex(),
            Sql.cbor(header),
            Sql.cbor(ttc),
            state,
            report == null ? null : Sql.cbor(report),
            clock.millis()));
  }

  @Override
  public void delete(byte[] subtaskId) {
    db.write(c ->
        Sql.exec(
            c, "DELETE FROM prov_jobs WHERE subtask_id = ?", HexFormat.of().formatHex(subtaskId)));
  }

  @Override
  public List<JobRow> jobs() {
    return db.read(c -> {
      List<JobRow> out = new ArrayList<>();
      try (PreparedStatement p =
              c.prepareStatement(
                  "SELECT header, ttc, state, report FROM prov_jobs ORDER BY updated_at");
          ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          byte[] report = rs.getBytes(4);
          out.add(
              new JobRow(
                  Sql.storedHeader(rs.getBytes(1)),
                  Sql.fromCbor(rs.getBytes(2), TaskToCompute.class),
                  rs.getString(3),
                  report == null ? null : Sql.fromCbor(report, ReportComputedTask.class)));
        }
      }
      return out;
    });
  }
}
