package org.jgolem.node.payments;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jgolem.eth.Address;
import org.jgolem.eth.PackedPayment;
import org.jgolem.node.payments.PaymentChain.Estimate;
import org.jgolem.node.payments.PaymentChain.SignedTx;
import org.jgolem.node.payments.batch.BatchBuilder;
import org.jgolem.node.payments.batch.BatchPlan;
import org.jgolem.node.payments.batch.Payment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Part of the {@link PaymentProcessor}: once the oldest pending payment has waited {@code
 * batchWindow}, plans the next batches, holds back what the contract would refuse, and writes each
 * batch ahead (signed, in the ledger) before it is broadcast.
 */
final class BatchSender {
  private static final Logger LOG = LoggerFactory.getLogger(PaymentProcessor.class);

  /** Contract errors that name one payment (by index): that payee is held back, the rest go on. */
  private static final Set<String> PAYEE_ERRORS =
      Set.of("PaymentToZeroAddress", "PaymentToSender", "ZeroValuePayment");

  private final PaymentLedger ledger;
  private final PaymentChain chain;
  private final PaymentConfig config;
  private final BatchBroadcaster broadcaster;

  BatchSender(
      PaymentLedger ledger,
      PaymentChain chain,
      PaymentConfig config,
      BatchBroadcaster broadcaster) {
    this.ledger = ledger;
    this.chain = chain;
    this.config = config;
    this.broadcaster = broadcaster;
  }

  void sendDue(long now, TickCounters n) {
    List<PaymentRecord> pending = ledger.withStatus(PaymentStatus.PENDING);
    if (pending.isEmpty()
        || now < pending.get(0).acceptedAt().toEpochMilli() + config.batchWindow().toMillis()) {
      return;
    }
    List<PaymentRecord> eligible =
        new ArrayList<>(
            pending.stream().filter(p -> p.acceptedAt().toEpochMilli() <= now).toList());
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
      BatchPlan plan =
          new BatchBuilder(chain.account(), chain.token(), wordsPerBatch).plan(aggregates);
      if (!plan.heldBack().isEmpty()) {
        for (BatchPlan.HeldBack h : plan.heldBack()) {
          holdBack(byPayee.get(h.payment().payee()), h.reason().name(), eligible, n);
        }
        continue;
      }
      BatchPlan.Batch batch = plan.batches().get(0);
      List<PaymentRecord> members = new ArrayList<>();
      batch.payments().forEach(w -> members.addAll(byPayee.get(w.payee())));
      long closureTime =
          members.stream().mapToLong(p -> p.acceptedAt().getEpochSecond()).max().orElseThrow();
      Estimate estimate = chain.estimateBatch(batch.payments(), closureTime);
      if (estimate instanceof Estimate.Refused r) {
        refused(r, batch, byPayee, eligible, n);
        continue;
      }
      Estimate.Ok ok = (Estimate.Ok) estimate;
      if (ok.gas().compareTo(BigInteger.valueOf(config.maxGasPerBatch())) > 0) {
        if (batch.payments().size() == 1) {
          throw new PaymentException(
              PaymentException.Reason.BATCH_REFUSED,
              "one payment needs "
                  + ok.gas()
                  + " gas, above maxGasPerBatch "
                  + config.maxGasPerBatch());
        }
        wordsPerBatch = Math.max(1, batch.payments().size() / 2);
        LOG.info(
            "a batch of {} payees needs {} gas, above {}: splitting to {} per batch",
            batch.payments().size(),
            ok.gas(),
            config.maxGasPerBatch(),
            wordsPerBatch);
        continue;
      }
      long nonce = nextNonce();
      SignedTx tx =
          chain.signBatch(batch.payments(), closureTime, nonce, ok.gasLimit(), chain.fees());
      long id =
          ledger.writeAhead(
              BatchRecord.Kind.PAYMENT,
              closureTime,
              batch.total(),
              tx,
              members.stream().map(PaymentRecord::subtaskId).toList(),
              now);
      n.batchesSent++;
      LOG.info(
          "batch {}: {} payment(s) to {} payee(s), {} in total, closure time {}, nonce {}, tx {}",
          id,
          members.size(),
          batch.payments().size(),
          batch.total(),
          closureTime,
          nonce,
          tx.hash());
      broadcaster.broadcast(
          ledger.batch(id).orElseThrow(), BatchBroadcaster.attemptOf(tx, now), now, n, true);
      eligible.removeAll(members);
    }
  }

  /**
   * Per payee, in order of first acceptance: as many of its payments as fit in one word (2^96 - 1
   * base units, above GNT's whole supply). The rest wait for a later batch; a single payment too
   * large for a word is held back.
   */
  private Map<Address, List<PaymentRecord>> selectPerPayee(
      List<PaymentRecord> eligible, TickCounters n) {
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

  private void refused(
      Estimate.Refused r,
      BatchPlan.Batch batch,
      Map<Address, List<PaymentRecord>> byPayee,
      List<PaymentRecord> eligible,
      TickCounters n) {
    if (PAYEE_ERRORS.contains(r.error())
        && !r.arguments().isEmpty()
        && r.arguments().get(0) instanceof BigInteger i
        && i.signum() >= 0
        && i.compareTo(BigInteger.valueOf(batch.payments().size())) < 0) {
      Address payee = batch.payments().get(i.intValueExact()).payee();
      holdBack(byPayee.get(payee), "CONTRACT_REFUSED " + r.error(), eligible, n);
      return;
    }
    if (r.error().equals("ClosureTimeInFuture")
        && r.arguments().size() == 2
        && r.arguments().get(1) instanceof BigInteger blockTime) {
      // The chain's clock is behind ours: payments accepted after its time wait for a later batch.
      boolean removed =
          eligible.removeIf(
              p -> BigInteger.valueOf(p.acceptedAt().getEpochSecond()).compareTo(blockTime) > 0);
      if (removed) {
        return;
      }
    }
    if (r.error().equals("InsufficientBalance")
        && r.arguments().size() == 3
        && r.arguments().get(1) instanceof BigInteger balance
        && r.arguments().get(2) instanceof BigInteger needed) {
      throw new InsufficientFundsException(
          InsufficientFundsException.Currency.GNT,
          balance,
          needed,
          "the account "
              + chain.account()
              + " cannot pay the next batch; its payments stay pending");
    }
    throw new PaymentException(
        PaymentException.Reason.BATCH_REFUSED,
        "the contract refuses the next batch ("
            + r.error()
            + r.arguments()
            + "): "
            + r.message()
            + "; its payments stay pending");
  }

  private void holdBack(
      List<PaymentRecord> payments, String reason, List<PaymentRecord> eligible, TickCounters n) {
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

  private static BigInteger sum(List<PaymentRecord> l) {
    return l.stream().map(PaymentRecord::amount).reduce(BigInteger.ZERO, BigInteger::add);
  }
}
