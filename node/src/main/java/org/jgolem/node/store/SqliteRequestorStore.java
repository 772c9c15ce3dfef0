package org.jgolem.node.store;

import java.math.BigInteger;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.jgolem.eth.Address;
import org.jgolem.node.market.requestor.RequestorStore;
import org.jgolem.node.market.requestor.RequestorStore.AssignmentRow;
import org.jgolem.node.market.requestor.RequestorStore.SubtaskRow;
import org.jgolem.node.market.requestor.RequestorStore.TaskRow;
import org.jgolem.node.state.NodeDatabase;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.TaskToCompute;

/**
 * {@link RequestorStore}: the requestor's tasks, subtasks and assignments in the node database
 * (tables {@code req_*}). Signed messages are kept as their CBOR payloads.
 */
public final class SqliteRequestorStore implements RequestorStore {
  private final NodeDatabase db;

  public SqliteRequestorStore(NodeDatabase db) {
    this.db = db;
  }

  @Override
  public void save(TaskRow t, List<SubtaskRow> subtasks, List<AssignmentRow> assignments) {
    db.write(c -> {
      try (PreparedStatement p =
          c.prepareStatement(
              "INSERT INTO req_tasks (id, task_file, work_dir, state, detail, created_at, header, output) "
                  + "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state, "
                  + "detail = excluded.detail, header = excluded.header, output = excluded.output")) {
        p.setString(1, t.id());
        p.setString(2, t.taskFile().toString());
        p.setString(3, t.workDir().toString());
        p.setString(4, t.state());
        p.setString(5, t.detail());
        p.setLong(6, t.createdAt());
        p.setBytes(7, cbor(t.header()));
        p.setString(8, t.output());
        p.executeUpdate();
      }
      if (!subtasks.isEmpty()) {
        try (PreparedStatement p =
            c.prepareStatement(
                "INSERT INTO req_subtasks (task_id, name, state, resources_cid, recompute, accepted_digest, local_digest, detail) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (task_id, name) DO UPDATE SET state = excluded.state, "
                    + "resources_cid = excluded.resources_cid, recompute = excluded.recompute, accepted_digest = excluded.accepted_digest, "
                    + "local_digest = excluded.local_digest, detail = excluded.detail")) {
          for (SubtaskRow s : subtasks) {
            p.setString(1, t.id());
            p.setString(2, s.name());
            p.setString(3, s.state());
            p.setString(4, s.resourcesCid());
            p.setInt(5, s.recompute() ? 1 : 0);
            p.setBytes(6, s.acceptedDigest());
            p.setBytes(7, s.localDigest());
            p.setString(8, s.detail());
            p.addBatch();
          }
          p.executeBatch();
        }
      }
      if (!assignments.isEmpty()) {
        try (PreparedStatement p =
            c.prepareStatement(
                "INSERT INTO req_assignments (id, task_id, subtask, provider, price, deadline, state, ttc, report, digest, "
                    + "result, source, detail, accepted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) "
                    + "DO UPDATE SET state = excluded.state, report = excluded.report, digest = excluded.digest, "
                    + "result = excluded.result, source = excluded.source, detail = excluded.detail, "
                    + "accepted_at = excluded.accepted_at")) {
          for (AssignmentRow a : assignments) {
            p.setString(1, HexFormat.of().formatHex(a.id()));
            p.setString(2, t.id());
            p.setString(3, a.subtask());
            p.setString(4, a.provider().hex());
            p.setString(5, a.price().toString());
            p.setLong(6, a.deadline());
            p.setString(7, a.state());
            p.setBytes(8, cbor(a.ttc()));
            p.setBytes(9, a.report() == null ? null : cbor(a.report()));
            p.setBytes(10, a.digest());
            p.setString(11, a.result());
            p.setString(12, a.source());
            p.setString(13, a.detail());
            p.setLong(14, a.acceptedAt());
            p.addBatch();
          }
          p.executeBatch();
        }
      }
      return null;
    });
  }

  @Override
  public void forgetAssignments(String taskId, String subtask) {
    db.write(c -> {
      try (PreparedStatement p =
          c.prepareStatement("DELETE FROM req_assignments WHERE task_id = ? AND subtask = ?")) {
        p.setString(1, taskId);
        p.setString(2, subtask);
        return p.executeUpdate();
      }
    });
  }

  @Override
  public void forgetAssignmentsById(String taskId, java.util.Collection<String> assignmentIds) {
    db.write(c -> {
      int n = 0;
      try (PreparedStatement p =
          c.prepareStatement("DELETE FROM req_assignments WHERE task_id = ? AND id = ?")) {
        for (String id : assignmentIds) {
          p.setString(1, taskId);
          p.setString(2, id);
          n += p.executeUpdate();
        }
      }
      return n;
    });
  }

  @Override
  public List<TaskRow> tasks() {
    return db.read(c -> {
      List<TaskRow> out = new ArrayList<>();
      try (PreparedStatement p =
              c.prepareStatement(
                  "SELECT id, task_file, work_dir, state, detail, created_at, header, output FROM req_tasks ORDER BY created_at");
          ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.add(
              new TaskRow(
                  rs.getString(1),
                  Path.of(rs.getString(2)),
                  Path.of(rs.getString(3)),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getLong(6),
                  org.jgolem.node.state.Sql.storedHeader(rs.getBytes(7)),
                  rs.getString(8)));
        }
      }
      return out;
    });
  }

  @Override
  public List<SubtaskRow> subtasks(String taskId) {
    return db.read(c -> {
      List<SubtaskRow> out = new ArrayList<>();
      try (PreparedStatement p =
          c.prepareStatement(
              "SELECT name, state, resources_cid, recompute, accepted_digest, "
                  + "local_digest, detail FROM req_subtasks WHERE task_id = ?")) {
        p.setString(1, taskId);
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            out.add(
                new SubtaskRow(
                    rs.getString(1),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getInt(4) == 1,
                    rs.getBytes(5),
                    rs.getBytes(6),
                    rs.getString(7)));
          }
        }
      }
      return out;
    });
  }

  @Override
  public List<AssignmentRow> assignments(String taskId) {
    return db.read(c -> {
      List<AssignmentRow> out = new ArrayList<>();
      try (PreparedStatement p =
          c.prepareStatement(
              "SELECT id, subtask, provider, price, deadline, state, ttc, report, "
                  + "digest, result, source, detail, accepted_at FROM req_assignments WHERE task_id = ? ORDER BY rowid")) {
        p.setString(1, taskId);
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            byte[] report = rs.getBytes(8);
            out.add(
                new AssignmentRow(
                    HexFormat.of().parseHex(rs.getString(1)),
                    rs.getString(2),
                    Address.of(rs.getString(3)),
                    new BigInteger(rs.getString(4)),
                    rs.getLong(5),
                    rs.getString(6),
                    read(rs.getBytes(7), TaskToCompute.class),
                    report == null ? null : read(report, ReportComputedTask.class),
                    rs.getBytes(9),
                    rs.getString(10),
                    rs.getString(11),
                    rs.getString(12),
                    rs.getLong(13)));
          }
        }
      }
      return out;
    });
  }

  private static byte[] cbor(Object payload) {
    return org.jgolem.node.state.Sql.cbor(payload);
  }

  private static <T> T read(byte[] bytes, Class<T> type) {
    return org.jgolem.node.state.Sql.fromCbor(bytes, type);
  }
}
