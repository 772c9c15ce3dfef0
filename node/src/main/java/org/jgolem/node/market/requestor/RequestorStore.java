package org.jgolem.node.market.requestor;

import java.math.BigInteger;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.jgolem.eth.Address;
import org.jgolem.node.market.requestor.RequestorModel.Assignment;
import org.jgolem.node.market.requestor.RequestorModel.Subtask;
import org.jgolem.node.market.requestor.RequestorModel.Task;
import org.jgolem.node.state.NodeDatabase;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskToCompute;

/**
 * The requestor's tasks, subtasks and assignments in the node database (tables {@code req_*}), written on
 * every transition so that a requestor killed at any point resumes where it was. Signed messages are
 * kept as their CBOR payloads, so what was sent can be shown again (to the provider, or to Concent).
 */
public final class RequestorStore {
  private final NodeDatabase db;

  public RequestorStore(NodeDatabase db) {
    this.db = db;
  }

  /** A stored task's row. */
  public record TaskRow(String id, Path taskFile, Path workDir, String state, String detail, long createdAt,
      TaskHeader header, String output) {}

  public record SubtaskRow(String name, String state, String resourcesCid, boolean recompute, byte[] acceptedDigest,
      byte[] localDigest, String detail) {}

  public record AssignmentRow(byte[] id, String subtask, Address provider, BigInteger price, long deadline, String state,
      TaskToCompute ttc, ReportComputedTask report, byte[] digest, String result, String source, String detail,
      long acceptedAt) {}

  /** Writes the task, the given subtasks and assignments in one transaction. */
  public void save(Task t, List<Subtask> subtasks, List<Assignment> assignments, java.util.Map<String, String> sources) {
    db.write(c -> {
      try (PreparedStatement p = c.prepareStatement(
          "INSERT INTO req_tasks (id, task_file, work_dir, state, detail, created_at, header, output) "
              + "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state, "
              + "detail = excluded.detail, header = excluded.header, output = excluded.output")) {
        p.setString(1, t.idHex());
        p.setString(2, t.file.file().toString());
        p.setString(3, t.workDir.toString());
        p.setString(4, t.state.name());
        p.setString(5, t.detail);
        p.setLong(6, t.createdAt);
        p.setBytes(7, cbor(t.header));
        p.setString(8, t.output == null ? null : t.output.toString());
        p.executeUpdate();
      }
      if (!subtasks.isEmpty()) {
        try (PreparedStatement p = c.prepareStatement(
            "INSERT INTO req_subtasks (task_id, name, state, resources_cid, recompute, accepted_digest, local_digest, detail) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (task_id, name) DO UPDATE SET state = excluded.state, "
                + "resources_cid = excluded.resources_cid, recompute = excluded.recompute, accepted_digest = excluded.accepted_digest, "
                + "local_digest = excluded.local_digest, detail = excluded.detail")) {
          for (Subtask s : subtasks) {
            p.setString(1, t.idHex());
            p.setString(2, s.name());
            p.setString(3, s.state.name());
            p.setString(4, s.resourcesCid);
            p.setInt(5, s.recompute ? 1 : 0);
            p.setBytes(6, s.acceptedDigest);
            p.setBytes(7, s.localDigest);
            p.setString(8, s.detail);
            p.addBatch();
          }
          p.executeBatch();
        }
      }
      if (!assignments.isEmpty()) {
        try (PreparedStatement p = c.prepareStatement(
            "INSERT INTO req_assignments (id, task_id, subtask, provider, price, deadline, state, ttc, report, digest, "
                + "result, source, detail, accepted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) "
                + "DO UPDATE SET state = excluded.state, report = excluded.report, digest = excluded.digest, "
                + "result = excluded.result, source = excluded.source, detail = excluded.detail, "
                + "accepted_at = excluded.accepted_at")) {
          for (Assignment a : assignments) {
            p.setString(1, a.idHex());
            p.setString(2, t.idHex());
            p.setString(3, a.subtask);
            p.setString(4, a.provider.hex());
            p.setString(5, a.price.toString());
            p.setLong(6, a.deadline);
            p.setString(7, a.state.name());
            p.setBytes(8, cbor(a.ttc));
            p.setBytes(9, a.report == null ? null : cbor(a.report));
            p.setBytes(10, a.digest);
            p.setString(11, a.result == null ? null : a.result.toString());
            p.setString(12, sources.get(a.idHex()));
            p.setString(13, a.detail);
            p.setLong(14, a.acceptedAt);
            p.addBatch();
          }
          p.executeBatch();
        }
      }
      return null;
    });
  }

  /** A subtask restarted by the operator forgets its assignments. */
  public void forgetAssignments(Task t, String subtask) {
    db.write(c -> {
      try (PreparedStatement p = c.prepareStatement("DELETE FROM req_assignments WHERE task_id = ? AND subtask = ?")) {
        p.setString(1, t.idHex());
        p.setString(2, subtask);
        return p.executeUpdate();
      }
    });
  }

  /** Deletes the named assignments of a task. */
  public void forgetAssignmentsById(Task t, java.util.Collection<String> assignmentIds) {
    db.write(c -> {
      int n = 0;
      try (PreparedStatement p = c.prepareStatement("DELETE FROM req_assignments WHERE task_id = ? AND id = ?")) {
        for (String id : assignmentIds) {
          p.setString(1, t.idHex());
          p.setString(2, id);
          n += p.executeUpdate();
        }
      }
      return n;
    });
  }

  public List<TaskRow> tasks() {
    return db.read(c -> {
      List<TaskRow> out = new ArrayList<>();
      try (PreparedStatement p = c.prepareStatement(
          "SELECT id, task_file, work_dir, state, detail, created_at, header, output FROM req_tasks ORDER BY created_at");
          ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.add(new TaskRow(rs.getString(1), Path.of(rs.getString(2)), Path.of(rs.getString(3)), rs.getString(4),
              rs.getString(5), rs.getLong(6), read(rs.getBytes(7), TaskHeader.class), rs.getString(8)));
        }
      }
      return out;
    });
  }

  public List<SubtaskRow> subtasks(String taskId) {
    return db.read(c -> {
      List<SubtaskRow> out = new ArrayList<>();
      try (PreparedStatement p = c.prepareStatement("SELECT name, state, resources_cid, recompute, accepted_digest, "
          + "local_digest, detail FROM req_subtasks WHERE task_id = ?")) {
        p.setString(1, taskId);
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            out.add(new SubtaskRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4) == 1, rs.getBytes(5),
                rs.getBytes(6), rs.getString(7)));
          }
        }
      }
      return out;
    });
  }

  public List<AssignmentRow> assignments(String taskId) {
    return db.read(c -> {
      List<AssignmentRow> out = new ArrayList<>();
      try (PreparedStatement p = c.prepareStatement("SELECT id, subtask, provider, price, deadline, state, ttc, report, "
          + "digest, result, source, detail, accepted_at FROM req_assignments WHERE task_id = ? ORDER BY rowid")) {
        p.setString(1, taskId);
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            byte[] report = rs.getBytes(8);
            out.add(new AssignmentRow(HexFormat.of().parseHex(rs.getString(1)), rs.getString(2), Address.of(rs.getString(3)),
                new BigInteger(rs.getString(4)), rs.getLong(5), rs.getString(6), read(rs.getBytes(7), TaskToCompute.class),
                report == null ? null : read(report, ReportComputedTask.class), rs.getBytes(9), rs.getString(10),
                rs.getString(11), rs.getString(12), rs.getLong(13)));
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
