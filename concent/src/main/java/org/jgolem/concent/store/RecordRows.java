package org.jgolem.concent.store;

import static org.jgolem.concent.store.JdbcConcentTx.failed;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.jgolem.concent.record.CasePage;
import org.jgolem.concent.record.CaseQuery;
import org.jgolem.concent.record.CaseSummary;
import org.jgolem.concent.record.Entry;
import org.jgolem.concent.record.RecordTx;
import org.jgolem.eth.Address;

/**
 * The auditors' record in SQL (migration 3): {@code record_cases}, one row a case, and {@code
 * record_entries}, append only (this class has no UPDATE or DELETE of an entry). The first append
 * to a case in a transaction touches its case's row, which locks it in PostgreSQL, so two
 * transactions appending to one case number their entries one after the other; the next ones in the
 * same transaction number on from there.
 */
final class RecordRows implements RecordTx {
  private static final String COLUMNS =
      "id, kind, requestor, provider, task_id, subtask_id, state, verdict, settlement_tx,"
          + " opened_at, updated_at";

  private final Connections.Session session;

  /** The next entry index of each case appended to in this transaction (valid only inside it). */
  private final java.util.Map<Long, Integer> nextIndex = new java.util.HashMap<>();

  RecordRows(Connections.Session session) {
    this.session = session;
  }

