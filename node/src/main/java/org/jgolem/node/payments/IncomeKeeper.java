package org.jgolem.node.payments;

import java.math.BigInteger;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider's incomes: what requestors owe it for accepted results, matched against the GNT they
 * actually send.
 *
 * <p><b>Scanning.</b> The keeper reads {@code Transfer} logs to its address with {@code
 * eth_getLogs} over explicit block ranges of at most {@code maxBlockRange} blocks, from a cursor
 * kept in its {@link IncomeStore}, up to the newest block with {@code confirmations}. Each range is
 * committed in one transaction of the store together with the cursor's move and the hash of the
 * range's last block (a checkpoint), so a restart resumes exactly where it stopped and nothing is
 * counted twice (a payment is also unique per transaction and sender).
 *
 * <p><b>A chain that went back.</b> Each tick first checks the newest checkpoint against the chain.
 * If its block is gone or has another hash (a reorganisation deeper than {@code confirmations}, or
 * a node restarted from older state), the keeper looks for the newest checkpoint still on the
 * chain, forgets every payment seen above it (the incomes they covered become expected again) and
 * scans again from there. A different chain id or genesis is refused ({@code CHAIN_CHANGED}).
 *
 * <p><b>Matching</b> follows {@link IncomeMatcher}: per (transaction, sender), by the batch's
 * closure time, else an exact subset, else oldest first as far as the amount covers; the rest is
 * kept as credit for incomes from that sender recorded later.
 *
 * <p><b>Overdue.</b> An income still expected {@code overdueAfter} after its acceptance is reported
 * to the {@link IncomeListener} once: it is marked in the ledger first, then reported, so a crash
 * in between loses the report rather than repeating it.
 *
 * <p>Why over 400 lines: the scan of the chain, the cursor that survives a chain going back, and
 * the allocation of each transfer to the expected incomes are one exactly-once argument over one
 * store transaction; its SQL is in {@code org.jgolem.node.store.SqliteIncomeStore}.
 */
