package org.jgolem.node.payments;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jgolem.eth.Address;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The requestor's payment processor: pays every accepted subtask exactly once, in batches, and
 * keeps the ledger of which transaction paid it.
 *
 * <h2>What it does on each {@link #tick()}</h2>
 *
 * <ol>
 *   <li>Checks that the node still reports the chain (chain id, genesis hash), account and token
 *       the ledger was written against; otherwise it stops with {@code CHAIN_CHANGED} and touches
 *       nothing.
 *   <li><b>Reconciles</b> every live batch (and every confirmed one still within {@code
 *       reorgWatchBlocks} of the head) with the chain, as below.
 *   <li>Fills a lasting gap in the account's nonces below its own batches with a no-op transaction,
 *       so that they can be mined.
 *   <li>Once the oldest pending payment has waited {@code batchWindow}, <b>sends</b> everything
 *       accepted until now: aggregated per payee, one word per payee, at most {@code
 *       maxPaymentsPerBatch} words and an estimate under {@code maxGasPerBatch} per batch, the
 *       closure time being the newest accepted time in the batch (seconds). Payees the contract
 *       would refuse (zero address, the account itself, the token contract, amounts that cannot be
 *       packed, or any payee-specific revert of the estimate) are held back with the reason and
 *       block nobody else.
 * </ol>
 *
 * <p>The steps are done by its parts, under the tick's lock: {@link BatchReconciler} (reconcile,
 * nonce gaps) and {@link BatchSender} (send), both broadcasting and bumping fees through {@link
 * BatchBroadcaster}. The ledger is a {@link PaymentLedger} (in the node's SQLite database), each of
 * whose writes is atomic.
 *
 * <h2>Why each subtask is paid exactly once</h2>
 *
 * <p><b>At most once.</b> Payments reach the chain only through a batch, and a batch is created by
 * one SQLite transaction (the <em>write-ahead</em>) that signs nothing new afterwards: it stores
 * the signed raw transaction, its hash and its nonce, and moves the payments from PENDING into the
 * batch. Only after that commit are the bytes broadcast. So every transaction of ours that can
 * exist anywhere is in the ledger, with the payments it pays; a crash at any point leaves either no
 * batch (nothing signed, nothing sent) or a batch whose bytes are known. A payment in a batch is
 * not put in another batch until the first one is <em>proven dead</em>: a transaction of an account
 * is valid only at its nonce, so of all transactions with one nonce at most one is ever mined, and
 * once some other transaction with that nonce is mined, ours can never be. The ledger keeps at most
 * one live batch per nonce (a unique index); further attempts at a batch (fee bumps) reuse its
 * nonce and its payments, so at most one of them is mined.
 *
 * <p>A batch's payments go back to PENDING only in two cases, each of which proves that none of the
 * batch's transactions can ever be mined on this chain:
 *
 * <ul>
 *   <li><b>Reverted</b>: one of its transactions is mined with a failed receipt (or a successful
 *       one in which the GNT contract logged no {@code BatchTransfer}: a call to an address without
 *       the contract), and has {@code confirmations} blocks. It paid nothing (a revert undoes every
 *       transfer) and it used the nonce, so no attempt at that nonce can be mined any more.
 *   <li><b>Dropped</b>: none of its transactions has a receipt, and the account's transaction count
 *       at block {@code head - confirmations + 1} is above the batch's nonce: another transaction
 *       (of another component, or after a chain restart) took the nonce and is confirmed. The head
 *       is read before the receipts, so a batch transaction mined at or below that block would have
 *       shown its receipt (and the receipts are asked for once more after the nonce is seen used).
 * </ul>
 *
 * Both rest on what {@code confirmations} means: no reorganisation deeper than that. Nothing else
 * re-signs payments with a new nonce: a batch without a receipt whose nonce is still free is
 * broadcast again with the <em>same bytes</em> (after {@code rebroadcastAfter}, or at once if it
 * was never broadcast: the crash between write-ahead and broadcast), which can pay at most once.
 *
 * <p><b>At least once.</b> A payment leaves PENDING only into a batch; a live batch is either mined
 * (then confirmed: PAID with the transaction's hash and block), or re-broadcast until it is, or
 * proven dead (payments PENDING again, into the next batch). A transaction the pool drops (low
 * fees) is signed again at the same nonce with higher fees; a gap in the nonces below ours is
 * filled so that ours can be mined.
 *
 * <p><b>Which chain.</b> Every tick first checks the chain id, the genesis hash and that the GNT
 * contract has code: a development chain reset from scratch may keep chain id and genesis hash
 * (same configuration, started in the same second) but not the contract.
 *
 * <p><b>The chain going back.</b> A confirmed batch is checked again until its block is {@code
 * reorgWatchBlocks} deep. If its receipt is gone or moved (a node restarted from older state, or a
 * reorganisation), it is demoted: its payments are no longer paid, and the batch is handled as any
 * live batch: the same bytes are re-broadcast, so the restarted chain gets the same payment once. A
 * different genesis or chain id is not a restart but another chain (perhaps a wrong RPC URL while
 * the right chain still holds our payments): re-paying there could pay twice, so the processor
 * refuses to act ({@code CHAIN_CHANGED}).
 *
 * <p><b>Assumptions.</b> One processor per account and ledger (the processor owns the account's
 * nonces; other components may send from the account, which at worst makes a batch dropped and
 * re-sent); one consistent Ethereum node behind the port; no reorganisation deeper than {@code
 * confirmations}.
 *
 * <p>{@link #record} is idempotent per subtask: the same subtask recorded again with the same
 * values does nothing; with another amount, payee or task it fails with {@code CONFLICTING_RECORD}.
 * Thread safety: {@link #record} and the queries may be called from any thread; ticks are
 * serialised.
 */
public final class PaymentProcessor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PaymentProcessor.class);

  /** What one tick did. */
  public record TickReport(
      int batchesSent,
      int confirmed,
      int reverted,
      int dropped,
      int vanished,
      int broadcasts,
      int feeBumps,
      int heldBack,
      int fillers) {}

  private final PaymentLedger ledger;
  private final PaymentChain chain;
  private final Clock clock;
  private final PaymentConfig config;
  private final Object tickLock = new Object();
  private volatile String lastError;
  private final BatchReconciler reconciler; // used under tickLock
  private final BatchSender sender; // used under tickLock
  private ScheduledFuture<?> loop; // guarded by this

  public PaymentProcessor(
      PaymentLedger ledger, PaymentChain chain, Clock clock, PaymentConfig config) {
    this.ledger = ledger;
    this.chain = chain;
    this.clock = clock;
    this.config = config;
    BatchBroadcaster broadcaster = new BatchBroadcaster(ledger, chain, config);
    this.reconciler = new BatchReconciler(ledger, chain, config, broadcaster);
    this.sender = new BatchSender(ledger, chain, config, broadcaster);
  }

  // ------------------------------------------------------------------------------------ API

  /**
   * Records an accepted subtask to be paid. Returns true if it is new, false if this very payment
   * was recorded before (nothing changes: it is paid once).
   *
   * @throws PaymentException {@code CONFLICTING_RECORD} if the subtask was recorded with another
   *     amount, payee or task; {@code INVALID_RECORD} for a blank id, a null payee or a
   *     non-positive amount
   */
  public boolean record(
      String taskId, String subtaskId, Address payee, BigInteger amount, Instant acceptedAt) {
    if (taskId == null || taskId.isBlank() || subtaskId == null || subtaskId.isBlank()) {
      throw new PaymentException(
          PaymentException.Reason.INVALID_RECORD, "task and subtask ids must not be blank");
    }
    if (payee == null || amount == null || acceptedAt == null) {
      throw new PaymentException(
          PaymentException.Reason.INVALID_RECORD, "payee, amount and acceptedAt are required");
    }
    if (amount.signum() <= 0) {
      throw new PaymentException(
          PaymentException.Reason.INVALID_RECORD,
          "subtask " + subtaskId + ": amount must be positive, got " + amount);
    }
    Optional<PaymentRecord> before =
        ledger.recordIfAbsent(taskId, subtaskId, payee, amount, acceptedAt, clock.millis());
    if (before.isEmpty()) {
      LOG.debug("recorded payment for subtask {}: {} to {}", subtaskId, amount, payee);
      return true;
    }
    PaymentRecord e = before.get();
    if (!e.taskId().equals(taskId)
        || !e.payee().equals(payee)
        || e.amount().compareTo(amount) != 0) {
      throw new PaymentException(
          PaymentException.Reason.CONFLICTING_RECORD,
          "subtask "
              + subtaskId
              + " was recorded as task "
              + e.taskId()
              + ", "
              + e.amount()
              + " to "
              + e.payee()
              + "; now as task "
              + taskId
              + ", "
              + amount
              + " to "
              + payee
              + ". A subtask is paid once, for one amount.");
    }
    return false;
  }

  /**
   * Concent paid these subtasks from this requestor's deposit: those still waiting for a batch
   * (PENDING) are held back with {@code reason} and never sent, so nothing is paid twice. Under the
   * tick's lock, so no batch is being planned meanwhile. Returns how many were held back.
   */
  public int settledByConcent(java.util.Collection<String> subtaskIds, String reason) {
    synchronized (tickLock) {
      int n = ledger.holdBack(subtaskIds, reason);
      if (n > 0) LOG.info("{} payment(s) held back: {}", n, reason);
      return n;
    }
  }

  /** One round: reconcile batches with the chain, fill nonce gaps, send what is due. */
  public TickReport tick() {
    synchronized (tickLock) {
      TickCounters n = new TickCounters();
      try {
        long now = clock.millis();
        checkChain();
        long head = chain.latestBlock();
        reconciler.reconcile(head, now, n);
        reconciler.fillGaps(now, n);
        sender.sendDue(now, n);
        lastError = null;
      } catch (RuntimeException e) {
        lastError = e.getMessage();
        throw e;
      }
      return n.report();
    }
  }

  /**
   * Runs {@link #tick()} on {@code scheduler} every {@code interval}; failures are logged and
   * retried.
   */
  public synchronized void start(ScheduledExecutorService scheduler, Duration interval) {
    if (loop != null) {
      throw new IllegalStateException("the payment processor is already running");
    }
    loop =
        scheduler.scheduleWithFixedDelay(
            this::tickQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void tickQuietly() {
    try {
      TickReport r = tick();
      if (r.batchesSent() + r.confirmed() + r.reverted() + r.dropped() + r.vanished() + r.heldBack()
          > 0) {
        LOG.info("payments: {}", r);
      }
    } catch (RuntimeException e) {
      LOG.warn("payment tick failed (retried next tick): {}", e.getMessage());
    }
  }

  @Override
  public synchronized void close() {
    if (loop != null) {
      loop.cancel(false);
      loop = null;
    }
  }

  public Address account() {
    return chain.account();
  }

  public List<PaymentRecord> payments() {
    return ledger.all();
  }

  public Optional<PaymentRecord> payment(String subtaskId) {
    return ledger.get(subtaskId);
  }

  public List<PaymentRecord> payments(PaymentStatus status) {
    return ledger.withStatus(status);
  }

  /** Payments not sent because the contract would refuse them, each with its reason. */
  public List<PaymentRecord> heldBack() {
    return ledger.withStatus(PaymentStatus.HELD_BACK);
  }

  public PaymentTotals totals() {
    return ledger.totals();
  }

  public List<BatchRecord> batches() {
    return ledger.allBatches();
  }

  /** The error of the last tick, if it failed. */
  public Optional<String> lastError() {
    return Optional.ofNullable(lastError);
  }

  /** GNT the latest balance still has to cover (see {@link RequestorAccount}). */
  BigInteger owedFromLatestBalance() {
    return ledger.owedFromLatestBalance();
  }

  /** Wei that unmined batches may still spend on gas. */
  BigInteger unminedGasCost() {
    return ledger.unminedGasCost();
  }

  // ------------------------------------------------------------------------------------ chain
  // identity

  private void checkChain() {
    ChainView.ChainIdentity now = chain.identity();
    if (!chain.tokenDeployed()) {
      throw new PaymentException(
          PaymentException.Reason.CHAIN_CHANGED,
          "there is no GNT contract at "
              + chain.token()
              + " on "
              + now
              + ": the chain was reset from scratch (redeploy, and start a fresh ledger) or the RPC URL "
              + "is wrong; refusing to send or re-pay anything");
    }
    Optional<PaymentLedger.StoredChain> stored = ledger.storedChain();
    if (stored.isEmpty()) {
      ledger.storeChain(now, chain.account(), chain.token());
      return;
    }
    PaymentLedger.StoredChain s = stored.get();
    if (!s.identity().equals(now)) {
      throw new PaymentException(
          PaymentException.Reason.CHAIN_CHANGED,
          "the ledger was written against "
              + s.identity()
              + " but the node now reports "
              + now
              + "; refusing to send or re-pay anything. Check the "
              + "RPC URL; a development chain reset from scratch needs a fresh ledger.");
    }
    if (!s.account().equals(chain.account()) || !s.token().equals(chain.token())) {
      throw new PaymentException(
          PaymentException.Reason.CHAIN_CHANGED,
          "the ledger belongs to account "
              + s.account()
              + " paying through token "
              + s.token()
              + ", not "
              + chain.account()
              + " / "
              + chain.token());
    }
  }
}
