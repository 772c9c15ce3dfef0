package org.jgolem.node.payments;

import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jgolem.eth.Address;
import org.jgolem.node.payments.ChainView.ChainIdentity;
import org.jgolem.node.payments.ChainView.IncomingTransfer;
import org.jgolem.node.state.NodeDatabase;
import org.jgolem.node.state.Sql;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider's incomes: what requestors owe it for accepted results, matched against the GNT
 * they actually send.
 *
 * <p><b>Scanning.</b> The keeper reads {@code Transfer} logs to its address with {@code
 * eth_getLogs} over explicit block ranges of at most {@code maxBlockRange} blocks, from a cursor
 * kept in SQLite, up to the newest block with {@code confirmations}. Each range is committed in
 * one SQLite transaction together with the cursor's move and the hash of the range's last block
 * (a checkpoint), so a restart resumes exactly where it stopped and nothing is counted twice (a
 * payment is also unique per transaction and sender).
 *
 * <p><b>A chain that went back.</b> Each tick first checks the newest checkpoint against the chain.
 * If its block is gone or has another hash (a reorganisation deeper than {@code confirmations}, or
 * a node restarted from older state), the keeper looks for the newest checkpoint still on the chain,
 * forgets every payment seen above it (the incomes they covered become expected again) and scans
 * again from there. A different chain id or genesis is refused ({@code CHAIN_CHANGED}).
 *
 * <p><b>Matching</b> follows {@link IncomeMatcher}: per (transaction, sender), by the batch's
 * closure time, else an exact subset, else oldest first as far as the amount covers; the rest is
 * kept as credit for incomes from that sender recorded later.
 *
 * <p><b>Overdue.</b> An income still expected {@code overdueAfter} after its acceptance is reported
 * to the {@link IncomeListener} once: it is marked in the ledger first, then reported, so a crash
 * in between loses the report rather than repeating it.
 */
