package org.jgolem.node.store;

import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jgolem.eth.Address;
import org.jgolem.node.payments.BatchRecord;
import org.jgolem.node.payments.BatchStatus;
import org.jgolem.node.payments.ChainView.ChainIdentity;
import org.jgolem.node.payments.PaymentChain.Receipt;
import org.jgolem.node.payments.PaymentChain.SignedTx;
import org.jgolem.node.payments.PaymentLedger;
import org.jgolem.node.payments.PaymentRecord;
import org.jgolem.node.payments.PaymentStatus;
import org.jgolem.node.payments.PaymentTotals;
import org.jgolem.node.state.NodeDatabase;
import org.jgolem.node.state.Sql;

/**
 * The requestor's {@link PaymentLedger} in the node database (migration 2): {@code payments},
 * {@code payment_batches}, {@code payment_attempts}, {@code payment_chain}. Every method is one
 * SQLite transaction, so each state change of a batch moves its payments with it, atomically. The
 * schema holds the ledger's guards: a unique index allows one live batch per nonce, and a paid
 * payment must name its transaction.
 *
 * <p>One class of about 400 lines, not split: its four tables change together in most transactions,
 * and the ledger's SQL is easiest to check against its schema (migration 2) in one place.
 */
public final class SqlitePaymentLedger implements PaymentLedger {
  private static final String PAYMENT_COLUMNS =
      "subtask_id, task_id, payee, amount, accepted_at, status, batch_id, tx_hash, block_number, held_reason";
  private static final String BATCH_COLUMNS =
      "b.id, b.kind, b.nonce, b.closure_time, b.total, b.status, b.created_at, "
          + "b.last_broadcast_at, b.tx_hash, b.block_number, b.block_hash, b.note, "
          + "(SELECT COUNT(*) FROM payments p WHERE p.batch_id = b.id)";

  private final NodeDatabase db;

  public SqlitePaymentLedger(NodeDatabase db) {
    this.db = db;
  }

  // ------------------------------------------------------------------------------ chain identity

  @Override
  public Optional<StoredChain> storedChain() {
    return db.read(c -> {
      try (PreparedStatement p =
              c.prepareStatement(
                  "SELECT chain_id, genesis_hash, account, token FROM payment_chain WHERE id = 1");
          ResultSet rs = p.executeQuery()) {
        return rs.next()
            ? Optional.of(
                new StoredChain(
                    new ChainIdentity(rs.getLong(1), rs.getString(2)),
                    Address.of(rs.getString(3)),
                    Address.of(rs.getString(4))))
            : Optional.empty();
      }
    });
  }

  @Override
  public void storeChain(ChainIdentity identity, Address account, Address token) {
    db.write(c -> {
      try (PreparedStatement p =
          c.prepareStatement(
              "INSERT INTO payment_chain (id, chain_id, genesis_hash, account, token) VALUES (1, ?, ?, ?, ?)")) {
        p.setLong(1, identity.chainId());
        p.setString(2, identity.genesisHash());
        p.setString(3, account.hex());
        p.setString(4, token.hex());
        return p.executeUpdate();
      }
    });
  }

  // ------------------------------------------------------------------------------ payments

  @Override
  public Optional<PaymentRecord> recordIfAbsent(
      String taskId,
      String subtaskId,
      Address payee,
      BigInteger amount,
      Instant acceptedAt,
      long now) {
    return db.write(c -> {
      Optional<PaymentRecord> existing = get(c, subtaskId);
      if (existing.isPresent()) {
        return existing;
      }
      try (PreparedStatement p =
          c.prepareStatement(
              "INSERT INTO payments (subtask_id, task_id, payee, amount, "
                  + "accepted_at, recorded_at, status) VALUES (?, ?, ?, ?, ?, ?, 'PENDING')")) {
        p.setString(1, subtaskId);
        p.setString(2, taskId);
        p.setString(3, payee.hex());
        p.setString(4, amount.toString());
        p.setLong(5, acceptedAt.toEpochMilli());
        p.setLong(6, now);
        p.executeUpdate();
      }
      return Optional.empty();
    });
  }

  @Override
  public Optional<PaymentRecord> get(String subtaskId) {
    return db.read(c -> get(c, subtaskId));
  }

  private static Optional<PaymentRecord> get(Connection c, String subtaskId) throws SQLException {
    List<PaymentRecord> l =
        payments(c, "SELECT " + PAYMENT_COLUMNS + " FROM payments WHERE subtask_id = ?", subtaskId);
    return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
  }

