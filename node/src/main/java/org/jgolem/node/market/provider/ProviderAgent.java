package org.jgolem.node.market.provider;

import java.math.BigInteger;
import java.net.URI;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import org.jgolem.compute.Execution;
import org.jgolem.compute.TaskComputer;
import org.jgolem.eth.Address;
import org.jgolem.node.concent.ConcentPolicy;
import org.jgolem.node.concent.DepositChecks;
import org.jgolem.node.concent.ProviderConcent;
import org.jgolem.node.gossip.TaskHeaderGossip;
import org.jgolem.node.gossip.TaskHeaderListener;
import org.jgolem.node.market.AgentExecutors;
import org.jgolem.node.market.AgentLoop;
import org.jgolem.node.market.MarketConfig;
import org.jgolem.node.market.ResourceExchange;
import org.jgolem.node.p2p.P2PNetwork;
import org.jgolem.node.p2p.Peer;
import org.jgolem.node.reputation.Reputation;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.concent.SettlementMade;
import org.jgolem.protocol.messages.market.AckReportComputedTask;
import org.jgolem.protocol.messages.market.CannotComputeTask;
import org.jgolem.protocol.messages.market.RejectReportComputedTask;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.jgolem.protocol.messages.market.SubtaskResultsRejected;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider's side of the market: offers to compute announced tasks it can run (environment,
 * price, the requestor's reputation, free capacity), checks every TaskToCompute (signed by the
 * requestor who announced the task, notes that pay at least the price, a deadline it can meet),
 * fetches the resources, computes in the sandbox, publishes the result and reports it until the
 * requestor acknowledges, and records accepted work as an expected income.
 *
 * <p>Like the requestor, all state is on one loop thread, and this class is the adapter around its
 * parts: {@link ProviderOffers} decides which tasks to offer for; {@link ProviderCore}, a state
 * machine with no I/O, keeps the life of each job (taken on, computed, reported and reported again,
 * settled) and {@link ProviderRecovery} the jobs a restart left; {@link SubtaskRunner} fetches and
 * computes on the workers; {@link ProviderSettlement} writes the job store, the expected incomes
 * and the reputation. Here messages and gossip become events on the loop, and the core's effects
 * become messages.
 *
 * <p>Made by {@link #builder()} ({@link ProviderAgentBuilder}), which names its parts.
 */
public final class ProviderAgent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProviderAgent.class);

  private final P2PNetwork network;
  private final AgentLoop loop;
  private final ExecutorService workers;

  /** Fetches, computes and reports a job on the workers. */
  private final SubtaskRunner runner;

  /** The tasks this node may offer for, and its offers in flight. */
  private final ProviderOffers offers;

  /** The jobs' state machine; only ever called on the loop. */
  private final ProviderCore core;

  /** The job store, incomes, reputation and files the core's decisions are written to. */
  private final ProviderSettlement settlement;

  /** Concent's side of the jobs that have it on; null when Concent is off. */
  private final ProviderConcent concent;

  /** The GNTDeposit contract: the payer of what Concent pays from a requestor's deposit. */
  private final Address depositContract;

  private final Clock clock;

  /** The parts of a provider, named; {@link ProviderAgentBuilder#build} makes it. */
  public static ProviderAgentBuilder builder() {
    return new ProviderAgentBuilder();
  }

  /**
   * A provider whose jobs are kept in the builder's store: jobs a previous run left are taken up
   * first ({@link ProviderRecovery}). A reported result is reported again until the requestor's
   * verdict comes (its files stay pinned in the resource store); a subtask that was being fetched
   * or computed when the node stopped is lost, and the requestor is told so at once
   * (CannotComputeTask), so that it can give the subtask to another provider without waiting for
   * the deadline.
   */
  ProviderAgent(ProviderAgentBuilder b) {
    P2PNetwork network = b.network;
    TaskHeaderGossip gossip = b.gossip;
    MarketConfig config = b.config;
    TaskComputer computer = b.computer;
    ResourceExchange resources = b.resources;
    Reputation reputation = b.reputation;
    Clock clock = b.clock;
    int slots = b.slots;
    int cpuCores = b.cpuCores;
    long memoryMib = b.memoryMib;
    ConcentPolicy policy = b.policy;
    AgentExecutors executors = b.executors;
    ProviderConcent concent = b.concent;
    this.network = network;
    this.concent = concent;
    this.depositContract = config.depositContract();
    this.clock = clock;
    this.loop = new AgentLoop("provider-loop", LOG, () -> {}, executors.loop());
    this.workers = executors.workers();
    this.settlement = new ProviderSettlement(b.store, b.incomes, reputation, resources, workers);
    this.core =
        new ProviderCore(
            new Effects(),
            config,
            network.self().nodeId(),
            new ProviderCore.Capacity(slots, cpuCores, memoryMib),
            clock,
            b.dataDir.resolve("jobs"));
    this.offers =
        new ProviderOffers(
            network,
            computer,
            reputation,
            config,
            clock,
            slots,
            cpuCores,
            memoryMib,
            core::computing,
            this::onLoop,
            policy,
            policy
                .deposits()
                .map(d ->
                    new DepositChecks(
                        d, clock, DepositChecks.DEFAULT_FRESHNESS, workers, this::onLoop))
                .orElse(null));
    this.runner =
        new SubtaskRunner(
            computer,
            resources,
            clock,
            new SubtaskRunner.Outcomes() {
              @Override
              public void started(ProviderJob job, Execution x) {
                onLoop(() -> core.started(job, x));
              }

              @Override
              public void reported(ProviderJob job, ReportComputedTask report) {
                onLoop(() -> core.reported(job, report));
              }

              @Override
              public void failed(ProviderJob job, CannotComputeTask.Reason reason, String detail) {
                String d =
                    detail == null ? "" : detail.length() > 200 ? detail.substring(0, 200) : detail;
                onLoop(() -> core.failed(job, reason, d));
              }
            });
    network.subscribe(
        MessageType.TASK_TO_COMPUTE, (peer, env) -> onLoop(() -> onTaskToCompute(peer, env)));
    network.subscribe(
        MessageType.CANNOT_ASSIGN_TASK, (peer, env) -> onLoop(() -> offers.nothingMore(env)));
    network.subscribe(
        MessageType.SUBTASK_RESULTS_ACCEPTED, (peer, env) -> onLoop(() -> onVerdict(env)));
    network.subscribe(
        MessageType.SUBTASK_RESULTS_REJECTED, (peer, env) -> onLoop(() -> onVerdict(env)));
    network.subscribe(
        MessageType.ACK_REPORT_COMPUTED_TASK, (peer, env) -> onLoop(() -> onAck(env)));
    if (concent != null) concent.bind(new ConcentHooks());
    gossip.addListener(
        new TaskHeaderListener() {
          @Override
          public void headerAdded(TaskHeader header) {
            onLoop(() -> offers.consider(header));
          }

          @Override
          public void headerRemoved(TaskHeader header, RemovalReason reason) {
            onLoop(() -> forget(header));
          }
        });
    loop.every(config.timings().providerTick(), "tick", core::tick);
    onLoop(() -> core.resume(settlement.left()));
    onLoop(() -> gossip.knownHeaders().forEach(offers::consider));
  }

  /** The least this provider offers to work for, in wei per hour. */
  public BigInteger minPricePerHour() {
    return offers.minPrice();
  }

  /** Changes the minimum price; offers made from now on use it. */
  public void setMinPricePerHour(BigInteger weiPerHour) {
    if (weiPerHour.signum() < 0) throw new IllegalArgumentException("price must not be negative");
    offers.minPrice(weiPerHour);
  }

  /**
   * Subtasks taken on and not yet settled, oldest first: those being computed or reported, then
   * those lost in a restart that the requestor is still being told about (state {@code LOST}). The
   * same jobs as its store holds.
   */
  public List<JobSnapshot> jobs() {
    return call(core::snapshots);
  }

  /** A task withdrawn: no more offers for it, and its subtasks being computed are cancelled. */
  private void forget(TaskHeader h) {
    String id = HexFormat.of().formatHex(h.taskId());
    offers.forget(id);
    core.withdrawn(id);
  }

  private void onTaskToCompute(Peer peer, Envelope env) {
    TaskToCompute ttc = (TaskToCompute) env.payload();
    String taskId = HexFormat.of().formatHex(ttc.taskId());
    ProviderCore.Assignment a =
        core.assigned(env.sender(), ttc, offers.candidate(taskId), offers.minPrice());
    if (a.outcome() == ProviderCore.Taken.AGAIN) return;
    offers.answered(taskId);
    if (a.outcome() == ProviderCore.Taken.REFUSED) {
      peer.send(
          new CannotComputeTask(
              ttc.taskId(), ttc.subtaskId(), CannotComputeTask.Reason.OTHER, a.refusal()));
    } else {
      if (concent != null && concent.onFor(a.job().header)) concent.assigned(a.job().idHex(), env);
      List<URI> sources =
          peer.capability("gateway")
              .map(p -> URI.create("http://" + peer.record().host() + ":" + p))
              .map(List::of)
              .orElse(List.of());
      workers.submit(() -> runner.run(a.job(), sources));
    }
    offers.offer();
  }

  private void onAck(Envelope env) {
    AckReportComputedTask ack = (AckReportComputedTask) env.payload();
    if (core.acknowledged(env.sender(), ack) && concent != null)
      concent.acknowledged(HexFormat.of().formatHex(ack.subtaskId()), env);
  }

  private void onVerdict(Envelope env) {
    boolean answered;
    byte[] id;
    if (env.payload() instanceof SubtaskResultsAccepted a) {
      answered = core.accepted(env.sender(), a);
      id = a.subtaskId();
    } else {
      SubtaskResultsRejected r = (SubtaskResultsRejected) env.payload();
      answered = core.rejected(env.sender(), r);
      id = r.subtaskId();
    }
    if (answered && concent != null) concent.answered(HexFormat.of().formatHex(id), env);
  }

  /** What Concent's verdicts do to the jobs; each runs on the loop and returns when done. */
  private final class ConcentHooks implements ProviderConcent.Agent {
    @Override
    public void relayed(Envelope requestorMessage) {
      call(() -> {
        switch (requestorMessage.payload()) {
          case AckReportComputedTask a -> onAck(requestorMessage);
          case RejectReportComputedTask r -> {
            // only Concent relays it: the job ends at once, as a rejected result
            if (core.reportRejected(requestorMessage.sender(), r) && concent != null)
              concent.forgotten(HexFormat.of().formatHex(r.subtaskId()));
          }
          default -> onVerdict(requestorMessage);
        }
        return null;
      });
    }

    @Override
    public void acknowledgedByConcent(String subtaskId) {
      call(() -> {
        core.acknowledgedByConcent(subtaskId);
        return null;
      });
    }

    @Override
    public void acceptedByConcent(String subtaskId, Address requestor, BigInteger amount) {
      call(() -> {
        ProviderJob job = core.held(subtaskId);
        if (job == null) return null;
        // Concent pays from the requestor's deposit: the income comes from the deposit contract,
        // which is how the income keeper sees it on chain (recorded before the job is forgotten)
        settlement.incomeFromConcent(job, depositContract, amount, clock.millis());
        core.acceptedByConcent(subtaskId);
        return null;
      });
    }

    @Override
    public void paidByConcent(
        SettlementMade.UseCase useCase,
        List<String> subtaskIds,
        Address payer,
        BigInteger amount,
        String txHash) {
      settlement.paidByConcent(useCase, subtaskIds, payer, depositContract, amount, txHash);
    }

    @Override
    public void overturned(String subtaskId, TaskToCompute ttc, BigInteger amount) {
      // the job was forgotten at the rejection: the income is recorded from the kept assignment
      settlement.incomeFromConcent(ttc, depositContract, amount, clock.millis());
    }
  }

  /** The core's effects, on the loop. */
  private final class Effects implements ProviderEffects {
    @Override
    public void send(TaskHeader h, Payload p) {
      // a report with Concent on is sealed here, so that the frame kept is the one sent
      Envelope sealed = null;
      if (concent != null && p instanceof ReportComputedTask && concent.onFor(h)) {
        sealed = network.seal(p);
        concent.reported(sealed);
      }
      Envelope env = sealed;
      offers
          .peerOf(h)
          .whenComplete((peer, e) -> {
            if (e != null)
              LOG.debug(
                  "Requestor {} unreachable for {}: {}", h.requestor(), p.type(), e.toString());
            else if (env != null) peer.send(env);
            else peer.send(p);
          });
    }

    @Override
    public boolean sendIfConnected(Address requestor, Payload p) {
      var peer = network.peer(requestor);
      if (peer.isEmpty() || !peer.get().isActive()) return false;
      peer.get().send(p);
      return true;
    }

    @Override
    public void dial(TaskHeader h) {
      offers.peerOf(h);
    }

    @Override
    public void save(ProviderJob job) {
      settlement.save(job);
    }

    @Override
    public void settled(ProviderJob job) {
      settlement.settled(job);
    }

    @Override
    public void incomeExpected(ProviderJob job, long paymentAtMillis) {
      settlement.incomeExpected(job, paymentAtMillis);
    }

    @Override
    public void rejected(ProviderJob job) {
      settlement.rejected(job);
    }

    @Override
    public void cleanup(ProviderJob job) {
      settlement.cleanup(job);
    }

    @Override
    public void cancel(ProviderJob job) {
      job.execution.cancel();
    }

    @Override
    public void offer() {
      offers.offer();
    }
  }

  // ------------------------------------------------------------------ plumbing

  private void onLoop(Runnable r) {
    loop.execute(r);
  }

  private <T> T call(Callable<T> c) {
    return loop.call(c);
  }

  @Override
  public void close() {
    loop.close();
    workers.shutdownNow();
  }
}
