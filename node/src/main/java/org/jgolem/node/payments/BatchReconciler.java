package org.jgolem.node.payments;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jgolem.node.payments.PaymentChain.Fees;
import org.jgolem.node.payments.PaymentChain.Receipt;
import org.jgolem.node.payments.PaymentChain.SignedTx;
import org.jgolem.node.payments.PaymentLedger.Attempt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Part of the {@link PaymentProcessor}: brings every live batch (and every confirmed one still
 * within {@code reorgWatchBlocks} of the head) in line with the chain, and fills lasting gaps in
 * the account's nonces below its batches. Why this keeps each payment paid exactly once is the
 * processor's class comment; the rules it names (reverted, dropped, vanished, same bytes re-sent)
 * are applied here.
 */
final class BatchReconciler {
  private static final Logger LOG = LoggerFactory.getLogger(PaymentProcessor.class);

  private final PaymentLedger ledger;
  private final PaymentChain chain;
  private final PaymentConfig config;
  private final BatchBroadcaster broadcaster;
  private Long gapSince; // guarded by the processor's tick lock

  BatchReconciler(
      PaymentLedger ledger,
      PaymentChain chain,
      PaymentConfig config,
      BatchBroadcaster broadcaster) {
    this.ledger = ledger;
    this.chain = chain;
    this.config = config;
    this.broadcaster = broadcaster;
  }

  void reconcile(long head, long now, TickCounters n) {
    List<BatchRecord> watched =
        new ArrayList<>(ledger.confirmedFrom(head - config.reorgWatchBlocks()));
    watched.addAll(ledger.liveBatches());
    watched.sort((a, b) -> Long.compare(a.nonce(), b.nonce()));
    for (BatchRecord b : watched) {
      reconcile(b, head, now, n);
    }
  }

  private void reconcile(BatchRecord b, long head, long now, TickCounters n) {
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
      String note =
          "block "
              + b.blockNumber()
              + " with "
              + b.txHash()
              + " is gone (the chain was reorganised or "
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
      String note =
          "nonce "
              + b.nonce()
              + " was taken by another transaction, confirmed by block "
              + safeBlock
              + "; none of this batch's "
              + attempts.size()
              + " signed transaction(s) can ever be mined";
      LOG.warn("batch {}: {}; its {} payment(s) are pending again", b.id(), note, b.payments());
      ledger.dropped(b.id(), now, note);
      n.dropped++;
      return;
    }
    boolean due =
        b.status() == BatchStatus.SIGNED
            || b.lastBroadcastAt() == null
            || now - b.lastBroadcastAt() >= config.rebroadcastAfter().toMillis();
    if (!due) {
      return;
    }
    Attempt latest = attempts.get(0);
    if (b.lastBroadcastAt() != null) {
      Fees fees = chain.fees();
      if (latest.maxFee().compareTo(fees.baseFee()) < 0) {
        broadcaster.bump(
            b, attempts, fees, now,
            n); // it cannot be mined at its fee cap: a pool would not keep it
        return;
      }
    }
    broadcaster.broadcast(b, latest, now, n, true);
  }

  private void onReceipt(BatchRecord b, Receipt r, long head, long now, TickCounters n) {
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
      String note =
          r.transactionHash()
              + " was mined in block "
              + r.blockNumber()
              + " but the GNT contract logged no "
              + "BatchTransfer: nothing was paid (no contract at "
              + chain.token()
              + "?); its payments are pending again";
      LOG.error("batch {}: {}", b.id(), note);
      ledger.reverted(b.id(), r, now, note);
      n.reverted++;
    } else if (r.success()) {
      ledger.confirmed(b.id(), r, now);
      n.confirmed++;
      LOG.info(
          "batch {} confirmed: {} paid {} payment(s), {} in total (block {})",
          b.id(),
          r.transactionHash(),
          b.payments(),
          b.total(),
          r.blockNumber());
    } else {
      String note =
          r.transactionHash()
              + " failed on chain in block "
              + r.blockNumber()
              + "; nothing was paid and its payments are pending again";
      LOG.warn("batch {}: {}", b.id(), note);
      ledger.reverted(b.id(), r, now, note);
      n.reverted++;
    }
  }

  // ------------------------------------------------------------------------------------ nonce gaps

  void fillGaps(long now, TickCounters n) {
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
      long id =
          ledger.writeAhead(BatchRecord.Kind.FILLER, null, BigInteger.ZERO, tx, List.of(), now);
      LOG.warn(
          "nonce {} of {} is unused below batch nonce {}: filling it with a no-op ({})",
          k,
          chain.account(),
          highest,
          tx.hash());
      n.fillers++;
      broadcaster.broadcast(
          ledger.batch(id).orElseThrow(), BatchBroadcaster.attemptOf(tx, now), now, n, true);
    }
    gapSince = null;
  }
}
