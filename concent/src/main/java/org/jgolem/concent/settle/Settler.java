package org.jgolem.concent.settle;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jgolem.concent.record.Entry;
import org.jgolem.concent.service.Claim;
import org.jgolem.concent.service.ConcentStore;
import org.jgolem.concent.service.ConcentTx;
import org.jgolem.concent.service.Settlement;
import org.jgolem.concent.settle.SettlementChain.ItemRefusedException;
import org.jgolem.concent.settle.SettlementChain.Receipt;
import org.jgolem.concent.settle.SettlementChain.SignedSettlement;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.concent.ServiceRefused;
import org.jgolem.protocol.messages.concent.SettlementMade;
import org.jgolem.protocol.notes.SignedNote;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pays what Concent decided, on chain, exactly once. One {@link #runOnce} round:
 *
 * <ol>
 *   <li>every {@link Settlement.Status#SIGNED} transaction is followed up: mined and successful,
 *       its settlements become MINED, their claims are released and both parties get a signed
 *       {@link SettlementMade}; mined and reverted, its settlements go back to PENDING (the next
 *       round's estimate names the item at fault); not mined, its very bytes are broadcast again;
 *   <li>PENDING forced acceptances are settled together, up to {@link #maxBatch} a transaction
 *       ({@code reimburseForSubtasks}); each forced payment in a transaction of its own.
 * </ol>
 *
 * A transaction is signed and its bytes stored (SIGNED) before it is broadcast, so a crash at any
 * point either finds the bytes and sends the same transaction again, or finds nothing signed and
 * signs anew; and the contract refuses a note used twice ({@code AlreadySettled}). Rounds are run
 * one at a time by the caller's scheduler; this class keeps no thread.
 */
public final class Settler {
  private static final Logger log = LoggerFactory.getLogger(Settler.class);

  private final ConcentStore store;
  private final SettlementChain chain;
  private final Function<Payload, byte[]> seal;
  private final Clock clock;
  private final int maxBatch;
  private volatile java.util.function.Consumer<org.jgolem.eth.Address> paidFrom = payer -> {};

  /**
   * @param seal signs a payload as Concent and encodes the frame
   * @param maxBatch the most forced acceptances in one transaction (the contract's bound)
   */
  public Settler(
      ConcentStore store,
      SettlementChain chain,
      Function<Payload, byte[]> seal,
      Clock clock,
      int maxBatch) {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be at least 1");
    }
    this.store = store;
    this.chain = chain;
    this.seal = seal;
    this.clock = clock;
    this.maxBatch = maxBatch;
  }

  /**
   * Calls {@code listener} with the payer of every settlement once it is mined (a deposit cache
   * forgets that payer's deposit).
   */
  public Settler onPaid(java.util.function.Consumer<org.jgolem.eth.Address> listener) {
    this.paidFrom = listener;
    return this;
  }

  /** What one round did. */
  public record Round(int mined, int signed, int failed, int rebroadcast) {}

  public Round runOnce() {
    int[] counts = new int[4];
    followUpSigned(counts);
    settlePending(counts);
    return new Round(counts[0], counts[1], counts[2], counts[3]);
  }

  private void followUpSigned(int[] counts) {
    Map<String, List<Settlement>> byTx = new LinkedHashMap<>();
    for (Settlement s : store.transaction(tx -> tx.settlements(Settlement.Status.SIGNED, 1000))) {
      byTx.computeIfAbsent(s.transactionHash(), h -> new ArrayList<>()).add(s);
    }
    for (Map.Entry<String, List<Settlement>> e : byTx.entrySet()) {
      String hash = e.getKey();
      List<Settlement> group = e.getValue();
      Receipt receipt = chain.receipt(hash).orElse(null);
      if (receipt == null) {
        String raw = "0x" + HexFormat.of().formatHex(group.get(0).rawTransaction());
        SettlementChain.Sent sent = chain.broadcast(raw);
        if (sent == SettlementChain.Sent.NONCE_USED && chain.receipt(hash).isEmpty()) {
          // Another transaction took its nonce (a broadcast that failed, then a newer one): these
          // bytes can never be mined. Sign them again; the contract refuses a note used twice.
          store.transaction(tx -> {
            group.forEach(s -> tx.updateSettlement(s.unsigned()));
            return null;
          });
          log.warn("settlement transaction {} lost its nonce; its settlements are re-signed", hash);
        } else if (sent == SettlementChain.Sent.REFUSED) {
          log.warn("settlement transaction {} is neither mined nor accepted again", hash);
        }
        counts[3]++;
      } else if (receipt.success()) {
        store.transaction(tx -> {
          for (Settlement s : group) {
            tx.updateSettlement(s.withStatus(Settlement.Status.MINED));
            release(tx, s);
            byte[] made = notifyParties(tx, s);
            long now = clock.millis();
            tx.record()
                .caseOfSettlement(s.id())
                .ifPresent(caseId -> {
                  tx.record()
                      .append(caseId, Entry.settled(now, s.id(), hash, receipt.blockNumber()));
                  tx.record().settled(caseId, hash, now);
                  tx.record().append(caseId, Entry.sent(now, List.of(s.payee(), s.payer()), made));
                });
          }
          return null;
        });
        counts[0] += group.size();
        group.forEach(s -> paidFrom.accept(s.payer()));
        log.info("settled {} on chain in {}", group.size(), hash);
      } else {
        store.transaction(tx -> {
          for (Settlement s : group) {
            tx.updateSettlement(s.unsigned());
          }
          return null;
        });
        log.warn(
            "settlement transaction {} reverted; its {} settlements are retried",
            hash,
            group.size());
      }
    }
  }

  private void settlePending(int[] counts) {
    List<Settlement> pending =
        store.transaction(tx -> tx.settlements(Settlement.Status.PENDING, 1000));
    List<Settlement> acceptances = new ArrayList<>();
    List<Settlement> payments = new ArrayList<>();
    List<Settlement> verifications = new ArrayList<>();
    // A note the contract has used already is named by the estimate (AlreadySettled), not by a
    // read of the chain per pending settlement and round.
    for (Settlement s : pending) {
      switch (s.useCase()) {
        case FORCED_ACCEPTANCE -> acceptances.add(s);
        case FORCED_PAYMENT -> payments.add(s);
        case ADDITIONAL_VERIFICATION, VERIFICATION_COST -> verifications.add(s);
      }
    }
    long nonce = chain.pendingNonce();
    for (int from = 0; from < acceptances.size(); from += maxBatch) {
      List<Settlement> batch =
          new ArrayList<>(acceptances.subList(from, Math.min(acceptances.size(), from + maxBatch)));
      // The contract's cheapest order (ConcentDeposits.cheapestOrder): runs of one provider, then
      // of
      // one requestor, share a token transfer and a deposit write. The refused index refers to it.
      batch.sort(
          Comparator.comparing((Settlement x) -> x.payee().hex())
              .thenComparing(x -> x.payer().hex()));
      while (!batch.isEmpty()) {
        SignedSettlement signed;
        try {
          signed = chain.signForcedAcceptance(batch, nonce);
        } catch (ItemRefusedException e) {
          Settlement bad = batch.remove(e.index());
          fail(bad, reason(e), e.getMessage());
          counts[2]++;
          continue;
        }
        if (!storeAndSend(batch, signed)) {
          return;
        }
        counts[1] += batch.size();
        nonce++;
        break;
      }
    }
    List<Settlement> singles = new ArrayList<>(payments);
    singles.addAll(verifications);
    for (Settlement s : singles) {
      SignedSettlement signed;
      try {
        signed =
            s.useCase() == Claim.UseCase.FORCED_PAYMENT
                ? chain.signForcedPayment(s, nonce)
                : chain.signVerification(s, nonce);
      } catch (ItemRefusedException e) {
        fail(s, reason(e), e.getMessage());
        counts[2]++;
        continue;
      }
      if (!storeAndSend(List.of(s), signed)) {
        return;
      }
      counts[1]++;
      nonce++;
    }
  }

  /** Stores the signed bytes first, then broadcasts; false if the node did not take them. */
  private boolean storeAndSend(List<Settlement> batch, SignedSettlement signed) {
    byte[] raw = HexFormat.of().parseHex(signed.raw().substring(2));
    store.transaction(tx -> {
      for (Settlement s : batch) {
        tx.updateSettlement(s.signed(signed.hash(), raw));
      }
      return null;
    });
    if (chain.broadcast(signed.raw()) == SettlementChain.Sent.REFUSED) {
      log.warn(
          "the chain did not take settlement transaction {} (nonce {}); it is sent again next round",
          signed.hash(),
          signed.nonce());
      return false;
    }
    return true;
  }

  private static ServiceRefused.Reason reason(ItemRefusedException e) {
    return e.alreadySettled()
        ? ServiceRefused.Reason.ALREADY_PAID
        : ServiceRefused.Reason.DEPOSIT_TOO_SMALL;
  }

  private void fail(Settlement s, ServiceRefused.Reason reason, String why) {
    log.warn("settlement {} failed: {}", s, why);
    store.transaction(tx -> {
      tx.updateSettlement(s.withStatus(Settlement.Status.FAILED));
      release(tx, s);
      byte[] frame =
          seal.apply(
              new ServiceRefused(
                  s.notes().get(0).note().subtaskId(),
                  new byte[16],
                  reason,
                  "Concent could not pay " + s.amount() + " to " + s.payee() + ": " + why));
      long now = clock.millis();
      tx.enqueue(s.payee(), frame, now);
      tx.record()
          .caseOfSettlement(s.id())
          .ifPresent(caseId -> {
            tx.record().append(caseId, Entry.settlementFailed(now, s.id(), why));
            tx.record().append(caseId, Entry.sent(now, List.of(s.payee()), frame));
          });
      return null;
    });
  }

  private static void release(ConcentTx tx, Settlement s) {
    for (SignedNote n : s.notes()) {
      tx.releaseClaim(s.payer(), n.note().subtaskId(), s.useCase());
    }
  }

  /** Queues the signed SettlementMade to both parties; returns its frame. */
  private byte[] notifyParties(ConcentTx tx, Settlement s) {
    byte[] frame =
        seal.apply(
            new SettlementMade(
                switch (s.useCase()) {
                  case FORCED_ACCEPTANCE -> SettlementMade.UseCase.FORCED_ACCEPTANCE;
                  case FORCED_PAYMENT -> SettlementMade.UseCase.FORCED_PAYMENT;
                  case ADDITIONAL_VERIFICATION -> SettlementMade.UseCase.ADDITIONAL_VERIFICATION;
                  case VERIFICATION_COST -> SettlementMade.UseCase.VERIFICATION_COST;
                },
                s.payer(),
                s.payee(),
                s.notes().stream().map(n -> n.note().subtaskId()).toList(),
                s.amount(),
                s.transactionHash()));
    if (s.useCase() != Claim.UseCase.VERIFICATION_COST) {
      tx.enqueue(s.payee(), frame, clock.millis()); // a fee's payee is the deposit contract
    }
    tx.enqueue(s.payer(), frame, clock.millis());
    return frame;
  }
}
