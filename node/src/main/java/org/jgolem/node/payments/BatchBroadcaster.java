package org.jgolem.node.payments;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jgolem.eth.Address;
import org.jgolem.eth.PackedPayment;
import org.jgolem.node.payments.PaymentChain.BroadcastResult;
import org.jgolem.node.payments.PaymentChain.Fees;
import org.jgolem.node.payments.PaymentChain.SignedTx;
import org.jgolem.node.payments.PaymentLedger.Attempt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Part of the {@link PaymentProcessor}: sends a batch's signed bytes, and signs a batch again at
 * its own nonce with higher fees when the pool will not take it (so at most one attempt can be
 * mined).
 */
final class BatchBroadcaster {
  private static final Logger LOG = LoggerFactory.getLogger(PaymentProcessor.class);

  private final PaymentLedger ledger;
  private final PaymentChain chain;
  private final PaymentConfig config;

  BatchBroadcaster(PaymentLedger ledger, PaymentChain chain, PaymentConfig config) {
    this.ledger = ledger;
    this.chain = chain;
    this.config = config;
  }

  void broadcast(BatchRecord b, Attempt a, long now, TickCounters n, boolean mayBump) {
    BroadcastResult result = chain.broadcast(a.raw());
    n.broadcasts++;
    switch (result.status()) {
      case ACCEPTED, ALREADY_KNOWN -> ledger.broadcastTried(b.id(), now, null);
      case NONCE_TOO_LOW ->
          ledger.broadcastTried(
              b.id(),
              now,
              "the node says nonce "
                  + b.nonce()
                  + " is used: waiting for this transaction's receipt, or for the other one to be confirmed");
      case UNDERPRICED -> {
        ledger.broadcastTried(b.id(), now, "underpriced: " + result.message());
        if (mayBump) {
          bump(b, ledger.attempts(b.id()), chain.fees(), now, n);
        }
      }
      case REJECTED -> {
        ledger.broadcastTried(b.id(), now, "rejected by the node: " + result.message());
        LOG.warn(
            "batch {} (nonce {}) rejected by the node: {}", b.id(), b.nonce(), result.message());
      }
    }
  }

  /**
   * Signs the batch again at its own nonce with higher fees (so only one attempt can be mined),
   * then broadcasts.
   */
  void bump(BatchRecord b, List<Attempt> attempts, Fees current, long now, TickCounters n) {
    if (attempts.size() >= config.maxAttemptsPerBatch()) {
      ledger.note(
          b.id(),
          "fees too low and " + attempts.size() + " attempts made (maxAttemptsPerBatch); waiting");
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
      tx =
          chain.signBatch(
              words(ledger.ofBatch(b.id())), b.closureTime(), b.nonce(), last.gasLimit(), fees);
    }
    ledger.addAttempt(b.id(), tx, now);
    n.feeBumps++;
    LOG.info(
        "batch {} (nonce {}): new attempt {} with max fee {} (was {})",
        b.id(),
        b.nonce(),
        tx.hash(),
        maxFee,
        last.maxFee());
    broadcast(
        b,
        new Attempt(tx.hash(), tx.raw(), tx.gasLimit(), tx.maxFee(), tx.tip(), now),
        now,
        n,
        false);
  }

  /** +12.5% and one wei: above the 10% replacement bump pools require. */
  private static BigInteger bumped(BigInteger v) {
    return v.multiply(BigInteger.valueOf(9)).divide(BigInteger.valueOf(8)).add(BigInteger.ONE);
  }

  /** A batch's words: one per payee, in order of first acceptance (as when it was first signed). */
  private static List<PackedPayment> words(List<PaymentRecord> payments) {
    Map<Address, BigInteger> sums = new LinkedHashMap<>();
    payments.forEach(p -> sums.merge(p.payee(), p.amount(), BigInteger::add));
    List<PackedPayment> out = new ArrayList<>();
    sums.forEach((payee, amount) -> out.add(new PackedPayment(payee, amount)));
    return out;
  }

  static Attempt attemptOf(SignedTx tx, long now) {
    return new Attempt(tx.hash(), tx.raw(), tx.gasLimit(), tx.maxFee(), tx.tip(), now);
  }
}
