package org.jgolem.concent.store;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jgolem.concent.cases.CaseState;
import org.jgolem.concent.cases.SubtaskCase;
import org.jgolem.concent.service.Claim;
import org.jgolem.concent.service.ClaimResult;
import org.jgolem.concent.service.ConcentTx;
import org.jgolem.concent.service.Delivery;
import org.jgolem.concent.service.Settlement;
import org.jgolem.concent.service.StaleCaseException;
import org.jgolem.eth.Address;

/**
 * One transaction of {@link JdbcConcentStore}: cases, the outbox and nonces here; deposit claims in
 * {@link ClaimRows}, settlements in {@link SettlementRows}. Valid only inside its transaction.
 */
final class JdbcConcentTx implements ConcentTx {
  private static final String CASE_COLUMNS =
      "requestor, subtask_id, task_id, provider, state, next_deadline, assigned_at,"
          + " compute_deadline, price, result_cid, result_size, report_hash, evidence, version";

  private final Connections.Session session;
  private final Dialect dialect;
  private final Clock clock;
  private final SecureRandom random;
  private final ClaimRows claims;
  private final SettlementRows settlements;
  private final RecordRows record;

  JdbcConcentTx(Connections.Session session, Dialect dialect, Clock clock, SecureRandom random) {
    this.session = session;
    this.dialect = dialect;
    this.clock = clock;
    this.random = random;
    this.claims = new ClaimRows(session, dialect, clock);
    this.settlements = new SettlementRows(session, dialect);
    this.record = new RecordRows(session);
  }

  Connections.Session session() {
    return session;
  }

  // ------------------------------------------------------------------ cases

