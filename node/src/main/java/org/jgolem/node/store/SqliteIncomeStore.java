package org.jgolem.node.store;

import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import org.jgolem.eth.Address;
import org.jgolem.node.payments.ChainView.ChainIdentity;
import org.jgolem.node.payments.IncomeKeeper.Cursor;
import org.jgolem.node.payments.IncomeKeeper.SeenPayment;
import org.jgolem.node.payments.IncomeRecord;
import org.jgolem.node.payments.IncomeStatus;
import org.jgolem.node.payments.IncomeStore;
import org.jgolem.node.state.NodeDatabase;
import org.jgolem.node.state.Sql;
import org.jgolem.node.state.StateException;

/**
 * The provider's {@link IncomeStore} in the node database: {@code incomes}, {@code income_receipts}
 * (the payments seen on chain, unique per transaction and sender), {@code income_checkpoints} and
 * {@code income_scan} (the cursor). A {@link #inTransaction} is one SQLite transaction.
 */
public final class SqliteIncomeStore implements IncomeStore {
  private static final String INCOME_COLUMNS =
      "subtask_id, task_id, requestor, amount, accepted_at, status, tx_hash, "
          + "block_number, overdue_reported_at";

  private final NodeDatabase db;

  public SqliteIncomeStore(NodeDatabase db) {
    this.db = db;
  }

  @Override
  public <T> T inTransaction(Function<IncomeStore.Tx, T> work) {
    return db.write(c -> work.apply(new Tx(c)));
  }

  @Override
  public List<IncomeRecord> incomes() {
    return db.read(c ->
        incomes(c, "SELECT " + INCOME_COLUMNS + " FROM incomes ORDER BY accepted_at, subtask_id"));
  }

  @Override
  public List<IncomeRecord> incomes(IncomeStatus status) {
    return db.read(c ->
        incomes(
            c,
            "SELECT "
                + INCOME_COLUMNS
                + " FROM incomes WHERE status = ? "
                + "ORDER BY accepted_at, subtask_id",
            status.name()));
  }

  @Override
  public Optional<IncomeRecord> income(String subtaskId) {
    return db.read(c -> income(c, subtaskId));
  }