public final class IncomeKeeper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IncomeKeeper.class);

  /** What one tick did. */
  public record TickReport(
      int blocksScanned,
      int paymentsSeen,
      int incomesReceived,
      int overdueReported,
      boolean rewound) {}

  /** Where scanning stands: the next block to scan, and the chain the cursor belongs to. */
  public record Cursor(ChainIdentity chain, Address account, long nextBlock) {}

  /** A payment seen on chain: a transaction's transfers from one sender to us, summed. */
  public record SeenPayment(
      String txHash,
      Address sender,
      BigInteger amount,
      BigInteger unallocated,
      long blockNumber,
      OptionalLong closureTime) {}

  private final IncomeStore store;
  private final ChainView chain;
  private final Address account;
  private final Clock clock;
  private final IncomeConfig config;
  private final IncomeListener listener;
  private final Object tickLock = new Object();
  private ScheduledFuture<?> loop;

  public IncomeKeeper(
      IncomeStore store,
      ChainView chain,
      Address account,
      Clock clock,
      IncomeConfig config,
      IncomeListener listener) {
    this.store = store;
    this.chain = chain;
    this.account = account;
    this.clock = clock;
    this.config = config;
    this.listener = listener;
  }

  // ------------------------------------------------------------------------------------ API

  /**
   * Records that {@code requestor} accepted our result for {@code subtaskId} and owes {@code
   * amount}. Idempotent: true if new, false if recorded before with the same values.
   *
   * @throws PaymentException {@code CONFLICTING_RECORD} if recorded before with other values;
   *     {@code INVALID_RECORD} for blank ids, a null requestor or a non-positive amount
   */
  public boolean expect(
      Address requestor, String taskId, String subtaskId, BigInteger amount, Instant acceptedAt) {
    if (taskId == null
        || taskId.isBlank()
        || subtaskId == null
        || subtaskId.isBlank()
        || requestor == null
        || amount == null
        || acceptedAt == null) {
      throw new PaymentException(
          PaymentException.Reason.INVALID_RECORD,
          "requestor, task id, subtask id, amount and acceptedAt are required");
    }
    if (amount.signum() <= 0) {
      throw new PaymentException(
          PaymentException.Reason.INVALID_RECORD,
          "subtask " + subtaskId + ": amount must be positive, got " + amount);
    }
    return store.inTransaction(tx -> {
      Optional<IncomeRecord> existing = tx.income(subtaskId);
      if (existing.isPresent()) {
        IncomeRecord e = existing.get();
        if (!e.requestor().equals(requestor)
            || !e.taskId().equals(taskId)
            || e.amount().compareTo(amount) != 0) {
          throw new PaymentException(
              PaymentException.Reason.CONFLICTING_RECORD,
              "income for subtask "
                  + subtaskId
                  + " was recorded as "
                  + e.amount()
                  + " from "
                  + e.requestor()
                  + " (task "
                  + e.taskId()
                  + "), now as "
                  + amount
                  + " from "
                  + requestor
                  + " (task "
                  + taskId
                  + ")");
        }
        return false;
      }
      tx.expect(requestor, taskId, subtaskId, amount, acceptedAt, clock.millis());
      return true;
    });
  }

  /**
   * Concent paid {@code amount} from a requestor's deposit for {@code subtaskIds} (its
   * SettlementMade), in transaction {@code txHash} sent by the deposit contract {@code payer}.
   *
   * <p>The incomes it names that are still expected become the deposit contract's, bound to that
   * transaction, whole and oldest accepted first as far as the amount covers them; what it does not
   * cover whole stays expected from the requestor, visibly unpaid, and its part of the amount stays
   * unallocated on the deposit's payment (credit). They are RECEIVED when the chain shows the
   * transaction: now, if it was scanned already, else at the tick that scans it, and only from that
   * transaction. The GNT is counted once, from the chain, whichever comes first; a requestor's
   * batch that later pays the same subtasks covers nothing of them and stays credit. Delivered
   * again, it changes nothing.
   *
   * @return how many incomes became RECEIVED now
   */
  public int paidByConcent(
      String txHash, Address payer, List<String> subtaskIds, BigInteger amount) {
    if (txHash == null || payer == null || subtaskIds == null || amount == null) {
      throw new PaymentException(
          PaymentException.Reason.INVALID_RECORD,
          "transaction, payer, subtask ids and amount are required");
    }
    return store.inTransaction(tx -> {
      List<IncomeRecord> named = new ArrayList<>();
      for (String id : new LinkedHashSet<>(subtaskIds)) tx.income(id).ifPresent(named::add);
      named.sort(
          java.util.Comparator.comparing(IncomeRecord::acceptedAt)
              .thenComparing(IncomeRecord::subtaskId));
      BigInteger left = amount;
      for (IncomeRecord r : named) {
        if (txHash.equals(r.txHash())) left = left.subtract(r.amount()); // bound before
      }
      List<String> bound = new ArrayList<>();
      for (IncomeRecord r : named) {
        if (r.status() == IncomeStatus.EXPECTED
            && r.txHash() == null
            && r.amount().compareTo(left) <= 0) {
          tx.pin(r.subtaskId(), payer, txHash);
          left = left.subtract(r.amount());
          bound.add(r.subtaskId());
        }
      }
      if (!bound.isEmpty()) {
        LOG.info(
            "incomes: Concent's {} from {} in {} pays {}{}",
            amount,
            payer,
            txHash,
            bound,
            left.signum() > 0 ? "; " + left + " of it covers no expected income whole" : "");
      }
      return tx.payment(txHash, payer)
          .map(c ->
              allocate(
                  tx,
                  c.paymentId(),
                  txHash,
                  payer,
                  c.left(),
                  OptionalLong.empty(),
                  c.blockNumber()))
          .orElse(0);
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
      n.received += store.inTransaction(this::applyCredit);
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
    loop =
        scheduler.scheduleWithFixedDelay(
            () -> {
              try {
                tick();
              } catch (RuntimeException e) {
                LOG.warn("income tick failed (retried next tick): {}", e.getMessage());
              }
            },
            0,
            interval.toMillis(),
            TimeUnit.MILLISECONDS);
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
    return store.incomes();
  }

  public Optional<IncomeRecord> income(String subtaskId) {
    return store.income(subtaskId);
  }

  public List<IncomeRecord> incomes(IncomeStatus status) {
    return store.incomes(status);
  }

  /** Sum of incomes still expected, base units. */
  public BigInteger expectedTotal() {
    return incomes(IncomeStatus.EXPECTED).stream()
        .map(IncomeRecord::amount)
        .reduce(BigInteger.ZERO, BigInteger::add);
  }

  /** Sum of incomes received, base units. */
  public BigInteger receivedTotal() {
    return incomes(IncomeStatus.RECEIVED).stream()
        .map(IncomeRecord::amount)
        .reduce(BigInteger.ZERO, BigInteger::add);
  }

  /** Payments seen on chain (per transaction and sender), with what is left unallocated. */
  public List<SeenPayment> seenPayments() {
    return store.seenPayments();
  }

  public Optional<Cursor> cursor() {
    return store.cursor();
  }

  // ------------------------------------------------------------------------------------ scanning

  private Cursor cursorFor(ChainIdentity identity) {
    if (!chain.tokenDeployed()) {
      throw new PaymentException(
          PaymentException.Reason.CHAIN_CHANGED,
          "no GNT contract on "
              + identity
              + ": the chain was reset from scratch or the RPC URL is wrong; not scanning");
    }
    Optional<Cursor> stored = cursor();
    if (stored.isEmpty()) {
      store.inTransaction(tx -> {
        tx.createCursor(identity, account, config.startBlock());
        return null;
      });
      return cursor().orElseThrow();
    }
    Cursor c = stored.get();
    if (!c.chain().equals(identity)) {
      throw new PaymentException(
          PaymentException.Reason.CHAIN_CHANGED,
          "the income ledger was scanned on "
              + c.chain()
              + " but the node now reports "
              + identity
              + "; not scanning. Check the RPC URL.");
    }
    if (!c.account().equals(account)) {
      throw new PaymentException(
          PaymentException.Reason.CHAIN_CHANGED,
          "the income ledger belongs to " + c.account() + ", not " + account);
    }
    return c;
  }

  /**
   * Returns true if the chain went back under the newest checkpoint and the cursor was moved back.
   */
  private boolean checkForRewind(long head) {
    List<IncomeStore.Checkpoint> checkpoints = store.checkpoints();
    if (checkpoints.isEmpty() || onChain(checkpoints.get(0), head)) {
      return false;
    }
    long fork = config.startBlock() - 1;
    for (int i = 1; i < checkpoints.size(); i++) {
      if (onChain(checkpoints.get(i), head)) {
        fork = checkpoints.get(i).blockNumber();
        break;
      }
    }
    long keep = fork;
    IncomeStore.Forgotten forgotten =
        store.inTransaction(tx -> {
          IncomeStore.Forgotten f = tx.forgetAbove(keep);
          tx.moveCursor(keep + 1);
          return f;
        });
    LOG.warn(
        "incomes: scanned block {} is no longer on the chain (head {}); rescanning from block {}: {} payment(s) "
            + "forgotten, {} income(s) expected again",
        checkpoints.get(0).blockNumber(),
        head,
        keep + 1,
        forgotten.payments(),
        forgotten.incomes());
    return true;
  }

  private boolean onChain(IncomeStore.Checkpoint checkpoint, long head) {
    return checkpoint.blockNumber() <= head
        && chain
            .blockHash(checkpoint.blockNumber())
            .map(checkpoint.blockHash()::equals)
            .orElse(false);
  }

  private void commitRange(
      long from, long to, String toHash, List<IncomingTransfer> transfers, Counters n) {
    // One payment per (transaction, sender): a batch paying more than 2^96-1 to us needs several
    // words.
    Map<String, IncomingTransfer> first = new LinkedHashMap<>();
    Map<String, BigInteger> sums = new LinkedHashMap<>();
    for (IncomingTransfer t : transfers) {
      if (t.blockNumber() < from || t.blockNumber() > to) {
        throw new IllegalStateException(
            "transfer "
                + t.transactionHash()
                + " in block "
                + t.blockNumber()
                + " outside the requested range "
                + from
                + ".."
                + to);
      }
      String key = t.transactionHash() + "/" + t.from().hex();
      first.putIfAbsent(key, t);
      sums.merge(key, t.value(), BigInteger::add);
    }
    int[] received = new int[1];
    int[] seen = new int[1];
    store.inTransaction(tx -> {
      for (Map.Entry<String, IncomingTransfer> e : first.entrySet()) {
        IncomingTransfer t = e.getValue();
        BigInteger amount = sums.get(e.getKey());
        OptionalLong id =
            tx.paymentSeen(
                t.transactionHash(),
                t.from(),
                amount,
                t.blockNumber(),
                t.blockHash(),
                t.closureTime(),
                clock.millis());
        if (id.isEmpty()) {
          continue; // seen before
        }
        seen[0]++;
        received[0] +=
            allocate(
                tx,
                id.getAsLong(),
                t.transactionHash(),
                t.from(),
                amount,
                t.closureTime(),
                t.blockNumber());
      }
      tx.checkpoint(to, toHash, config.checkpointsKept());
      tx.moveCursor(to + 1);
      return null;
    });
    n.seen += seen[0];
    n.received += received[0];
  }

  /**
   * Allocates {@code amount} of payment {@code receiptId} to expected incomes from {@code sender};
   * returns how many.
   */
  private int allocate(
      IncomeStore.Tx tx,
      long receiptId,
      String txHash,
      Address sender,
      BigInteger amount,
      OptionalLong closureTime,
      long block) {
    // incomes Concent named as paid by this very transaction first, whole, as far as it covers;
    // then the matcher, over the incomes bound to no transaction
    BigInteger left = amount;
    int bound = 0;
    List<IncomeMatcher.Candidate> candidates = new ArrayList<>();
    for (IncomeRecord r : tx.expectedFrom(sender)) {
      if (r.txHash() == null) {
        candidates.add(
            new IncomeMatcher.Candidate(r.subtaskId(), r.amount(), r.acceptedAt().toEpochMilli()));
      } else if (r.txHash().equals(txHash) && r.amount().compareTo(left) <= 0) {
        tx.received(r.subtaskId(), receiptId, txHash, block, clock.millis());
        left = left.subtract(r.amount());
        bound++;
      }
    }
    IncomeMatcher.Allocation a =
        IncomeMatcher.allocate(left, closureTime, config.closureSkew(), candidates);
    for (String subtask : a.subtaskIds()) {
      tx.received(subtask, receiptId, txHash, block, clock.millis());
    }
    tx.unallocated(receiptId, a.remainder());
    int covered = bound + a.subtaskIds().size();
    if (covered > 0) {
      LOG.info(
          "incomes: {} from {} in {} covers {} income(s) ({}){}",
          amount,
          sender,
          txHash,
          covered,
          bound > 0 ? bound + " named by Concent, " + a.rule() + " rule" : a.rule() + " rule",
          a.remainder().signum() > 0 ? ", " + a.remainder() + " left as credit" : "");
    }
    return covered;
  }

  /**
   * Applies what earlier payments left unallocated to incomes recorded since; returns how many were
   * covered.
   */
  private int applyCredit(IncomeStore.Tx tx) {
    int n = 0;
    for (IncomeStore.Credit cr : tx.credits()) {
      n +=
          allocate(
              tx,
              cr.paymentId(),
              cr.txHash(),
              cr.sender(),
              cr.left(),
              OptionalLong.empty(),
              cr.blockNumber());
    }
    return n;
  }

  private void reportOverdue(Counters n) {
    long cutoff = clock.millis() - config.overdueAfter().toMillis();
    List<IncomeRecord> due =
        store.inTransaction(tx -> {
          List<IncomeRecord> l = tx.overdueUnreported(cutoff);
          for (IncomeRecord r : l) {
            tx.overdueReported(r.subtaskId(), clock.millis());
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