  @Override
  public Optional<SubtaskCase> findCase(Address requestor, byte[] subtaskId) {
    try {
      PreparedStatement p =
          session.prepare(
              "SELECT " + CASE_COLUMNS + " FROM cases WHERE requestor = ? AND subtask_id = ?");
      p.setString(1, requestor.toString());
      p.setBytes(2, subtaskId);
      try (ResultSet rs = p.executeQuery()) {
        return rs.next() ? Optional.of(readCase(rs)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw failed("reading a case", e);
    }
  }

  @Override
  public void saveCase(SubtaskCase c) {
    Objects.requireNonNull(c, "case");
    if (c.version() < 1) {
      throw new IllegalArgumentException("a stored case has version 1 or more, got " + c.version());
    }
    try {
      int n;
      if (c.version() == 1) {
        PreparedStatement p =
            session.prepare(
                "INSERT INTO cases ("
                    + CASE_COLUMNS
                    + ", updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    + " ON CONFLICT (requestor, subtask_id) DO NOTHING");
        p.setString(1, c.requestor().toString());
        p.setBytes(2, c.subtaskId());
        p.setBytes(3, c.taskId());
        p.setString(4, c.provider().toString());
        p.setString(5, c.state().name());
        p.setLong(6, c.nextDeadline());
        p.setLong(7, c.assignedAt());
        p.setLong(8, c.computeDeadline());
        dialect.setAmount(p, 9, c.price());
        p.setString(10, c.resultCid());
        p.setLong(11, c.resultSize());
        p.setBytes(12, c.reportHash());
        p.setBytes(13, EvidenceCodec.encode(c.evidence()));
        p.setLong(14, 1);
        p.setLong(15, clock.millis());
        n = p.executeUpdate();
      } else {
        // What a case is about (parties, TaskToCompute, report) never changes; its state,
        // deadline and evidence do.
        PreparedStatement p =
            session.prepare(
                "UPDATE cases SET state = ?, next_deadline = ?, evidence = ?, version = ?,"
                    + " updated_at = ? WHERE requestor = ? AND subtask_id = ? AND version = ?");
        p.setString(1, c.state().name());
        p.setLong(2, c.nextDeadline());
        p.setBytes(3, EvidenceCodec.encode(c.evidence()));
        p.setLong(4, c.version());
        p.setLong(5, clock.millis());
        p.setString(6, c.requestor().toString());
        p.setBytes(7, c.subtaskId());
        p.setLong(8, c.version() - 1);
        n = p.executeUpdate();
      }
      if (n != 1) {
        throw new StaleCaseException(
            c
                + (c.version() == 1
                    ? ": the case already exists"
                    : ": the stored version is not " + (c.version() - 1)));
      }
    } catch (SQLException e) {
      throw failed("saving " + c, e);
    }
  }

  @Override
  public List<SubtaskCase> casesByResult(String resultCid) {
    try {
      PreparedStatement p =
          session.prepare(
              "SELECT "
                  + CASE_COLUMNS
                  + " FROM cases WHERE result_cid = ? ORDER BY requestor, subtask_id LIMIT 100");
      p.setString(1, resultCid);
      List<SubtaskCase> out = new ArrayList<>();
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.add(readCase(rs));
        }
      }
      return out;
    } catch (SQLException e) {
      throw failed("reading the cases of a result", e);
    }
  }

  @Override
  public List<SubtaskCase> casesIn(org.jgolem.concent.cases.CaseState state, int limit) {
    try {
      PreparedStatement p =
          session.prepare(
              "SELECT "
                  + CASE_COLUMNS
                  + " FROM cases WHERE state = ?"
                  + " ORDER BY next_deadline, requestor, subtask_id LIMIT ?");
      p.setString(1, state.name());
      p.setInt(2, limit);
      List<SubtaskCase> out = new ArrayList<>();
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.add(readCase(rs));
        }
      }
      return out;
    } catch (SQLException e) {
      throw failed("reading the cases in " + state, e);
    }
  }

  @Override
  public List<SubtaskCase> dueCases(long now, int limit) {
    try {
      PreparedStatement p =
          session.prepare(
              "SELECT "
                  + CASE_COLUMNS
                  + " FROM cases WHERE next_deadline > 0 AND next_deadline < ?"
                  + " ORDER BY next_deadline, requestor, subtask_id LIMIT ?");
      p.setLong(1, now);
      p.setInt(2, limit);
      List<SubtaskCase> out = new ArrayList<>();
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.add(readCase(rs));
        }
      }
      return out;
    } catch (SQLException e) {
      throw failed("reading due cases", e);
    }
  }

  private SubtaskCase readCase(ResultSet rs) throws SQLException {
    return new SubtaskCase(
        rs.getBytes(2),
        rs.getBytes(3),
        Address.of(rs.getString(1)),
        Address.of(rs.getString(4)),
        CaseState.valueOf(rs.getString(5)),
        rs.getLong(6),
        rs.getLong(7),
        rs.getLong(8),
        dialect.amount(rs, 9),
        rs.getString(10),
        rs.getLong(11),
        rs.getBytes(12),
        EvidenceCodec.decode(rs.getBytes(13)),
        rs.getLong(14));
  }

  // ------------------------------------------------------------------ deliveries

  @Override
  public byte[] enqueue(Address recipient, byte[] frame, long now) {
    byte[] id = new byte[16];
    random.nextBytes(id);
    try {
      PreparedStatement p =
          session.prepare(
              "INSERT INTO deliveries (id, recipient, frame, queued_at) VALUES (?, ?, ?, ?)");
      p.setBytes(1, id);
      p.setString(2, recipient.toString());
      p.setBytes(3, frame);
      p.setLong(4, now);
      p.executeUpdate();
      return id;
    } catch (SQLException e) {
      throw failed("queueing a message for " + recipient, e);
    }
  }

  @Override
  public List<Delivery> pending(Address recipient, int limit) {
    try {
      PreparedStatement p =
          session.prepare(
              "SELECT id, frame, queued_at FROM deliveries WHERE recipient = ? AND acked_at IS NULL"
                  + " ORDER BY seq LIMIT ?");
      p.setString(1, recipient.toString());
      p.setInt(2, limit);
      List<Delivery> out = new ArrayList<>();
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.add(new Delivery(rs.getBytes(1), recipient, rs.getBytes(2), rs.getLong(3)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw failed("reading the messages for " + recipient, e);
    }
  }

  @Override
  public int acknowledge(Address recipient, List<byte[]> deliveryIds) {
    try {
      PreparedStatement p =
          session.prepare(
              "UPDATE deliveries SET acked_at = ? WHERE recipient = ? AND id = ? AND acked_at IS NULL");
      int n = 0;
      long now = clock.millis();
      for (byte[] id : deliveryIds) {
        p.setLong(1, now);
        p.setString(2, recipient.toString());
        p.setBytes(3, id);
        n += p.executeUpdate();
      }
      return n;
    } catch (SQLException e) {
      throw failed("acknowledging messages of " + recipient, e);
    }
  }

  // ------------------------------------------------------------------ claims

  @Override
  public ClaimResult claim(Claim claim, BigInteger depositBalance) {
    return claims.claim(claim, depositBalance);
  }

  @Override
  public BigInteger reserved(Address payer) {
    return claims.reserved(payer);
  }

  @Override
  public void releaseClaim(Address payer, byte[] subtaskId, Claim.UseCase useCase) {
    claims.release(payer, subtaskId, useCase);
  }

  // ------------------------------------------------------------------ settlements

  @Override
  public long addSettlement(Settlement s) {
    return settlements.add(s);
  }

  @Override
  public List<Settlement> settlements(Settlement.Status status, int limit) {
    return settlements.list(status, limit);
  }

  @Override
  public void updateSettlement(Settlement s) {
    settlements.update(s);
  }

  @Override
  public boolean hasSettlementFor(Address payer, byte[] subtaskId) {
    return settlements.existsFor(payer, subtaskId);
  }

  // ------------------------------------------------------------------ the auditors' record

  @Override
  public org.jgolem.concent.record.RecordTx record() {
    return record;
  }

  // ------------------------------------------------------------------ nonces

  @Override
  public boolean rememberNonce(Address client, byte[] nonce, long expiresAt) {
    try {
      PreparedStatement p =
          session.prepare(
              "INSERT INTO nonces (client, nonce, expires_at) VALUES (?, ?, ?)"
                  + " ON CONFLICT (client, nonce) DO NOTHING");
      p.setString(1, client.toString());
      p.setBytes(2, nonce);
      p.setLong(3, expiresAt);
      return p.executeUpdate() == 1;
    } catch (SQLException e) {
      throw failed("remembering a nonce of " + client, e);
    }
  }

  @Override
  public int forgetNonces(long now) {
    try {
      PreparedStatement p = session.prepare("DELETE FROM nonces WHERE expires_at < ?");
      p.setLong(1, now);
      return p.executeUpdate();
    } catch (SQLException e) {
      throw failed("forgetting old nonces", e);
    }
  }

  static StoreException failed(String what, SQLException e) {
    return new StoreException(what + " failed: " + e.getMessage(), e);
  }
}