  @Override
  public List<PaymentRecord> all() {
    return db.read(c ->
        payments(
            c, "SELECT " + PAYMENT_COLUMNS + " FROM payments ORDER BY accepted_at, subtask_id"));
  }

  @Override
  public List<PaymentRecord> withStatus(PaymentStatus status) {
    return db.read(c ->
        payments(
            c,
            "SELECT "
                + PAYMENT_COLUMNS
                + " FROM payments WHERE status = ? ORDER BY accepted_at, subtask_id",
            status.name()));
  }

  @Override
  public List<PaymentRecord> ofBatch(long batchId) {
    return db.read(c ->
        payments(
            c,
            "SELECT "
                + PAYMENT_COLUMNS
                + " FROM payments WHERE batch_id = ? ORDER BY accepted_at, subtask_id",
            batchId));
  }

  @Override
  public int holdBack(Collection<String> subtaskIds, String reason) {
    return db.write(c -> {
      int n = 0;
      try (PreparedStatement p =
          c.prepareStatement(
              "UPDATE payments SET status = 'HELD_BACK', held_reason = ? WHERE subtask_id = ? AND status = 'PENDING'")) {
        for (String id : subtaskIds) {
          p.setString(1, reason);
          p.setString(2, id);
          n += p.executeUpdate();
        }
      }
      return n;
    });
  }