  @Override
  public List<SeenPayment> seenPayments() {
    return db.read(c -> {
      List<SeenPayment> out = new ArrayList<>();
      try (PreparedStatement p =
              c.prepareStatement(
                  "SELECT tx_hash, sender, amount, unallocated, block_number, "
                      + "closure_time FROM income_receipts ORDER BY block_number, id");
          ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          long closure = rs.getLong(6);
          out.add(
              new SeenPayment(
                  rs.getString(1),
                  Address.of(rs.getString(2)),
                  new BigInteger(rs.getString(3)),
                  new BigInteger(rs.getString(4)),
                  rs.getLong(5),
                  rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(closure)));
        }
      }
      return out;
    });
  }

  @Override
  public Optional<Cursor> cursor() {
    return db.read(c -> {
      try (PreparedStatement p =
              c.prepareStatement(
                  "SELECT chain_id, genesis_hash, account, next_block FROM income_scan WHERE id = 1");
          ResultSet rs = p.executeQuery()) {
        return rs.next()
            ? Optional.of(
                new Cursor(
                    new ChainIdentity(rs.getLong(1), rs.getString(2)),
                    Address.of(rs.getString(3)),
                    rs.getLong(4)))
            : Optional.empty();
      }
    });
  }

  @Override
  public List<Checkpoint> checkpoints() {
    return db.read(c -> {
      List<Checkpoint> out = new ArrayList<>();
      try (PreparedStatement p =
              c.prepareStatement(
                  "SELECT block_number, block_hash FROM income_checkpoints ORDER BY block_number DESC");
          ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.add(new Checkpoint(rs.getLong(1), rs.getString(2)));
        }
      }
      return out;
    });
  }

  /** The writes of one transaction, on its connection. */
  private static final class Tx implements IncomeStore.Tx {
    private final Connection c;

    Tx(Connection c) {
      this.c = c;
    }

    @Override
    public Optional<IncomeRecord> income(String subtaskId) {
      return unchecked(() -> SqliteIncomeStore.income(c, subtaskId));
    }

    @Override
    public void expect(
        Address requestor,
        String taskId,
        String subtaskId,
        BigInteger amount,
        Instant acceptedAt,
        long recordedAt) {
      exec(
          "INSERT INTO incomes (subtask_id, task_id, requestor, amount, accepted_at, recorded_at, status) "
              + "VALUES (?, ?, ?, ?, ?, ?, 'EXPECTED')",
          subtaskId,
          taskId,
          requestor.hex(),
          amount.toString(),
          acceptedAt.toEpochMilli(),
          recordedAt);
    }

    @Override
    public void createCursor(ChainIdentity chain, Address account, long nextBlock) {
      exec(
          "INSERT INTO income_scan (id, chain_id, genesis_hash, account, next_block) VALUES (1, ?, ?, ?, ?)",
          chain.chainId(),
          chain.genesisHash(),
          account.hex(),
          nextBlock);
    }

    @Override
    public void moveCursor(long nextBlock) {
      exec("UPDATE income_scan SET next_block = ? WHERE id = 1", nextBlock);
    }

    @Override
    public void checkpoint(long blockNumber, String blockHash, int kept) {
      exec(
          "INSERT OR REPLACE INTO income_checkpoints (block_number, block_hash) VALUES (?, ?)",
          blockNumber,
          blockHash);
      exec(
          "DELETE FROM income_checkpoints WHERE block_number NOT IN (SELECT block_number FROM income_checkpoints "
              + "ORDER BY block_number DESC LIMIT ?)",
          kept);
    }

    @Override
    public OptionalLong paymentSeen(
        String txHash,
        Address sender,
        BigInteger amount,
        long blockNumber,
        String blockHash,
        OptionalLong closureTime,
        long seenAt) {
      return unchecked(() -> {
        try (PreparedStatement p =
            c.prepareStatement(
                "INSERT OR IGNORE INTO income_receipts (tx_hash, sender, amount, "
                    + "unallocated, block_number, block_hash, closure_time, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                java.sql.Statement.RETURN_GENERATED_KEYS)) {
          Sql.bind(
              p,
              txHash,
              sender.hex(),
              amount.toString(),
              amount.toString(),
              blockNumber,
              blockHash,
              closureTime.isPresent() ? closureTime.getAsLong() : null,
              seenAt);
          if (p.executeUpdate() == 0) {
            return OptionalLong.empty(); // seen before
          }
          try (ResultSet keys = p.getGeneratedKeys()) {
            keys.next();
            return OptionalLong.of(keys.getLong(1));
          }
        }
      });
    }

    @Override
    public void pin(String subtaskId, Address payer, String txHash) {
      exec(
          "UPDATE incomes SET requestor = ?, tx_hash = ? WHERE subtask_id = ? AND status = 'EXPECTED'",
          payer.hex(),
          txHash,
          subtaskId);
    }

    @Override
    public Optional<Credit> payment(String txHash, Address sender) {
      return unchecked(() -> {
        try (PreparedStatement p =
            c.prepareStatement(
                "SELECT id, tx_hash, sender, unallocated, block_number FROM income_receipts "
                    + "WHERE tx_hash = ? AND sender = ?")) {
          Sql.bind(p, txHash, sender.hex());
          try (ResultSet rs = p.executeQuery()) {
            return rs.next()
                ? Optional.of(
                    new Credit(
                        rs.getLong(1),
                        rs.getString(2),
                        Address.of(rs.getString(3)),
                        new BigInteger(rs.getString(4)),
                        rs.getLong(5)))
                : Optional.empty();
          }
        }
      });
    }

    @Override
    public List<IncomeRecord> expectedFrom(Address requestor) {
      return unchecked(() ->
          incomes(
              c,
              "SELECT "
                  + INCOME_COLUMNS
                  + " FROM incomes "
                  + "WHERE requestor = ? AND status = 'EXPECTED' ORDER BY accepted_at, subtask_id",
              requestor.hex()));
    }

    @Override
    public void received(
        String subtaskId, long paymentId, String txHash, long blockNumber, long receivedAt) {
      exec(
          "UPDATE incomes SET status = 'RECEIVED', receipt_id = ?, tx_hash = ?, block_number = ?, received_at = ? "
              + "WHERE subtask_id = ?",
          paymentId,
          txHash,
          blockNumber,
          receivedAt,
          subtaskId);
    }

    @Override
    public void unallocated(long paymentId, BigInteger left) {
      exec("UPDATE income_receipts SET unallocated = ? WHERE id = ?", left.toString(), paymentId);
    }

    @Override
    public List<Credit> credits() {
      return unchecked(() -> {
        List<Credit> out = new ArrayList<>();
        try (PreparedStatement p =
                c.prepareStatement(
                    "SELECT r.id, r.tx_hash, r.sender, r.unallocated, r.block_number "
                        + "FROM income_receipts r WHERE r.unallocated <> '0' AND EXISTS (SELECT 1 FROM incomes i "
                        + "WHERE i.requestor = r.sender AND i.status = 'EXPECTED') ORDER BY r.block_number, r.id");
            ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            out.add(
                new Credit(
                    rs.getLong(1),
                    rs.getString(2),
                    Address.of(rs.getString(3)),
                    new BigInteger(rs.getString(4)),
                    rs.getLong(5)));
          }
        }
        return out;
      });
    }

    @Override
    public Forgotten forgetAbove(long block) {
      return unchecked(() -> {
        List<Long> gone = new ArrayList<>();
        try (PreparedStatement p =
            c.prepareStatement("SELECT id FROM income_receipts WHERE block_number > ?")) {
          p.setLong(1, block);
          try (ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
              gone.add(rs.getLong(1));
            }
          }
        }
        int incomes = 0;
        for (long id : gone) {
          incomes +=
              Sql.exec(
                  c,
                  "UPDATE incomes SET status = 'EXPECTED', receipt_id = NULL, tx_hash = NULL, "
                      + "block_number = NULL, received_at = NULL WHERE receipt_id = ?",
                  id);
          Sql.exec(c, "DELETE FROM income_receipts WHERE id = ?", id);
        }
        Sql.exec(c, "DELETE FROM income_checkpoints WHERE block_number > ?", block);
        return new Forgotten(gone.size(), incomes);
      });
    }

    @Override
    public List<IncomeRecord> overdueUnreported(long cutoffMillis) {
      return unchecked(() ->
          incomes(
              c,
              "SELECT "
                  + INCOME_COLUMNS
                  + " FROM incomes WHERE status = 'EXPECTED' "
                  + "AND overdue_reported_at IS NULL AND accepted_at <= ? ORDER BY accepted_at, subtask_id",
              cutoffMillis));
    }

    @Override
    public void overdueReported(String subtaskId, long at) {
      exec("UPDATE incomes SET overdue_reported_at = ? WHERE subtask_id = ?", at, subtaskId);
    }

    private void exec(String sql, Object... args) {
      unchecked(() -> Sql.exec(c, sql, args));
    }
  }

  /**
   * SQL work inside a transaction: its SQLException fails the transaction as {@link
   * NodeDatabase#write} would.
   */
  @FunctionalInterface
  private interface SqlCall<T> {
    T call() throws SQLException;
  }

  private static <T> T unchecked(SqlCall<T> call) {
    try {
      return call.call();
    } catch (SQLException e) {
      throw new StateException(StateException.Reason.QUERY_FAILED, e.getMessage(), e);
    }
  }

  // ------------------------------------------------------------------------------------ SQL
  // helpers

  private static Optional<IncomeRecord> income(Connection c, String subtaskId) throws SQLException {
    List<IncomeRecord> l =
        incomes(c, "SELECT " + INCOME_COLUMNS + " FROM incomes WHERE subtask_id = ?", subtaskId);
    return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
  }

  private static List<IncomeRecord> incomes(Connection c, String sql, Object... args)
      throws SQLException {
    List<IncomeRecord> out = new ArrayList<>();
    try (PreparedStatement p = c.prepareStatement(sql)) {
      Sql.bind(p, args);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          long block = rs.getLong(8);
          Long blockNumber = rs.wasNull() ? null : block;
          rs.getLong(9);
          boolean reported = !rs.wasNull();
          out.add(
              new IncomeRecord(
                  rs.getString(1),
                  rs.getString(2),
                  Address.of(rs.getString(3)),
                  new BigInteger(rs.getString(4)),
                  Instant.ofEpochMilli(rs.getLong(5)),
                  IncomeStatus.valueOf(rs.getString(6)),
                  rs.getString(7),
                  blockNumber,
                  reported));
        }
      }
    }
    return out;
  }
}
