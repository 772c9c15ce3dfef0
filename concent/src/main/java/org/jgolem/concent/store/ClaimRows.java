package org.jgolem.concent.store;

import static org.jgolem.concent.store.JdbcConcentTx.failed;

import java.math.BigInteger;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import org.jgolem.concent.service.Claim;
import org.jgolem.concent.service.ClaimResult;
import org.jgolem.eth.Address;

/**
 * Deposit claims. Each payer has a row in {@code payers} holding the sum of its open claims; a
 * claim or a release first locks that row (FOR UPDATE in PostgreSQL; SQLite's BEGIN IMMEDIATE holds
 * the whole file), then reads, checks and writes, so two transactions claiming on one deposit run
 * one after the other and the second sees the first's reservation. The sum is kept in Java as a
 * BigInteger: SQLite's SUM over TEXT would go through a float.
 */
final class ClaimRows {
  private final Connections.Session session;
  private final Dialect dialect;
  private final Clock clock;

  ClaimRows(Connections.Session session, Dialect dialect, Clock clock) {
    this.session = session;
    this.dialect = dialect;
    this.clock = clock;
  }

  ClaimResult claim(Claim claim, BigInteger depositBalance) {
    try {
      BigInteger before = lockPayer(claim.payer());
      BigInteger after = before.add(claim.amount());
      if (after.compareTo(depositBalance) > 0) {
        return exists(claim)
            ? new ClaimResult.Duplicate()
            : new ClaimResult.Insufficient(depositBalance, before, claim.amount());
      }
      // fits: the insert itself tells a duplicate (one round trip fewer on the common path)
      PreparedStatement insert =
          session.prepare(
              "INSERT INTO claims (payer, subtask_id, use_case, payee, amount, claimed_at)"
                  + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (payer, subtask_id, use_case) DO NOTHING");
      insert.setString(1, claim.payer().toString());
      insert.setBytes(2, claim.subtaskId());
      insert.setString(3, claim.useCase().name());
      insert.setString(4, claim.payee().toString());
      dialect.setAmount(insert, 5, claim.amount());
      insert.setLong(6, claim.at());
      if (insert.executeUpdate() == 0) {
        return new ClaimResult.Duplicate();
      }
      setReserved(claim.payer(), after);
      return new ClaimResult.Reserved(after);
    } catch (SQLException e) {
      throw failed("claiming " + claim, e);
    }
  }

  private boolean exists(Claim claim) throws SQLException {
    PreparedStatement p =
        session.prepare("SELECT 1 FROM claims WHERE payer = ? AND subtask_id = ? AND use_case = ?");
    p.setString(1, claim.payer().toString());
    p.setBytes(2, claim.subtaskId());
    p.setString(3, claim.useCase().name());
    try (ResultSet rs = p.executeQuery()) {
      return rs.next();
    }
  }

  BigInteger reserved(Address payer) {
    try {
      PreparedStatement p = session.prepare("SELECT reserved FROM payers WHERE payer = ?");
      p.setString(1, payer.toString());
      try (ResultSet rs = p.executeQuery()) {
        return rs.next() ? dialect.amount(rs, 1) : BigInteger.ZERO;
      }
    } catch (SQLException e) {
      throw failed("reading the reservations on " + payer, e);
    }
  }

  /** Closes the open claim, if there is one; a second release does nothing. */
  void release(Address payer, byte[] subtaskId, Claim.UseCase useCase) {
    try {
      BigInteger reserved = lockPayer(payer);
      PreparedStatement find =
          session.prepare(
              "SELECT amount FROM claims WHERE payer = ? AND subtask_id = ? AND use_case = ?"
                  + " AND released_at IS NULL");
      find.setString(1, payer.toString());
      find.setBytes(2, subtaskId);
      find.setString(3, useCase.name());
      BigInteger amount;
      try (ResultSet rs = find.executeQuery()) {
        if (!rs.next()) {
          return;
        }
        amount = dialect.amount(rs, 1);
      }
      PreparedStatement close =
          session.prepare(
              "UPDATE claims SET released_at = ? WHERE payer = ? AND subtask_id = ? AND use_case = ?");
      close.setLong(1, clock.millis());
      close.setString(2, payer.toString());
      close.setBytes(3, subtaskId);
      close.setString(4, useCase.name());
      close.executeUpdate();
      setReserved(payer, reserved.subtract(amount));
    } catch (SQLException e) {
      throw failed("releasing a claim on " + payer, e);
    }
  }

  /** Makes sure {@code payer} has a row, locks it until the transaction ends, returns its sum. */
  private BigInteger lockPayer(Address payer) throws SQLException {
    PreparedStatement lock =
        session.prepare("SELECT reserved FROM payers WHERE payer = ?" + dialect.forUpdate());
    for (int round = 0; round < 2; round++) {
      lock.setString(1, payer.toString());
      try (ResultSet rs = lock.executeQuery()) {
        if (rs.next()) {
          return dialect.amount(rs, 1);
        }
      }
      // the payer's first claim: add its row (a concurrent first claim waits here, then finds it)
      PreparedStatement insert =
          session.prepare(
              "INSERT INTO payers (payer, reserved) VALUES (?, ?) ON CONFLICT (payer) DO NOTHING");
      insert.setString(1, payer.toString());
      dialect.setAmount(insert, 2, BigInteger.ZERO);
      insert.executeUpdate();
    }
    throw new SQLException("the row of payer " + payer + " cannot be added");
  }

  private void setReserved(Address payer, BigInteger reserved) throws SQLException {
    PreparedStatement p = session.prepare("UPDATE payers SET reserved = ? WHERE payer = ?");
    dialect.setAmount(p, 1, reserved);
    p.setString(2, payer.toString());
    p.executeUpdate();
  }
}
