package org.jgolem.concent.cli;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jgolem.chain.Chain;
import org.jgolem.chain.contracts.ConcentDeposits;
import org.jgolem.chain.contracts.ConcentDepositsGateway;
import org.jgolem.chain.contracts.GntTokenGateway;
import org.jgolem.concent.api.ConcentApi;
import org.jgolem.concent.chain.ChainDepositBook;
import org.jgolem.concent.chain.ChainPaymentHistory;
import org.jgolem.concent.chain.Web3SettlementChain;
import org.jgolem.concent.http.NonceLedger;
import org.jgolem.concent.http.StoreNonceLedger;
import org.jgolem.concent.record.Bundle;
import org.jgolem.concent.service.CachedDepositBook;
import org.jgolem.concent.service.ConcentService;
import org.jgolem.concent.service.ConcentStore;
import org.jgolem.concent.settle.Settler;
import org.jgolem.concent.store.JdbcConcentStore;
import org.jgolem.protocol.notes.NoteSigner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Credentials;

/**
 * The standard parts of a running Concent, for {@link ConcentAssembly}: the store ({@link
 * JdbcConcentStore} at the context's JDBC URL), the nonce ledger over it, the chain adapters as
 * Concent's account, the {@link ConcentService}, and one scheduler thread that applies due timeouts
 * ({@link ConcentService#tick}), runs the {@link Settler} and forgets expired nonces. Settling runs
 * every {@code settleEvery}: the cases forced in that interval share one transaction.
 */
public final class ConcentParts {
  private static final Logger log = LoggerFactory.getLogger(ConcentParts.class);

  private final Duration settleEvery;
  private ConcentStore store;
  private org.jgolem.concent.verify.Recomputer recomputer;
  private java.math.BigInteger verificationFee;

  public ConcentParts(Duration settleEvery) {
    this.settleEvery = settleEvery;
  }

  /**
   * Serves use case 5 (AdditionalVerification) with {@code recomputer}, charging {@code fee}: the
   * re-computations run on a thread of their own, the uploads come from the context's result
   * storage and are exported under {@code <dataDir>/verification}. Without it SubtaskResultsVerify
   * is refused.
   */
  public ConcentParts additionalVerification(
      org.jgolem.concent.verify.Recomputer recomputer, java.math.BigInteger fee) {
    this.recomputer = java.util.Objects.requireNonNull(recomputer, "recomputer");
    this.verificationFee = java.util.Objects.requireNonNull(fee, "fee");
    return this;
  }

  /** {@code assembly} with these parts as its service and nonce ledger. */
  public ConcentAssembly into(ConcentAssembly assembly) {
    return assembly.nonces(this::nonces).service(this::service);
  }

  private ConcentStore store(ConcentAssembly.Context c, List<AutoCloseable> closer) {
    if (store == null) {
      store = JdbcConcentStore.open(c.dbUrl(), c.clock());
      closer.add(store);
    }
    return store;
  }

  private NonceLedger nonces(ConcentAssembly.Context c, List<AutoCloseable> closer) {
    return new StoreNonceLedger(store(c, closer));
  }

  private ConcentApi service(ConcentAssembly.Context c, List<AutoCloseable> closer) {
    ConcentStore s = store(c, closer);
    Chain chain = Chain.connect(c.rpcUrl());
    closer.add(chain);
    if (chain.remoteChainId() != c.deployment().chainId()) {
      throw new IllegalStateException(
          "the chain at "
              + c.rpcUrl()
              + " has id "
              + chain.remoteChainId()
              + ", the deployment is for chain "
              + c.deployment().chainId());
    }
    Credentials credentials = Credentials.create(c.key().keyPair());
    ConcentDeposits deposits =
        new ConcentDepositsGateway(chain, c.deployment().deposit(), credentials);
    GntTokenGateway token = new GntTokenGateway(chain, c.deployment().token(), credentials);
    // Two eth_calls a case otherwise: kept a second, forgotten when Concent pays from a deposit.
    CachedDepositBook depositBook =
        new CachedDepositBook(new ChainDepositBook(deposits), c.clock(), Duration.ofSeconds(1));
    org.jgolem.concent.service.AdditionalVerification av = null;
    if (recomputer != null) {
      java.util.concurrent.ExecutorService verifier =
          Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "concent-verify");
            t.setDaemon(true);
            return t;
          });
      closer.add(verifier::shutdownNow);
      av =
          new org.jgolem.concent.service.AdditionalVerification(
              recomputer,
              verifier,
              new org.jgolem.concent.storage.StorageVerificationFiles(
                  c.storage(), c.dataDir().resolve("verification")),
              verificationFee);
    }
    ConcentService service =
        new ConcentService(
            c.codec(),
            c.key(),
            new NoteSigner(c.deployment().chainId(), c.deployment().deposit()),
            c.windows(),
            c.clock(),
            s,
            depositBook,
            new ChainPaymentHistory(chain, token, c.deployment().deploymentBlock()),
            new Bundle.Facts(
                c.key().address(),
                c.deployment().chainId(),
                c.deployment().deposit(),
                c.deployment().deploymentBlock(),
                c.windows()),
            av);
    service.resumeVerifications(); // the disputes a previous run left in ADDITIONAL_VERIFICATION
    Settler settler =
        new Settler(
                s,
                new Web3SettlementChain(chain, deposits, chain.signer(credentials)),
                payload -> c.codec().encode(c.codec().seal(payload, c.key(), c.clock())),
                c.clock(),
                ConcentDeposits.MAX_SUBTASKS_PER_CALL)
            .onPaid(depositBook::forget);
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "concent-scheduler");
          t.setDaemon(true);
          return t;
        });
    closer.add(scheduler::shutdownNow);
    long tickMs = Math.max(50, Math.min(1000, c.windows().cmt().toMillis() / 4));
    scheduler.scheduleWithFixedDelay(
        () -> guarded("timeouts", service::tick), tickMs, tickMs, TimeUnit.MILLISECONDS);
    scheduler.scheduleWithFixedDelay(
        () -> guarded("settlement", settler::runOnce),
        settleEvery.toMillis(),
        settleEvery.toMillis(),
        TimeUnit.MILLISECONDS);
    scheduler.scheduleWithFixedDelay(
        () -> guarded("nonces", () -> s.transaction(tx -> tx.forgetNonces(c.clock().millis()))),
        1,
        1,
        TimeUnit.MINUTES);
    return service;
  }

  private static void guarded(String what, Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      log.warn("{} round failed, retried next round: {}", what, e.toString());
    }
  }
}
