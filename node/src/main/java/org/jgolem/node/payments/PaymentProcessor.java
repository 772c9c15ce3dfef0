package org.jgolem.node.payments;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jgolem.eth.Address;
import org.jgolem.node.payments.PaymentChain.BroadcastResult;
import org.jgolem.node.payments.PaymentChain.Estimate;
import org.jgolem.node.payments.PaymentChain.Fees;
import org.jgolem.node.payments.PaymentChain.Receipt;
import org.jgolem.node.payments.PaymentChain.SignedTx;
import org.jgolem.node.payments.PaymentLedger.Attempt;
import org.jgolem.node.state.NodeDatabase;
import org.jgolem.node.payments.batch.BatchBuilder;
import org.jgolem.node.payments.batch.BatchPlan;
import org.jgolem.eth.PackedPayment;
import org.jgolem.node.payments.batch.Payment;
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
 *   <li>Fills a lasting gap in the account's nonces below its own batches with a no-op
 *       transaction, so that they can be mined.
 *   <li>Once the oldest pending payment has waited {@code batchWindow}, <b>sends</b> everything
 *       accepted until now: aggregated per payee, one word per payee, at most {@code
 *       maxPaymentsPerBatch} words and an estimate under {@code maxGasPerBatch} per batch, the
 *       closure time being the newest accepted time in the batch (seconds). Payees the contract
 *       would refuse (zero address, the account itself, the token contract, amounts that cannot be
 *       packed, or any payee-specific revert of the estimate) are held back with the reason and
 *       block nobody else.
 * </ol>
 *
 * <h2>Why each subtask is paid exactly once</h2>
 *
 * <p><b>At most once.</b> Payments reach the chain only through a batch, and a batch is created by
 * one SQLite transaction (the <em>write-ahead</em>) that signs nothing new afterwards: it stores
 * the signed raw transaction, its hash and its nonce, and moves the payments from PENDING into the
 * batch. Only after that commit are the bytes broadcast. So every transaction of ours that can
 * exist anywhere is in the ledger, with the payments it pays; a crash at any point leaves either
 * no batch (nothing signed, nothing sent) or a batch whose bytes are known. A payment in a batch
 * is not put in another batch until the first one is <em>proven dead</em>: a transaction of an
 * account is valid only at its nonce, so of all transactions with one nonce at most one is ever
 * mined, and once some other transaction with that nonce is mined, ours can never be. The ledger
 * keeps at most one live batch per nonce (a unique index); further attempts at a batch (fee bumps)
 * reuse its nonce and its payments, so at most one of them is mined.
 *
 * <p>A batch's payments go back to PENDING only in two cases, each of which proves that none of
 * the batch's transactions can ever be mined on this chain:
 *
 * <ul>
 *   <li><b>Reverted</b>: one of its transactions is mined with a failed receipt (or a successful
 *       one in which the GNT contract logged no {@code BatchTransfer}: a call to an address
 *       without the contract), and has {@code confirmations} blocks. It paid nothing (a revert
 *       undoes every transfer) and it used the nonce, so no attempt at that nonce can be mined any
 *       more.
 *   <li><b>Dropped</b>: none of its transactions has a receipt, and the account's transaction
 *       count at block {@code head - confirmations + 1} is above the batch's nonce: another
 *       transaction (of another component, or after a chain restart) took the nonce and is
 *       confirmed. The head is read before the receipts, so a batch transaction mined at or below
 *       that block would have shown its receipt (and the receipts are asked for once more after
 *       the nonce is seen used).
 * </ul>
 *
 * Both rest on what {@code confirmations} means: no reorganisation deeper than that. Nothing else
 * re-signs payments with a new nonce: a batch without a receipt whose nonce is still free is
 * broadcast again with the <em>same bytes</em> (after {@code rebroadcastAfter}, or at once if it
 * was never broadcast: the crash between write-ahead and broadcast), which can pay at most once.
 *
 * <p><b>At least once.</b> A payment leaves PENDING only into a batch; a live batch is either
 * mined (then confirmed: PAID with the transaction's hash and block), or re-broadcast until it is,
 * or proven dead (payments PENDING again, into the next batch). A transaction the pool drops (low
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
 * live batch: the same bytes are re-broadcast, so the restarted chain gets the same payment once.
 * A different genesis or chain id is not a restart but another chain (perhaps a wrong RPC URL while
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
 * Thread safety: {@link #record} and the queries may be called from any thread; ticks are serialised.
 */
public final class PaymentProcessor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PaymentProcessor.class);
  /** Contract errors that name one payment (by index): that payee is held back, the rest go on. */
  private static final Set<String> PAYEE_ERRORS = Set.of("PaymentToZeroAddress", "PaymentToSender", "ZeroValuePayment");

  /** What one tick did. */
  public record TickReport(
      int batchesSent, int confirmed, int reverted, int dropped, int vanished, int broadcasts, int feeBumps,
      int heldBack, int fillers) {}

  private final PaymentLedger ledger;
  private final PaymentChain chain;
  private final Clock clock;
  private final PaymentConfig config;
  private final Object tickLock = new Object();
  private volatile String lastError;
  private Long gapSince; // guarded by tickLock
  private ScheduledFuture<?> loop; // guarded by this

  public PaymentProcessor(NodeDatabase db, PaymentChain chain, Clock clock, PaymentConfig config) {
    this.ledger = new PaymentLedger(db);
    this.chain = chain;
    this.clock = clock;
    this.config = config;
  }

  // ------------------------------------------------------------------------------------ API

  /**
   * Records an accepted subtask to be paid. Returns true if it is new, false if this very payment
   * was recorded before (nothing changes: it is paid once).
   *
   * @throws PaymentException {@code CONFLICTING_RECORD} if the subtask was recorded with another
   *     amount, payee or task; {@code INVALID_RECORD} for a blank id, a null payee or a non-positive amount
   */
  public boolean record(String taskId, String subtaskId, Address payee, BigInteger amount, Instant acceptedAt) {
    if (taskId == null || taskId.isBlank() || subtaskId == null || subtaskId.isBlank()) {
      throw new PaymentException(PaymentException.Reason.INVALID_RECORD, "task and subtask ids must not be blank");
    }
    if (payee == null || amount == null || acceptedAt == null) {
      throw new PaymentException(PaymentException.Reason.INVALID_RECORD, "payee, amount and acceptedAt are required");
    }
    if (amount.signum() <= 0) {
      throw new PaymentException(PaymentException.Reason.INVALID_RECORD,
          "subtask " + subtaskId + ": amount must be positive, got " + amount);
    }
    boolean added = ledger.record(taskId, subtaskId, payee, amount, acceptedAt, clock.millis());
    if (added) {
      LOG.debug("recorded payment for subtask {}: {} to {}", subtaskId, amount, payee);
    }
    return added;
  }

  /** One round: reconcile batches with the chain, fill nonce gaps, send what is due. */
  public TickReport tick() {
    synchronized (tickLock) {
      Counters n = new Counters();
      try {
        long now = clock.millis();
        checkChain();
        long head = chain.latestBlock();
        reconcile(head, now, n);
        fillGaps(now, n);
        sendDue(now, n);
        lastError = null;
      } catch (RuntimeException e) {
        lastError = e.getMessage();
        throw e;
      }
      return n.report();
    }
  }

  /** Runs {@link #tick()} on {@code scheduler} every {@code interval}; failures are logged and retried. */
  public synchronized void start(ScheduledExecutorService scheduler, Duration interval) {
    if (loop != null) {
      throw new IllegalStateException("the payment processor is already running");
    }
    loop = scheduler.scheduleWithFixedDelay(this::tickQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void tickQuietly() {
    try {
      TickReport r = tick();
      if (r.batchesSent() + r.confirmed() + r.reverted() + r.dropped() + r.vanished() + r.heldBack() > 0) {
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

  // ------------------------------------------------------------------------------------ chain identity

  private void checkChain() {
    ChainView.ChainIdentity now = chain.identity();
    if (!chain.tokenDeployed()) {
      throw new PaymentException(PaymentException.Reason.CHAIN_CHANGED, "there is no GNT contract at " + chain.token()
          + " on " + now + ": the chain was reset from scratch (redeploy, and start a fresh ledger) or the RPC URL "
          + "is wrong; refusing to send or re-pay anything");
    }
    Optional<PaymentLedger.StoredChain> stored = ledger.storedChain();
    if (stored.isEmpty()) {
      ledger.storeChain(now, chain.account(), chain.token());
      return;
    }
    PaymentLedger.StoredChain s = stored.get();
    if (!s.identity().equals(now)) {
      throw new PaymentException(PaymentException.Reason.CHAIN_CHANGED, "the ledger was written against "
          + s.identity() + " but the node now reports " + now + "; refusing to send or re-pay anything. Check the "
          + "RPC URL; a development chain reset from scratch needs a fresh ledger.");
    }
    if (!s.account().equals(chain.account()) || !s.token().equals(chain.token())) {
      throw new PaymentException(PaymentException.Reason.CHAIN_CHANGED, "the ledger belongs to account "
          + s.account() + " paying through token " + s.token() + ", not " + chain.account() + " / " + chain.token());
    }
  }

  // ------------------------------------------------------------------------------------ reconcile

  private void reconcile(long head, long now, Counters n) {
    List<BatchRecord> watched = new ArrayList<>(ledger.confirmedFrom(head - config.reorgWatchBlocks()));
    watched.addAll(ledger.liveBatches());
    watched.sort((a, b) -> Long.compare(a.nonce(), b.nonce()));
    for (BatchRecord b : watched) {
      reconcile(b, head, now, n);
    }
  }

  private void reconcile(BatchRecord b, long head, long now, Counters n) {
    List<Attempt> attempts = ledger.attempts(b.id());
    Receipt receipt = null;
    for (Attempt a : attempts) {
      Optional<Receipt> r = chain.receipt(a.hash());
      if (r.isPresent()) {
        receipt = r.get();
        break;
      }
    }
    if (receipt != null) {
      onReceipt(b, receipt, head, now, n);
      return;
    }
    if (b.status() == BatchStatus.MINED || b.status() == BatchStatus.CONFIRMED) {
      String note = "block " + b.blockNumber() + " with " + b.txHash() + " is gone (the chain was reorganised or "
          + "restarted from older state); waiting for the same transaction again";
      LOG.warn("batch {} (nonce {}): {}", b.id(), b.nonce(), note);
      ledger.vanished(b.id(), note);
      n.vanished++;
      b = ledger.batch(b.id()).orElseThrow();
    }
    long safeBlock = head - (config.confirmations() - 1);
    if (safeBlock >= 0 && chain.nonceAt(safeBlock) > b.nonce()) {
      // Defence in depth: ask for the receipts once more, now that the nonce is seen used, in
      // case a node shows a block's state before its receipts.
      for (Attempt a : attempts) {
        Optional<Receipt> late = chain.receipt(a.hash());
        if (late.isPresent()) {
          onReceipt(b, late.get(), head, now, n);
          return;
        }
      }
      String note = "nonce " + b.nonce() + " was taken by another transaction, confirmed by block " + safeBlock
          + "; none of this batch's " + attempts.size() + " signed transaction(s) can ever be mined";
      LOG.warn("batch {}: {}; its {} payment(s) are pending again", b.id(), note, b.payments());
      ledger.dropped(b.id(), now, note);
      n.dropped++;
      return;
    }
    boolean due = b.status() == BatchStatus.SIGNED || b.lastBroadcastAt() == null
        || now - b.lastBroadcastAt() >= config.rebroadcastAfter().toMillis();
    if (!due) {
      return;
    }
    Attempt latest = attempts.get(0);
    if (b.lastBroadcastAt() != null) {
      Fees fees = chain.fees();
      if (latest.maxFee().compareTo(fees.baseFee()) < 0) {
        bump(b, attempts, fees, now, n); // it cannot be mined at its fee cap: a pool would not keep it
        return;
      }
    }
    broadcast(b, latest, now, n, true);
  }

  private void onReceipt(BatchRecord b, Receipt r, long head, long now, Counters n) {
    if (b.status() == BatchStatus.CONFIRMED && r.blockHash().equals(b.blockHash())) {
      return; // still where it was confirmed
    }
    long confirmations = head - r.blockNumber() + 1;
    if (confirmations < config.confirmations()) {
      if (b.status() != BatchStatus.MINED || !r.blockHash().equals(b.blockHash())) {
        ledger.mined(b.id(), r);
      }
      return;
    }
    if (r.success() && b.kind() == BatchRecord.Kind.PAYMENT && !r.batchLogged()) {
      String note = r.transactionHash() + " was mined in block " + r.blockNumber() + " but the GNT contract logged no "
          + "BatchTransfer: nothing was paid (no contract at " + chain.token() + "?); its payments are pending again";
      LOG.error("batch {}: {}", b.id(), note);
      ledger.reverted(b.id(), r, now, note);
      n.reverted++;
    } else if (r.success()) {
      ledger.confirmed(b.id(), r, now);
      n.confirmed++;
      LOG.info("batch {} confirmed: {} paid {} payment(s), {} in total (block {})", b.id(), r.transactionHash(),
          b.payments(), b.total(), r.blockNumber());
    } else {
      String note = r.transactionHash() + " failed on chain in block " + r.blockNumber()
          + "; nothing was paid and its payments are pending again";
      LOG.warn("batch {}: {}", b.id(), note);
      ledger.reverted(b.id(), r, now, note);
      n.reverted++;
    }
  }

  private void broadcast(BatchRecord b, Attempt a, long now, Counters n, boolean mayBump) {
    BroadcastResult result = chain.broadcast(a.raw());
    n.broadcasts++;
    switch (result.status()) {
      case ACCEPTED, ALREADY_KNOWN -> ledger.broadcastTried(b.id(), now, null);
      case NONCE_TOO_LOW -> ledger.broadcastTried(b.id(), now, "the node says nonce " + b.nonce()
          + " is used: waiting for this transaction's receipt, or for the other one to be confirmed");
      case UNDERPRICED -> {
        ledger.broadcastTried(b.id(), now, "underpriced: " + result.message());
        if (mayBump) {
          bump(b, ledger.attempts(b.id()), chain.fees(), now, n);
        }
      }
      case REJECTED -> {
        ledger.broadcastTried(b.id(), now, "rejected by the node: " + result.message());
        LOG.warn("batch {} (nonce {}) rejected by the node: {}", b.id(), b.nonce(), result.message());
      }
    }
  }

  /** Signs the batch again at its own nonce with higher fees (so only one attempt can be mined), then broadcasts. */
  private void bump(BatchRecord b, List<Attempt> attempts, Fees current, long now, Counters n) {
    if (attempts.size() >= config.maxAttemptsPerBatch()) {
      ledger.note(b.id(), "fees too low and " + attempts.size() + " attempts made (maxAttemptsPerBatch); waiting");
      return;
    }
    Attempt last = attempts.get(0);
    BigInteger tip = current.tip().max(bumped(last.tip()));
    BigInteger maxFee = current.maxFee().max(bumped(last.maxFee())).max(tip);
    Fees fees = new Fees(current.baseFee(), tip, maxFee);
    SignedTx tx;
    if (b.kind() == BatchRecord.Kind.FILLER) {
      tx = chain.signFiller(b.nonce(), fees);
    } else {
      tx = chain.signBatch(words(ledger.ofBatch(b.id())), b.closureTime(), b.nonce(), last.gasLimit(), fees);
    }
    ledger.addAttempt(b.id(), tx, now);
    n.feeBumps++;
    LOG.info("batch {} (nonce {}): new attempt {} with max fee {} (was {})", b.id(), b.nonce(), tx.hash(), maxFee,
        last.maxFee());
    broadcast(b, new Attempt(tx.hash(), tx.raw(), tx.gasLimit(), tx.maxFee(), tx.tip(), now), now, n, false);
  }

  /** +12.5% and one wei: above the 10% replacement bump pools require. */
  private static BigInteger bumped(BigInteger v) {
    return v.multiply(BigInteger.valueOf(9)).divide(BigInteger.valueOf(8)).add(BigInteger.ONE);
  }

  // ------------------------------------------------------------------------------------ nonce gaps

  private void fillGaps(long now, Counters n) {
    Set<Long> live = ledger.liveNonces();
    if (live.isEmpty()) {
      gapSince = null;
      return;
    }
    long highest = live.stream().mapToLong(Long::longValue).max().orElseThrow();
    long next = chain.pendingNonce();
    List<Long> gaps = new ArrayList<>();
    for (long k = next; k < highest && gaps.size() < 64; k++) {
      if (!live.contains(k)) {
        gaps.add(k);
      }
    }
    if (gaps.isEmpty()) {
      gapSince = null;
      return;
    }
    if (gapSince == null) {
      gapSince = now;
    }
    if (now - gapSince < config.nonceGapGrace().toMillis()) {
      return;
    }
    Fees fees = chain.fees();
    for (long k : gaps) {
      SignedTx tx = chain.signFiller(k, fees);
      long id = ledger.writeAhead(BatchRecord.Kind.FILLER, null, BigInteger.ZERO, tx, List.of(), now);
      LOG.warn("nonce {} of {} is unused below batch nonce {}: filling it with a no-op ({})", k, chain.account(),
          highest, tx.hash());
      n.fillers++;
      broadcast(ledger.batch(id).orElseThrow(), attemptOf(tx, now), now, n, true);
    }
    gapSince = null;
  }

  // ------------------------------------------------------------------------------------ sending

  private void sendDue(long now, Counters n) {
    List<PaymentRecord> pending = ledger.withStatus(PaymentStatus.PENDING);
    if (pending.isEmpty() || now < pending.get(0).acceptedAt().toEpochMilli() + config.batchWindow().toMillis()) {
      return;
    }
    List<PaymentRecord> eligible = new ArrayList<>(pending.stream()
        .filter(p -> p.acceptedAt().toEpochMilli() <= now).toList());
    int wordsPerBatch = config.maxPaymentsPerBatch();
    for (int round = 0; !eligible.isEmpty(); round++) {
      if (round > 10_000) {
        throw new IllegalStateException("batch planning did not converge");
      }
      Map<Address, List<PaymentRecord>> byPayee = selectPerPayee(eligible, n);
      if (byPayee.isEmpty()) {
        return;
      }
      List<Payment> aggregates = new ArrayList<>();
      byPayee.forEach((payee, list) -> aggregates.add(new Payment(payee, sum(list))));
      BatchPlan plan = new BatchBuilder(chain.account(), chain.token(), wordsPerBatch).plan(aggregates);
      if (!plan.heldBack().isEmpty()) {
        for (BatchPlan.HeldBack h : plan.heldBack()) {
          holdBack(byPayee.get(h.payment().payee()), h.reason().name(), eligible, n);
        }
        continue;
      }
      BatchPlan.Batch batch = plan.batches().get(0);
      List<PaymentRecord> members = new ArrayList<>();
      batch.payments().forEach(w -> members.addAll(byPayee.get(w.payee())));
      long closureTime = members.stream().mapToLong(p -> p.acceptedAt().getEpochSecond()).max().orElseThrow();
      Estimate estimate = chain.estimateBatch(batch.payments(), closureTime);
      if (estimate instanceof Estimate.Refused r) {
        refused(r, batch, byPayee, eligible, n);
        continue;
      }
      Estimate.Ok ok = (Estimate.Ok) estimate;
      if (ok.gas().compareTo(BigInteger.valueOf(config.maxGasPerBatch())) > 0) {
        if (batch.payments().size() == 1) {
          throw new PaymentException(PaymentException.Reason.BATCH_REFUSED, "one payment needs " + ok.gas()
              + " gas, above maxGasPerBatch " + config.maxGasPerBatch());
        }
        wordsPerBatch = Math.max(1, batch.payments().size() / 2);
        LOG.info("a batch of {} payees needs {} gas, above {}: splitting to {} per batch", batch.payments().size(),
            ok.gas(), config.maxGasPerBatch(), wordsPerBatch);
        continue;
      }
      long nonce = nextNonce();
      SignedTx tx = chain.signBatch(batch.payments(), closureTime, nonce, ok.gasLimit(), chain.fees());
      long id = ledger.writeAhead(BatchRecord.Kind.PAYMENT, closureTime, batch.total(), tx,
          members.stream().map(PaymentRecord::subtaskId).toList(), now);
      n.batchesSent++;
      LOG.info("batch {}: {} payment(s) to {} payee(s), {} in total, closure time {}, nonce {}, tx {}", id,
          members.size(), batch.payments().size(), batch.total(), closureTime, nonce, tx.hash());
      broadcast(ledger.batch(id).orElseThrow(), attemptOf(tx, now), now, n, true);
      eligible.removeAll(members);
    }
  }

  /**
   * Per payee, in order of first acceptance: as many of its payments as fit in one word (2^96 - 1
   * base units, above GNT's whole supply). The rest wait for a later batch; a single payment too
   * large for a word is held back.
   */
  private Map<Address, List<PaymentRecord>> selectPerPayee(List<PaymentRecord> eligible, Counters n) {
    Map<Address, List<PaymentRecord>> byPayee = new LinkedHashMap<>();
    Map<Address, BigInteger> sums = new LinkedHashMap<>();
    List<PaymentRecord> tooLarge = new ArrayList<>();
    for (PaymentRecord p : eligible) {
      if (p.amount().compareTo(PackedPayment.MAX_AMOUNT) > 0) {
        tooLarge.add(p);
        continue;
      }
      BigInteger s = sums.getOrDefault(p.payee(), BigInteger.ZERO).add(p.amount());
      if (s.compareTo(PackedPayment.MAX_AMOUNT) > 0) {
        continue; // next batch
      }
      sums.put(p.payee(), s);
      byPayee.computeIfAbsent(p.payee(), k -> new ArrayList<>()).add(p);
    }
    if (!tooLarge.isEmpty()) {
      holdBack(tooLarge, BatchPlan.Reason.AMOUNT_TOO_LARGE.name(), eligible, n);
    }
    return byPayee;
  }

  private void refused(Estimate.Refused r, BatchPlan.Batch batch, Map<Address, List<PaymentRecord>> byPayee,
      List<PaymentRecord> eligible, Counters n) {
    if (PAYEE_ERRORS.contains(r.error()) && !r.arguments().isEmpty() && r.arguments().get(0) instanceof BigInteger i
        && i.signum() >= 0 && i.compareTo(BigInteger.valueOf(batch.payments().size())) < 0) {
      Address payee = batch.payments().get(i.intValueExact()).payee();
      holdBack(byPayee.get(payee), "CONTRACT_REFUSED " + r.error(), eligible, n);
      return;
    }
    if (r.error().equals("ClosureTimeInFuture") && r.arguments().size() == 2
        && r.arguments().get(1) instanceof BigInteger blockTime) {
      // The chain's clock is behind ours: payments accepted after its time wait for a later batch.
      boolean removed = eligible.removeIf(p -> BigInteger.valueOf(p.acceptedAt().getEpochSecond()).compareTo(blockTime) > 0);
      if (removed) {
        return;
      }
    }
    if (r.error().equals("InsufficientBalance") && r.arguments().size() == 3
        && r.arguments().get(1) instanceof BigInteger balance && r.arguments().get(2) instanceof BigInteger needed) {
      throw new InsufficientFundsException(InsufficientFundsException.Currency.GNT, balance, needed,
          "the account " + chain.account() + " cannot pay the next batch; its payments stay pending");
    }
    throw new PaymentException(PaymentException.Reason.BATCH_REFUSED, "the contract refuses the next batch ("
        + r.error() + r.arguments() + "): " + r.message() + "; its payments stay pending");
  }

  private void holdBack(List<PaymentRecord> payments, String reason, List<PaymentRecord> eligible, Counters n) {
    int changed = ledger.holdBack(payments.stream().map(PaymentRecord::subtaskId).toList(), reason);
    n.heldBack += changed;
    eligible.removeAll(payments);
    LOG.warn("held back {} payment(s) to {}: {}", changed, payments.get(0).payee(), reason);
  }

  /** The lowest nonce at or above the pool's next one that no live batch of ours holds. */
  private long nextNonce() {
    long k = chain.pendingNonce();
    Set<Long> live = new HashSet<>(ledger.liveNonces());
    while (live.contains(k)) {
      k++;
    }
    return k;
  }

  /** A batch's words: one per payee, in order of first acceptance (as when it was first signed). */
  private static List<PackedPayment> words(List<PaymentRecord> payments) {
    Map<Address, BigInteger> sums = new LinkedHashMap<>();
    payments.forEach(p -> sums.merge(p.payee(), p.amount(), BigInteger::add));
    List<PackedPayment> out = new ArrayList<>();
    sums.forEach((payee, amount) -> out.add(new PackedPayment(payee, amount)));
    return out;
  }

  private static BigInteger sum(List<PaymentRecord> l) {
    return l.stream().map(PaymentRecord::amount).reduce(BigInteger.ZERO, BigInteger::add);
  }

  private static Attempt attemptOf(SignedTx tx, long now) {
    return new Attempt(tx.hash(), tx.raw(), tx.gasLimit(), tx.maxFee(), tx.tip(), now);
  }

  private static final class Counters {
    int batchesSent;
    int confirmed;
    int reverted;
    int dropped;
    int vanished;
    int broadcasts;
    int feeBumps;
    int heldBack;
    int fillers;

    TickReport report() {
      return new TickReport(batchesSent, confirmed, reverted, dropped, vanished, broadcasts, feeBumps, heldBack, fillers);
    }
  }
}
