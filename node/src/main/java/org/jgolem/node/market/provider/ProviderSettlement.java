package org.jgolem.node.market.provider;

import java.io.IOException;
import java.math.BigInteger;
import java.util.List;
import java.util.concurrent.ExecutorService;
import org.jgolem.eth.Address;
import org.jgolem.ipfs.FileTrees;
import org.jgolem.node.market.IncomeRecorder;
import org.jgolem.node.market.ResourceExchange;
import org.jgolem.node.reputation.Reputation;
import org.jgolem.protocol.messages.concent.SettlementMade;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the provider writes down its jobs, for {@link ProviderCore}: each job's state in the {@link
 * ProviderStore} (so that a restart finds it), an accepted job's price as an expected income (the
 * {@link IncomeRecorder} keeps it once per subtask id, and the payments side watches the chain for
 * it), a rejection in the requestor's reputation, and the job's files released and removed once it
 * is over. A failed store write is logged: the job goes on in memory.
 */
final class ProviderSettlement {
  private static final Logger LOG = LoggerFactory.getLogger(ProviderSettlement.class);

  private final ProviderStore store;
  private final IncomeRecorder incomes;
  private final Reputation reputation;
  private final ResourceExchange resources;
  private final ExecutorService workers;

  /**
   * @param store where jobs are kept across restarts; null keeps them in memory only (tests,
   *     benchmarks)
   * @param workers where a job's folders are removed (off the loop)
   */
  ProviderSettlement(
      ProviderStore store,
      IncomeRecorder incomes,
      Reputation reputation,
      ResourceExchange resources,
      ExecutorService workers) {
    this.store = store;
    this.incomes = incomes;
    this.reputation = reputation;
    this.resources = resources;
    this.workers = workers;
  }

  /** The jobs a previous run left (none without a store). */
  List<ProviderStore.JobRow> left() {
    return store == null ? List.of() : store.jobs();
  }

  /** Keeps the job's state across a restart. */
  void save(ProviderJob job) {
    if (store == null) return;
    try {
      store.save(job.header, job.ttc, job.state, job.report);
    } catch (RuntimeException e) {
      LOG.error("Could not save subtask {}: {}", job.idHex(), e.toString());
    }
  }

  /** Forgets the job in the store. */
  void settled(ProviderJob job) {
    if (store == null) return;
    try {
      store.delete(job.ttc.subtaskId());
    } catch (RuntimeException e) {
      LOG.error("Could not forget subtask {}: {}", job.idHex(), e.toString());
    }
  }

  /** Records the job's agreed price as an expected income, paid by {@code paymentAtMillis}. */
  void incomeExpected(ProviderJob job, long paymentAtMillis) {
    incomes.incomeExpected(
        job.ttc.requestor(),
        job.ttc.taskId(),
        job.ttc.subtaskId(),
        job.ttc.price(),
        paymentAtMillis);
  }

  /**
   * Concent accepted the job's result in the requestor's place: {@code amount} is expected from the
   * deposit contract {@code deposit} (the sender of Concent's reimbursement on chain), not from the
   * requestor, so that the requestor's batch is not also awaited.
   */
  void incomeFromConcent(ProviderJob job, Address deposit, BigInteger amount, long atMillis) {
    incomeFromConcent(job.ttc, deposit, amount, atMillis);
  }

  /**
   * As {@link #incomeFromConcent(ProviderJob, Address, BigInteger, long)}, for the subtask of
   * {@code ttc}, whose job may be over (a rejection Concent overturned: use case 5).
   */
  void incomeFromConcent(TaskToCompute ttc, Address deposit, BigInteger amount, long atMillis) {
    if (amount.signum() <= 0) return; // nothing to expect
    incomes.incomeExpected(deposit, ttc.taskId(), ttc.subtaskId(), amount, atMillis);
  }

  /** Counts a rejected result against the job's requestor. */
  void rejected(ProviderJob job) {
    reputation.record(
        Reputation.Role.REQUESTOR, job.ttc.requestor(), Reputation.Event.RESULT_REJECTED);
  }

  /** Releases the job's published result, frees its memory folders and removes its folder. */
  void cleanup(ProviderJob job) {
    resources.release("results-" + job.idHex());
    SubtaskRunner.freeMemory(job);
    workers.submit(() -> {
      try {
        FileTrees.delete(job.dir);
      } catch (IOException e) {
        LOG.debug("Could not remove {}: {}", job.dir, e.toString());
      }
    });
  }

  /**
   * Concent paid {@code amount} from {@code payer}'s deposit for {@code subtaskIds}, in {@code
   * txHash}, a transaction of the deposit contract {@code deposit}: those incomes are the deposit
   * contract's now, not the requestor's (the income keeper counts them once, from the chain).
   */
  void paidByConcent(
      SettlementMade.UseCase useCase,
      List<String> subtaskIds,
      Address payer,
      Address deposit,
      BigInteger amount,
      String txHash) {
    incomes.paidByConcent(txHash, deposit, subtaskIds, amount);
    LOG.info(
        "Paid by Concent ({}): {} wei from {}'s deposit for subtasks {}, transaction {}",
        useCase,
        amount,
        payer,
        subtaskIds,
        txHash);
  }
}