  @Override
  public PaymentTotals totals() {
    return db.read(c -> {
      BigInteger[] sums = {BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO};
      int[] counts = new int[4];
      try (PreparedStatement p = c.prepareStatement("SELECT status, amount FROM payments");
          ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          int i = PaymentStatus.valueOf(rs.getString(1)).ordinal();
          sums[i] = sums[i].add(new BigInteger(rs.getString(2)));
          counts[i]++;
        }
      }
      return new PaymentTotals(
          sums[0], sums[1], sums[2], sums[3], counts[0], counts[1], counts[2], counts[3]);
    });
  }

  @Override
  public BigInteger owedFromLatestBalance() {
    return db.read(c -> {
      BigInteger sum = BigInteger.ZERO;
      try (PreparedStatement p =
              c.prepareStatement(
                  "SELECT p.amount FROM payments p "
                      + "LEFT JOIN payment_batches b ON b.id = p.batch_id WHERE p.status = 'PENDING' OR (p.status = 'IN_BATCH' "
                      + "AND (b.status IN ('SIGNED', 'SENT') OR (b.status = 'MINED' AND b.receipt_success = 0)))");
          ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          sum = sum.add(new BigInteger(rs.getString(1)));
        }
      }
      return sum;
    });
  }

  @Override
  public BigInteger unminedGasCost() {
    return db.read(c -> {
      BigInteger sum = BigInteger.ZERO;
      try (PreparedStatement p =
              c.prepareStatement(
                  "SELECT a.gas_limit, a.max_fee FROM payment_batches b "
                      + "JOIN payment_attempts a ON a.batch_id = b.id WHERE b.status IN ('SIGNED', 'SENT') "
                      + "AND a.rowid = (SELECT MAX(rowid) FROM payment_attempts WHERE batch_id = b.id)");
          ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          sum = sum.add(new BigInteger(rs.getString(1)).multiply(new BigInteger(rs.getString(2))));
        }
      }
      return sum;
    });
  }

  // ------------------------------------------------------------------------------ batches

  @Override
  public long writeAhead(
      BatchRecord.Kind kind,
      Long closureTime,
      BigInteger total,
      SignedTx tx,
      Collection<String> subtaskIds,
      long now) {
    return db.write(c -> {
      long id;
      try (PreparedStatement p =
          c.prepareStatement(
              "INSERT INTO payment_batches (kind, nonce, closure_time, total, "
                  + "status, created_at) VALUES (?, ?, ?, ?, 'SIGNED', ?)",
              java.sql.Statement.RETURN_GENERATED_KEYS)) {
        p.setString(1, kind.name());
        p.setLong(2, tx.nonce());
        if (closureTime == null) {
          p.setNull(3, Types.INTEGER);
        } else {
          p.setLong(3, closureTime);
        }
        p.setString(4, total.toString());
        p.setLong(5, now);
        p.executeUpdate();
        try (ResultSet keys = p.getGeneratedKeys()) {
          keys.next();
          id = keys.getLong(1);
        }
      }
      insertAttempt(c, id, tx, now);
      try (PreparedStatement p =
          c.prepareStatement(
              "UPDATE payments SET status = 'IN_BATCH', batch_id = ? WHERE subtask_id = ? AND status = 'PENDING'")) {
        for (String s : subtaskIds) {
          p.setLong(1, id);
          p.setString(2, s);
          if (p.executeUpdate() != 1) {
            throw new IllegalStateException(
                "payment " + s + " is no longer pending; batch not written");
          }
        }
      }
      return id;
    });
  }

  @Override
  public void addAttempt(long batchId, SignedTx tx, long now) {
    db.write(c -> {
      insertAttempt(c, batchId, tx, now);
      return null;
    });
  }

  private static void insertAttempt(Connection c, long batchId, SignedTx tx, long now)
      throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "INSERT INTO payment_attempts (tx_hash, batch_id, raw_tx, gas_limit, "
                + "max_fee, priority_fee, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      p.setString(1, tx.hash());
      p.setLong(2, batchId);
      p.setString(3, tx.raw());
      p.setString(4, tx.gasLimit().toString());
      p.setString(5, tx.maxFee().toString());
      p.setString(6, tx.tip().toString());
      p.setLong(7, now);
      p.executeUpdate();
    }
  }

  @Override
  public List<Attempt> attempts(long batchId) {
    return db.read(c -> {
      List<Attempt> out = new ArrayList<>();
      try (PreparedStatement p =
          c.prepareStatement(
              "SELECT tx_hash, raw_tx, gas_limit, max_fee, priority_fee, created_at "
                  + "FROM payment_attempts WHERE batch_id = ? ORDER BY created_at DESC, rowid DESC")) {
        p.setLong(1, batchId);
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            out.add(
                new Attempt(
                    rs.getString(1),
                    rs.getString(2),
                    new BigInteger(rs.getString(3)),
                    new BigInteger(rs.getString(4)),
                    new BigInteger(rs.getString(5)),
                    rs.getLong(6)));
          }
        }
      }
      return out;
    });
  }

  @Override
  public List<BatchRecord> liveBatches() {
    return batches("WHERE b.status IN ('SIGNED', 'SENT', 'MINED') ORDER BY b.nonce");
  }

  @Override
  public List<BatchRecord> confirmedFrom(long minBlock) {
    return batches(
        "WHERE b.status = 'CONFIRMED' AND b.block_number >= " + minBlock + " ORDER BY b.nonce");
  }

  @Override
  public List<BatchRecord> allBatches() {
    return batches("ORDER BY b.id");
  }

  @Override
  public Optional<BatchRecord> batch(long id) {
    List<BatchRecord> l = batches("WHERE b.id = " + id);
    return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
  }

  @Override
  public Set<Long> liveNonces() {
    Set<Long> out = new TreeSet<>();
    liveBatches().forEach(b -> out.add(b.nonce()));
    return out;
  }

  @Override
  public void broadcastTried(long batchId, long now, String note) {
    update(
        batchId,
        "UPDATE payment_batches SET status = CASE status WHEN 'SIGNED' THEN 'SENT' ELSE status END, "
            + "last_broadcast_at = ?, note = ? WHERE id = ?",
        now,
        note);
  }

  @Override
  public void mined(long batchId, Receipt r) {
    db.write(c -> {
      Sql.exec(
          c,
          "UPDATE payments SET status = 'IN_BATCH', tx_hash = NULL, block_number = NULL, paid_at = NULL "
              + "WHERE batch_id = ? AND status = 'PAID'",
          batchId);
      Sql.exec(
          c,
          "UPDATE payment_batches SET status = 'MINED', tx_hash = ?, block_number = ?, block_hash = ?, gas_used = ?, "
              + "receipt_success = ?, finished_at = NULL WHERE id = ?",
          r.transactionHash(),
          r.blockNumber(),
          r.blockHash(),
          r.gasUsed(),
          r.success() ? 1 : 0,
          batchId);
      return null;
    });
  }

  @Override
  public void confirmed(long batchId, Receipt r, long now) {
    db.write(c -> {
      Sql.exec(
          c,
          "UPDATE payment_batches SET status = 'CONFIRMED', tx_hash = ?, block_number = ?, block_hash = ?, "
              + "gas_used = ?, receipt_success = 1, finished_at = ?, note = NULL WHERE id = ?",
          r.transactionHash(),
          r.blockNumber(),
          r.blockHash(),
          r.gasUsed(),
          now,
          batchId);
      Sql.exec(
          c,
          "UPDATE payments SET status = 'PAID', tx_hash = ?, block_number = ?, paid_at = ? "
              + "WHERE batch_id = ? AND status IN ('IN_BATCH', 'PAID')",
          r.transactionHash(),
          r.blockNumber(),
          now,
          batchId);
      return null;
    });
  }

  @Override
  public void reverted(long batchId, Receipt r, long now, String note) {
    db.write(c -> {
      Sql.exec(
          c,
          "UPDATE payment_batches SET status = 'REVERTED', tx_hash = ?, block_number = ?, block_hash = ?, "
              + "gas_used = ?, receipt_success = 0, finished_at = ?, note = ? WHERE id = ?",
          r.transactionHash(),
          r.blockNumber(),
          r.blockHash(),
          r.gasUsed(),
          now,
          note,
          batchId);
      release(c, batchId);
      return null;
    });
  }

  @Override
  public void dropped(long batchId, long now, String note) {
    db.write(c -> {
      Sql.exec(
          c,
          "UPDATE payment_batches SET status = 'DROPPED', finished_at = ?, note = ? WHERE id = ?",
          now,
          note,
          batchId);
      release(c, batchId);
      return null;
    });
  }

  @Override
  public void vanished(long batchId, String note) {
    db.write(c -> {
      Sql.exec(
          c,
          "UPDATE payments SET status = 'IN_BATCH', tx_hash = NULL, block_number = NULL, paid_at = NULL "
              + "WHERE batch_id = ? AND status = 'PAID'",
          batchId);
      Sql.exec(
          c,
          "UPDATE payment_batches SET status = 'SENT', tx_hash = NULL, block_number = NULL, block_hash = NULL, "
              + "gas_used = NULL, receipt_success = NULL, finished_at = NULL, last_broadcast_at = NULL, note = ? WHERE id = ?",
          note,
          batchId);
      return null;
    });
  }

  @Override
  public void note(long batchId, String note) {
    update(batchId, "UPDATE payment_batches SET note = ? WHERE id = ?", note);
  }

  private static void release(Connection c, long batchId) throws SQLException {
    Sql.exec(
        c,
        "UPDATE payments SET status = 'PENDING', batch_id = NULL, tx_hash = NULL, block_number = NULL, "
            + "paid_at = NULL WHERE batch_id = ?",
        batchId);
  }

  private void update(long batchId, String sql, Object... leading) {
    Object[] args = new Object[leading.length + 1];
    System.arraycopy(leading, 0, args, 0, leading.length);
    args[leading.length] = batchId;
    db.write(c -> Sql.exec(c, sql, args));
  }

  private List<BatchRecord> batches(String where) {
    return db.read(c -> {
      List<BatchRecord> out = new ArrayList<>();
      try (PreparedStatement p =
              c.prepareStatement("SELECT " + BATCH_COLUMNS + " FROM payment_batches b " + where);
          ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.add(
              new BatchRecord(
                  rs.getLong(1),
                  BatchRecord.Kind.valueOf(rs.getString(2)),
                  rs.getLong(3),
                  Sql.nullableLong(rs, 4),
                  new BigInteger(rs.getString(5)),
                  BatchStatus.valueOf(rs.getString(6)),
                  rs.getLong(7),
                  Sql.nullableLong(rs, 8),
                  rs.getString(9),
                  Sql.nullableLong(rs, 10),
                  rs.getString(11),
                  rs.getString(12),
                  rs.getInt(13)));
        }
      }
      return out;
    });
  }

  private static List<PaymentRecord> payments(Connection c, String sql, Object... args)
      throws SQLException {
    List<PaymentRecord> out = new ArrayList<>();
    try (PreparedStatement p = c.prepareStatement(sql)) {
      Sql.bind(p, args);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.add(
              new PaymentRecord(
                  rs.getString(1),
                  rs.getString(2),
                  Address.of(rs.getString(3)),
                  new BigInteger(rs.getString(4)),
                  Instant.ofEpochMilli(rs.getLong(5)),
                  PaymentStatus.valueOf(rs.getString(6)),
                  Sql.nullableLong(rs, 7),
                  rs.getString(8),
                  Sql.nullableLong(rs, 9),
                  rs.getString(10)));
        }
      }
    }
    return out;
  }
}