  @Override
  public long subtaskCase(
      Address requestor, Address provider, byte[] taskId, byte[] subtaskId, long now) {
    try {
      PreparedStatement p =
          session.prepare(
              "INSERT INTO record_cases (kind, requestor, provider, task_id, subtask_id, opened_at,"
                  + " updated_at) VALUES ('SUBTASK', ?, ?, ?, ?, ?, ?)"
                  + " ON CONFLICT (requestor, subtask_id) WHERE kind = 'SUBTASK' DO NOTHING");
      p.setString(1, requestor.toString());
      p.setString(2, provider.toString());
      p.setBytes(3, taskId);
      p.setBytes(4, subtaskId);
      p.setLong(5, now);
      p.setLong(6, now);
      p.executeUpdate();
      PreparedStatement q =
          session.prepare(
              "SELECT id FROM record_cases WHERE kind = 'SUBTASK' AND requestor = ?"
                  + " AND subtask_id = ?");
      q.setString(1, requestor.toString());
      q.setBytes(2, subtaskId);
      try (ResultSet rs = q.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw failed("opening the record of a subtask", e);
    }
  }

  @Override
  public long paymentCase(
      Address requestor, Address provider, byte[] taskId, byte[] firstSubtaskId, long now) {
    try {
      PreparedStatement p =
          session.prepare(
              "INSERT INTO record_cases (kind, requestor, provider, task_id, subtask_id, opened_at,"
                  + " updated_at) VALUES ('PAYMENT', ?, ?, ?, ?, ?, ?) RETURNING id");
      p.setString(1, requestor.toString());
      p.setString(2, provider.toString());
      p.setBytes(3, taskId);
      p.setBytes(4, firstSubtaskId);
      p.setLong(5, now);
      p.setLong(6, now);
      try (ResultSet rs = p.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw failed("opening the record of a ForcePayment", e);
    }
  }

  @Override
  public void append(long caseId, Entry entry) {
    try {
      Integer next = nextIndex.get(caseId);
      if (next == null) {
        // The first append to this case in this transaction locks its row, then numbers on.
        PreparedStatement touch =
            session.prepare("UPDATE record_cases SET updated_at = ? WHERE id = ?");
        touch.setLong(1, entry.at());
        touch.setLong(2, caseId);
        if (touch.executeUpdate() != 1) {
          throw new IllegalArgumentException("the record has no case " + caseId);
        }
        PreparedStatement max =
            session.prepare(
                "SELECT COALESCE(MAX(idx) + 1, 0) FROM record_entries WHERE case_id = ?");
        max.setLong(1, caseId);
        try (ResultSet rs = max.executeQuery()) {
          rs.next();
          next = rs.getInt(1);
        }
      }
      PreparedStatement p =
          session.prepare(
              "INSERT INTO record_entries (case_id, idx, kind, at, body) VALUES (?, ?, ?, ?, ?)");
      p.setLong(1, caseId);
      p.setInt(2, next);
      p.setString(3, entry.kind());
      p.setLong(4, entry.at());
      p.setBytes(5, entry.encode());
      p.executeUpdate();
      nextIndex.put(caseId, next + 1);
    } catch (SQLException e) {
      throw failed("appending to the record of case " + caseId, e);
    }
  }

  @Override
  public void mark(long caseId, String state, String verdict, long now) {
    try {
      PreparedStatement p =
          session.prepare(
              "UPDATE record_cases SET state = COALESCE(?, state), verdict = COALESCE(?, verdict),"
                  + " updated_at = ? WHERE id = ?");
      p.setString(1, state);
      p.setString(2, verdict);
      p.setLong(3, now);
      p.setLong(4, caseId);
      p.executeUpdate();
    } catch (SQLException e) {
      throw failed("marking case " + caseId + " of the record", e);
    }
  }

  @Override
  public void linkSettlement(long caseId, long settlementId) {
    try {
      PreparedStatement p =
          session.prepare("UPDATE record_cases SET settlement_id = ? WHERE id = ?");
      p.setLong(1, settlementId);
      p.setLong(2, caseId);
      p.executeUpdate();
    } catch (SQLException e) {
      throw failed("linking case " + caseId + " to its settlement", e);
    }
  }

  @Override
  public OptionalLong caseOfSettlement(long settlementId) {
    try {
      PreparedStatement p =
          session.prepare(
              "SELECT id FROM record_cases WHERE settlement_id = ? ORDER BY id LIMIT 1");
      p.setLong(1, settlementId);
      try (ResultSet rs = p.executeQuery()) {
        return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
      }
    } catch (SQLException e) {
      throw failed("finding the case of settlement " + settlementId, e);
    }
  }

  @Override
  public void settled(long caseId, String transactionHash, long now) {
    try {
      PreparedStatement p =
          session.prepare("UPDATE record_cases SET settlement_tx = ?, updated_at = ? WHERE id = ?");
      p.setString(1, transactionHash);
      p.setLong(2, now);
      p.setLong(3, caseId);
      p.executeUpdate();
    } catch (SQLException e) {
      throw failed("recording the settlement of case " + caseId, e);
    }
  }

  @Override
  public CasePage cases(CaseQuery q) {
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM record_cases WHERE id > ?");
    List<Object> args = new ArrayList<>();
    args.add(q.afterId());
    q.node()
        .ifPresent(n -> {
          sql.append(" AND (requestor = ? OR provider = ?)");
          args.add(n.toString());
          args.add(n.toString());
        });
    q.taskId()
        .ifPresent(t -> {
          sql.append(" AND task_id = ?");
          args.add(t);
        });
    q.state()
        .ifPresent(s -> {
          sql.append(" AND state = ?");
          args.add(s);
        });
    q.verdict()
        .ifPresent(v -> {
          sql.append(" AND verdict = ?");
          args.add(v);
        });
    sql.append(" ORDER BY id LIMIT ?");
    args.add(q.limit() + 1);
    try {
      PreparedStatement p = session.prepare(sql.toString());
      for (int i = 0; i < args.size(); i++) {
        Object a = args.get(i);
        switch (a) {
          case Long l -> p.setLong(i + 1, l);
          case Integer n -> p.setInt(i + 1, n);
          case byte[] b -> p.setBytes(i + 1, b);
          default -> p.setString(i + 1, (String) a);
        }
      }
      List<CaseSummary> out = new ArrayList<>();
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.add(read(rs));
        }
      }
      if (out.size() > q.limit()) {
        List<CaseSummary> page = out.subList(0, q.limit());
        return new CasePage(page, OptionalLong.of(page.get(page.size() - 1).id()));
      }
      return new CasePage(out, OptionalLong.empty());
    } catch (SQLException e) {
      throw failed("listing the record's cases", e);
    }
  }

  @Override
  public Optional<CaseSummary> find(long caseId) {
    try {
      PreparedStatement p =
          session.prepare("SELECT " + COLUMNS + " FROM record_cases WHERE id = ?");
      p.setLong(1, caseId);
      try (ResultSet rs = p.executeQuery()) {
        return rs.next() ? Optional.of(read(rs)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw failed("reading case " + caseId + " of the record", e);
    }
  }

  @Override
  public List<Entry> entries(long caseId) {
    try {
      PreparedStatement p =
          session.prepare("SELECT body FROM record_entries WHERE case_id = ? ORDER BY idx");
      p.setLong(1, caseId);
      List<Entry> out = new ArrayList<>();
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.add(Entry.decode(rs.getBytes(1)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw failed("reading the entries of case " + caseId, e);
    }
  }

  private static CaseSummary read(ResultSet rs) throws SQLException {
    return new CaseSummary(
        rs.getLong(1),
        CaseSummary.Kind.valueOf(rs.getString(2)),
        Address.of(rs.getString(3)),
        Address.of(rs.getString(4)),
        rs.getBytes(5),
        rs.getBytes(6),
        rs.getString(7),
        rs.getString(8),
        rs.getString(9),
        rs.getLong(10),
        rs.getLong(11));
  }
}