public final class IncomeKeeper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IncomeKeeper.class);
  private static final String INCOME_COLUMNS = "subtask_id, task_id, requestor, amount, accepted_at, status, tx_hash, "
      + "block_number, overdue_reported_at";

  /** What one tick did. */
  public record TickReport(int blocksScanned, int paymentsSeen, int incomesReceived, int overdueReported, boolean rewound) {}

  /** Where scanning stands: the next block to scan, and the chain the cursor belongs to. */
  public record Cursor(ChainIdentity chain, Address account, long nextBlock) {}

  /** A payment seen on chain: a transaction's transfers from one sender to us, summed. */
  public record SeenPayment(String txHash, Address sender, BigInteger amount, BigInteger unallocated, long blockNumber,
      OptionalLong closureTime) {}

  private final NodeDatabase db;
  private final ChainView chain;
  private final Address account;
  private final Clock clock;
  private final IncomeConfig config;
  private final IncomeListener listener;
  private final Object tickLock = new Object();
  private ScheduledFuture<?> loop;

  public IncomeKeeper(NodeDatabase db, ChainView chain, Address account, Clock clock, IncomeConfig config,
      IncomeListener listener) {
    this.db = db;
    this.chain = chain;
    this.account = account;
    this.clock = clock;
    this.config = config;
    this.listener = listener;
  }

  // ------------------------------------------------------------------------------------ API

  /**
   * Records that {@code requestor} accepted our result for {@code subtaskId} and owes {@code amount}.
   * Idempotent: true if new, false if recorded before with the same values.
   *
   * @throws PaymentException {@code CONFLICTING_RECORD} if recorded before with other values;
   *     {@code INVALID_RECORD} for blank ids, a null requestor or a non-positive amount
   */
  public boolean expect(Address requestor, String taskId, String subtaskId, BigInteger amount, Instant acceptedAt) {
    if (taskId == null || taskId.isBlank() || subtaskId == null || subtaskId.isBlank() || requestor == null
        || amount == null || acceptedAt == null) {
      throw new PaymentException(PaymentException.Reason.INVALID_RECORD,
          "requestor, task id, subtask id, amount and acceptedAt are required");
    }
    if (amount.signum() <= 0) {
      throw new PaymentException(PaymentException.Reason.INVALID_RECORD,
          "subtask " + subtaskId + ": amount must be positive, got " + amount);
    }
    return db.write(c -> {
      Optional<IncomeRecord> existing = income(c, subtaskId);
      if (existing.isPresent()) {
        IncomeRecord e = existing.get();
        if (!e.requestor().equals(requestor) || !e.taskId().equals(taskId) || e.amount().compareTo(amount) != 0) {
          throw new PaymentException(PaymentException.Reason.CONFLICTING_RECORD, "income for subtask " + subtaskId
              + " was recorded as " + e.amount() + " from " + e.requestor() + " (task " + e.taskId() + "), now as "
              + amount + " from " + requestor + " (task " + taskId + ")");
        }
        return false;
      }
      Sql.exec(c, "INSERT INTO incomes (subtask_id, task_id, requestor, amount, accepted_at, recorded_at, status) "
          + "VALUES (?, ?, ?, ?, ?, ?, 'EXPECTED')", subtaskId, taskId, requestor.hex(), amount.toString(),
          acceptedAt.toEpochMilli(), clock.millis());
      return true;
    });
  }

  /** Scans new blocks, matches payments, applies credit, reports overdue incomes. */
  public TickReport tick() {
    synchronized (tickLock) {
      Counters n = new Counters();
      Cursor cursor = cursorFor(chain.identity());
      long head = chain.latestBlock();
      n.rewound = checkForRewind(head);
      long safeHead = head - (config.confirmations() - 1);
      long next = cursor().orElseThrow().nextBlock();
      for (int i = 0; i < config.maxRangesPerTick() && next <= safeHead; i++) {
        long to = Math.min(safeHead, next + config.maxBlockRange() - 1);
        List<IncomingTransfer> transfers = chain.transfersTo(account, next, to);
        Optional<String> toHash = chain.blockHash(to);
        if (toHash.isEmpty()) {
          break; // the chain moved under us; the next tick sees it
        }
        commitRange(next, to, toHash.get(), transfers, n);
        n.blocks += (int) (to - next + 1);
        next = to + 1;
      }
      n.received += db.write(this::applyCredit);
      reportOverdue(n);
      if (cursor.nextBlock() != next) {
        LOG.debug("incomes: scanned to block {}", next - 1);
      }
      return n.report();
    }
  }

  public synchronized void start(ScheduledExecutorService scheduler, Duration interval) {
    if (loop != null) {
      throw new IllegalStateException("the income keeper is already running");
    }
    loop = scheduler.scheduleWithFixedDelay(() -> {
      try {
        tick();
      } catch (RuntimeException e) {
        LOG.warn("income tick failed (retried next tick): {}", e.getMessage());
      }
    }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void close() {
    if (loop != null) {
      loop.cancel(false);
      loop = null;
    }
  }

  public Address account() {
    return account;
  }

  public List<IncomeRecord> incomes() {
    return db.read(c -> incomes(c, "SELECT " + INCOME_COLUMNS + " FROM incomes ORDER BY accepted_at, subtask_id"));
  }

  public Optional<IncomeRecord> income(String subtaskId) {
    return db.read(c -> income(c, subtaskId));
  }

  public List<IncomeRecord> incomes(IncomeStatus status) {
    return db.read(c -> incomes(c, "SELECT " + INCOME_COLUMNS + " FROM incomes WHERE status = ? "
        + "ORDER BY accepted_at, subtask_id", status.name()));
  }

  /** Sum of incomes still expected, base units. */
  public BigInteger expectedTotal() {
    return incomes(IncomeStatus.EXPECTED).stream().map(IncomeRecord::amount).reduce(BigInteger.ZERO, BigInteger::add);
  }

  /** Sum of incomes received, base units. */
  public BigInteger receivedTotal() {
    return incomes(IncomeStatus.RECEIVED).stream().map(IncomeRecord::amount).reduce(BigInteger.ZERO, BigInteger::add);
  }

  /** Payments seen on chain (per transaction and sender), with what is left unallocated. */
  public List<SeenPayment> seenPayments() {
    return db.read(c -> {
      List<SeenPayment> out = new ArrayList<>();
      try (PreparedStatement p = c.prepareStatement("SELECT tx_hash, sender, amount, unallocated, block_number, "
          + "closure_time FROM income_receipts ORDER BY block_number, id");
          ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          long closure = rs.getLong(6);
          out.add(new SeenPayment(rs.getString(1), Address.of(rs.getString(2)), new BigInteger(rs.getString(3)),
              new BigInteger(rs.getString(4)), rs.getLong(5), rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(closure)));
        }
      }
      return out;
    });
  }

  public Optional<Cursor> cursor() {
    return db.read(c -> {
      try (PreparedStatement p = c.prepareStatement(
          "SELECT chain_id, genesis_hash, account, next_block FROM income_scan WHERE id = 1");
          ResultSet rs = p.executeQuery()) {
        return rs.next()
            ? Optional.of(new Cursor(new ChainIdentity(rs.getLong(1), rs.getString(2)), Address.of(rs.getString(3)),
                rs.getLong(4)))
            : Optional.empty();
      }
    });
  }

  // ------------------------------------------------------------------------------------ scanning

  private Cursor cursorFor(ChainIdentity identity) {
    if (!chain.tokenDeployed()) {
      throw new PaymentException(PaymentException.Reason.CHAIN_CHANGED, "no GNT contract on " + identity
          + ": the chain was reset from scratch or the RPC URL is wrong; not scanning");
    }
    Optional<Cursor> stored = cursor();
    if (stored.isEmpty()) {
      db.write(c -> Sql.exec(c, "INSERT INTO income_scan (id, chain_id, genesis_hash, account, next_block) "
          + "VALUES (1, ?, ?, ?, ?)", identity.chainId(), identity.genesisHash(), account.hex(), config.startBlock()));
      return cursor().orElseThrow();
    }
    Cursor c = stored.get();
    if (!c.chain().equals(identity)) {
      throw new PaymentException(PaymentException.Reason.CHAIN_CHANGED, "the income ledger was scanned on " + c.chain()
          + " but the node now reports " + identity + "; not scanning. Check the RPC URL.");
    }
    if (!c.account().equals(account)) {
      throw new PaymentException(PaymentException.Reason.CHAIN_CHANGED, "the income ledger belongs to " + c.account()
          + ", not " + account);
    }
    return c;
  }

  /** Returns true if the chain went back under the newest checkpoint and the cursor was moved back. */
  private boolean checkForRewind(long head) {
    List<long[]> blocks = new ArrayList<>();
    List<String> hashes = new ArrayList<>();
    db.read(c -> {
      try (PreparedStatement p = c.prepareStatement(
          "SELECT block_number, block_hash FROM income_checkpoints ORDER BY block_number DESC");
          ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          blocks.add(new long[] {rs.getLong(1)});
          hashes.add(rs.getString(2));
        }
      }
      return null;
    });
    if (blocks.isEmpty() || onChain(blocks.get(0)[0], hashes.get(0), head)) {
      return false;
    }
    long fork = config.startBlock() - 1;
    for (int i = 1; i < blocks.size(); i++) {
      if (onChain(blocks.get(i)[0], hashes.get(i), head)) {
        fork = blocks.get(i)[0];
        break;
      }
    }
    long keep = fork;
    int[] forgotten = new int[2];
    db.write(c -> {
      List<Long> gone = new ArrayList<>();
      try (PreparedStatement p = c.prepareStatement("SELECT id FROM income_receipts WHERE block_number > ?")) {
        p.setLong(1, keep);
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            gone.add(rs.getLong(1));
          }
        }
      }
      for (long id : gone) {
        forgotten[1] += Sql.exec(c, "UPDATE incomes SET status = 'EXPECTED', receipt_id = NULL, tx_hash = NULL, "
            + "block_number = NULL, received_at = NULL WHERE receipt_id = ?", id);
        Sql.exec(c, "DELETE FROM income_receipts WHERE id = ?", id);
      }
      forgotten[0] = gone.size();
      Sql.exec(c, "DELETE FROM income_checkpoints WHERE block_number > ?", keep);
      Sql.exec(c, "UPDATE income_scan SET next_block = ? WHERE id = 1", keep + 1);
      return null;
    });
    LOG.warn("incomes: scanned block {} is no longer on the chain (head {}); rescanning from block {}: {} payment(s) "
        + "forgotten, {} income(s) expected again", blocks.get(0)[0], head, keep + 1, forgotten[0], forgotten[1]);
    return true;
  }

  private boolean onChain(long block, String hash, long head) {
    return block <= head && chain.blockHash(block).map(hash::equals).orElse(false);
  }

  private void commitRange(long from, long to, String toHash, List<IncomingTransfer> transfers, Counters n) {
    // One payment per (transaction, sender): a batch paying more than 2^96-1 to us needs several words.
    Map<String, IncomingTransfer> first = new LinkedHashMap<>();
    Map<String, BigInteger> sums = new LinkedHashMap<>();
    for (IncomingTransfer t : transfers) {
      if (t.blockNumber() < from || t.blockNumber() > to) {
        throw new IllegalStateException("transfer " + t.transactionHash() + " in block " + t.blockNumber()
            + " outside the requested range " + from + ".." + to);
      }
      String key = t.transactionHash() + "/" + t.from().hex();
      first.putIfAbsent(key, t);
      sums.merge(key, t.value(), BigInteger::add);
    }
    int[] received = new int[1];
    int[] seen = new int[1];
    db.write(c -> {
      for (Map.Entry<String, IncomingTransfer> e : first.entrySet()) {
        IncomingTransfer t = e.getValue();
        BigInteger amount = sums.get(e.getKey());
        try (PreparedStatement p = c.prepareStatement("INSERT OR IGNORE INTO income_receipts (tx_hash, sender, amount, "
            + "unallocated, block_number, block_hash, closure_time, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            java.sql.Statement.RETURN_GENERATED_KEYS)) {
          Sql.bind(p, t.transactionHash(), t.from().hex(), amount.toString(), amount.toString(), t.blockNumber(),
              t.blockHash(), t.closureTime().isPresent() ? t.closureTime().getAsLong() : null, clock.millis());
          if (p.executeUpdate() == 0) {
            continue; // seen before
          }
          long id;
          try (ResultSet keys = p.getGeneratedKeys()) {
            keys.next();
            id = keys.getLong(1);
          }
          seen[0]++;
          received[0] += allocate(c, id, t.transactionHash(), t.from(), amount, t.closureTime(), t.blockNumber());
        }
      }
      Sql.exec(c, "INSERT OR REPLACE INTO income_checkpoints (block_number, block_hash) VALUES (?, ?)", to, toHash);
      Sql.exec(c, "DELETE FROM income_checkpoints WHERE block_number NOT IN (SELECT block_number FROM income_checkpoints "
          + "ORDER BY block_number DESC LIMIT ?)", config.checkpointsKept());
      Sql.exec(c, "UPDATE income_scan SET next_block = ? WHERE id = 1", to + 1);
      return null;
    });
    n.seen += seen[0];
    n.received += received[0];
  }

  /** Allocates {@code amount} of payment {@code receiptId} to expected incomes from {@code sender}; returns how many. */
  private int allocate(Connection c, long receiptId, String txHash, Address sender, BigInteger amount,
      OptionalLong closureTime, long block) throws SQLException {
    List<IncomeMatcher.Candidate> candidates = new ArrayList<>();
    try (PreparedStatement p = c.prepareStatement("SELECT subtask_id, amount, accepted_at FROM incomes "
        + "WHERE requestor = ? AND status = 'EXPECTED' ORDER BY accepted_at, subtask_id")) {
      p.setString(1, sender.hex());
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          candidates.add(new IncomeMatcher.Candidate(rs.getString(1), new BigInteger(rs.getString(2)), rs.getLong(3)));
        }
      }
    }
    IncomeMatcher.Allocation a = IncomeMatcher.allocate(amount, closureTime, config.closureSkew(), candidates);
    for (String subtask : a.subtaskIds()) {
      Sql.exec(c, "UPDATE incomes SET status = 'RECEIVED', receipt_id = ?, tx_hash = ?, block_number = ?, received_at = ? "
          + "WHERE subtask_id = ?", receiptId, txHash, block, clock.millis(), subtask);
    }
    Sql.exec(c, "UPDATE income_receipts SET unallocated = ? WHERE id = ?", a.remainder().toString(), receiptId);
    if (!a.subtaskIds().isEmpty()) {
      LOG.info("incomes: {} from {} in {} covers {} income(s) ({} rule){}", amount, sender, txHash,
          a.subtaskIds().size(), a.rule(), a.remainder().signum() > 0 ? ", " + a.remainder() + " left as credit" : "");
    }
    return a.subtaskIds().size();
  }

  /** Applies what earlier payments left unallocated to incomes recorded since; returns how many were covered. */
  private int applyCredit(Connection c) throws SQLException {
    record Credit(long id, String txHash, Address sender, BigInteger left, long block) {}
    List<Credit> credits = new ArrayList<>();
    try (PreparedStatement p = c.prepareStatement("SELECT r.id, r.tx_hash, r.sender, r.unallocated, r.block_number "
        + "FROM income_receipts r WHERE r.unallocated <> '0' AND EXISTS (SELECT 1 FROM incomes i "
        + "WHERE i.requestor = r.sender AND i.status = 'EXPECTED') ORDER BY r.block_number, r.id");
        ResultSet rs = p.executeQuery()) {
      while (rs.next()) {
        credits.add(new Credit(rs.getLong(1), rs.getString(2), Address.of(rs.getString(3)),
            new BigInteger(rs.getString(4)), rs.getLong(5)));
      }
    }
    int n = 0;
    for (Credit cr : credits) {
      n += allocate(c, cr.id(), cr.txHash(), cr.sender(), cr.left(), OptionalLong.empty(), cr.block());
    }
    return n;
  }

  private void reportOverdue(Counters n) {
    long cutoff = clock.millis() - config.overdueAfter().toMillis();
    List<IncomeRecord> due = db.write(c -> {
      List<IncomeRecord> l = incomes(c, "SELECT " + INCOME_COLUMNS + " FROM incomes WHERE status = 'EXPECTED' "
          + "AND overdue_reported_at IS NULL AND accepted_at <= ? ORDER BY accepted_at, subtask_id", cutoff);
      for (IncomeRecord r : l) {
        Sql.exec(c, "UPDATE incomes SET overdue_reported_at = ? WHERE subtask_id = ?", clock.millis(), r.subtaskId());
      }
      return l;
    });
    Set<Address> requestors = new LinkedHashSet<>();
    for (IncomeRecord r : due) {
      requestors.add(r.requestor());
      try {
        listener.overdue(r.requestor(), r.subtaskId(), r.amount());
      } catch (RuntimeException e) {
        LOG.warn("income listener failed on overdue {}: {}", r.subtaskId(), e.toString());
      }
      n.overdue++;
    }
    if (!due.isEmpty()) {
      LOG.warn("incomes: {} income(s) overdue from {}", due.size(), requestors);
    }
  }

  // ------------------------------------------------------------------------------------ SQL helpers

  private static Optional<IncomeRecord> income(Connection c, String subtaskId) throws SQLException {
    List<IncomeRecord> l = incomes(c, "SELECT " + INCOME_COLUMNS + " FROM incomes WHERE subtask_id = ?", subtaskId);
    return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
  }

  private static List<IncomeRecord> incomes(Connection c, String sql, Object... args) throws SQLException {
    List<IncomeRecord> out = new ArrayList<>();
    try (PreparedStatement p = c.prepareStatement(sql)) {
      Sql.bind(p, args);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          long block = rs.getLong(8);
          Long blockNumber = rs.wasNull() ? null : block;
          rs.getLong(9);
          boolean reported = !rs.wasNull();
          out.add(new IncomeRecord(rs.getString(1), rs.getString(2), Address.of(rs.getString(3)),
              new BigInteger(rs.getString(4)), Instant.ofEpochMilli(rs.getLong(5)), IncomeStatus.valueOf(rs.getString(6)),
              rs.getString(7), blockNumber, reported));
        }
      }
    }
    return out;
  }



  private static final class Counters {
    int blocks;
    int seen;
    int received;
    int overdue;
    boolean rewound;

    TickReport report() {
      return new TickReport(blocks, seen, received, overdue, rewound);
    }
  }
}
