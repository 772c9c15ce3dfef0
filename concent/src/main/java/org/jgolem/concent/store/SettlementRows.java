package org.jgolem.concent.store;

import static org.jgolem.concent.store.JdbcConcentTx.failed;

import java.math.BigInteger;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jgolem.concent.service.Claim;
import org.jgolem.concent.service.Settlement;
import org.jgolem.eth.Address;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.Purpose;
import org.jgolem.protocol.notes.SignedNote;

/** Settlements and the signed notes backing each (one row per note, in order). */
final class SettlementRows {
  private final Connections.Session session;
  private final Dialect dialect;

  SettlementRows(Connections.Session session, Dialect dialect) {
    this.session = session;
    this.dialect = dialect;
  }

  long add(Settlement s) {
    try {
      PreparedStatement p =
          session.prepare(
              "INSERT INTO settlements (use_case, payer, payee, amount, closure_time, status,"
                  + " tx_hash, raw_tx, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
      p.setString(1, s.useCase().name());
      p.setString(2, s.payer().toString());
      p.setString(3, s.payee().toString());
      dialect.setAmount(p, 4, s.amount());
      p.setLong(5, s.closureTime());
      p.setString(6, s.status().name());
      p.setString(7, s.transactionHash());
      p.setBytes(8, s.rawTransaction());
      p.setLong(9, s.createdAt());
      long id;
      try (ResultSet rs = p.executeQuery()) {
        rs.next();
        id = rs.getLong(1);
      }
      insertNotes(id, s.notes());
      return id;
    } catch (SQLException e) {
      throw failed("recording " + s, e);
    }
  }

  /** Replaces every field of the stored settlement {@code s.id()}, its notes included. */
  void update(Settlement s) {
    try {
      PreparedStatement p =
          session.prepare(
              "UPDATE settlements SET use_case = ?, payer = ?, payee = ?, amount = ?,"
                  + " closure_time = ?, status = ?, tx_hash = ?, raw_tx = ?, created_at = ?"
                  + " WHERE id = ?");
      p.setString(1, s.useCase().name());
      p.setString(2, s.payer().toString());
      p.setString(3, s.payee().toString());
      dialect.setAmount(p, 4, s.amount());
      p.setLong(5, s.closureTime());
      p.setString(6, s.status().name());
      p.setString(7, s.transactionHash());
      p.setBytes(8, s.rawTransaction());
      p.setLong(9, s.createdAt());
      p.setLong(10, s.id());
      if (p.executeUpdate() != 1) {
        throw new IllegalArgumentException("no settlement " + s.id() + " is stored: " + s);
      }
      PreparedStatement drop =
          session.prepare("DELETE FROM settlement_notes WHERE settlement_id = ?");
      drop.setLong(1, s.id());
      drop.executeUpdate();
      insertNotes(s.id(), s.notes());
    } catch (SQLException e) {
      throw failed("updating " + s, e);
    }
  }

  /** The first {@code limit} settlements in {@code status}, oldest first. */
  List<Settlement> list(Settlement.Status status, int limit) {
    try {
      PreparedStatement p =
          session.prepare(
              "SELECT id, use_case, payer, payee, amount, closure_time, status, tx_hash, raw_tx,"
                  + " created_at FROM settlements WHERE status = ? ORDER BY id LIMIT ?");
      p.setString(1, status.name());
      p.setInt(2, limit);
      record Row(
          long id,
          Claim.UseCase useCase,
          Address payer,
          Address payee,
          BigInteger amount,
          long closure,
          Settlement.Status status,
          String hash,
          byte[] raw,
          long created) {}
      List<Row> rows = new ArrayList<>();
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          rows.add(
              new Row(
                  rs.getLong(1),
                  Claim.UseCase.valueOf(rs.getString(2)),
                  Address.of(rs.getString(3)),
                  Address.of(rs.getString(4)),
                  dialect.amount(rs, 5),
                  rs.getLong(6),
                  Settlement.Status.valueOf(rs.getString(7)),
                  rs.getString(8),
                  rs.getBytes(9),
                  rs.getLong(10)));
        }
      }
      Map<Long, List<SignedNote>> notes = new LinkedHashMap<>();
      for (Row r : rows) {
        notes.put(r.id, notes(r.id));
      }
      List<Settlement> out = new ArrayList<>(rows.size());
      for (Row r : rows) {
        out.add(
            new Settlement(
                r.id,
                r.useCase,
                r.payer,
                r.payee,
                notes.get(r.id),
                r.amount,
                r.closure,
                r.status,
                r.hash,
                r.raw,
                r.created));
      }
      return out;
    } catch (SQLException e) {
      throw failed("reading " + status + " settlements", e);
    }
  }

  /** True if a settlement that is not FAILED pays {@code subtaskId} from {@code payer}. */
  boolean existsFor(Address payer, byte[] subtaskId) {
    try {
      PreparedStatement p =
          session.prepare(
              "SELECT 1 FROM settlement_notes n JOIN settlements s ON s.id = n.settlement_id"
                  + " WHERE n.subtask_id = ? AND s.payer = ? AND s.status <> 'FAILED' LIMIT 1");
      p.setBytes(1, subtaskId);
      p.setString(2, payer.toString());
      try (ResultSet rs = p.executeQuery()) {
        return rs.next();
      }
    } catch (SQLException e) {
      throw failed("looking for a settlement of " + payer, e);
    }
  }

  private void insertNotes(long id, List<SignedNote> notes) throws SQLException {
    PreparedStatement p =
        session.prepare(
            "INSERT INTO settlement_notes (settlement_id, idx, payer, payee, amount, subtask_id,"
                + " purpose, v, r, s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (int i = 0; i < notes.size(); i++) {
      SignedNote sn = notes.get(i);
      PromissoryNote n = sn.note();
      p.setLong(1, id);
      p.setInt(2, i);
      p.setString(3, n.payer().toString());
      p.setString(4, n.payee().toString());
      dialect.setAmount(p, 5, n.amount());
      p.setBytes(6, n.subtaskId());
      p.setString(7, n.purpose().name());
      p.setInt(8, sn.v());
      p.setBytes(9, sn.r());
      p.setBytes(10, sn.s());
      p.executeUpdate();
    }
  }

  private List<SignedNote> notes(long id) throws SQLException {
    PreparedStatement p =
        session.prepare(
            "SELECT payer, payee, amount, subtask_id, purpose, v, r, s FROM settlement_notes"
                + " WHERE settlement_id = ? ORDER BY idx");
    p.setLong(1, id);
    List<SignedNote> out = new ArrayList<>();
    try (ResultSet rs = p.executeQuery()) {
      while (rs.next()) {
        out.add(
            new SignedNote(
                new PromissoryNote(
                    Address.of(rs.getString(1)),
                    Address.of(rs.getString(2)),
                    dialect.amount(rs, 3),
                    rs.getBytes(4),
                    Purpose.valueOf(rs.getString(5))),
                rs.getInt(6),
                rs.getBytes(7),
                rs.getBytes(8)));
      }
    }
    return out;
  }
}
