package org.jgolem.node.market.requestor;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jgolem.compute.TaskComputer;
import org.jgolem.eth.Address;
import org.jgolem.node.concent.RequestorConcent;
import org.jgolem.node.market.AgentExecutors;
import org.jgolem.node.market.AgentLoop;
import org.jgolem.node.market.MarketConfig;
import org.jgolem.node.market.PaymentRecorder;
import org.jgolem.node.market.ResourceExchange;
import org.jgolem.node.market.requestor.RequestorModel.Subtask;
import org.jgolem.node.market.requestor.RequestorModel.Task;
import org.jgolem.node.market.requestor.RequestorModel.TaskState;
import org.jgolem.node.p2p.P2PNetwork;
import org.jgolem.node.reputation.Reputation;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.concent.SettlementMade;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled;
import org.jgolem.tasks.PlannedSubtask;
import org.jgolem.tasks.TaskPlan;
import org.jgolem.tasks.definition.TaskFileException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The requestor's side of the market, assembled: a task goes plan → publish ({@link TaskPublisher})
 * → assign ({@link RequestorCore} with {@link OfferPolicy}) → verify ({@link ResultVerifier}) →
 * settle (the core accepts, hands the payment on and merges). {@link RequestorRecovery} reads back
 * what a previous run left, {@link RequestorOperator} does the operator's actions, and {@link
 * RequestorUnitOfWork} saves each event's changes before its messages leave.
 *
 * <p>All state lives on one loop thread: network callbacks, timers and finished background work are
 * queued onto it, so no two transitions interleave. Fetching, checking, digesting and recomputing
 * run on a worker pool and post their outcome back to the loop. Readers on other threads get {@link
 * TaskSnapshot}s.
 *
 * <p>Made by {@link #builder()} ({@link RequestorAgentBuilder}), which names its parts.
 */
public final class RequestorAgent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RequestorAgent.class);

  /**
   * The default of {@link MarketConfig.Timings#ackDelay}: how long a report waits for its verdict
   * before its ack.
   */
  public static final Duration ACK_DELAY = MarketConfig.Timings.DEFAULT.ackDelay();

  private final P2PNetwork network;
  private final RequestorStore store;
  private final Duration tick;
  private final AgentLoop loop;
  private final ExecutorService workers;
  private final TaskPublisher publisher;
  private final RequestorUnitOfWork work;
  private final RequestorCore core;
  private final RequestorOperator operator;
  private final PaymentRecorder payments;

  /** The providers' standing here: a rejection Concent overturns is taken back in it. */
  private final Reputation reputation;

  /** Concent's side of the subtasks that have it on; null when Concent is off. */
  private final RequestorConcent concent;

  private boolean started;

  /** Whether a task is being computed, as of the loop's last event (see {@link #busy}). */
  private volatile boolean computing;

  /**
   * Whether the requestor can pay a task's maximum cost; throws with both numbers when it cannot.
   */
  @FunctionalInterface
  public interface FundsCheck {
    void require(BigInteger maxCost) throws InsufficientFundsException;
  }

  /** The requestor's GNT (or ETH for gas) does not cover a task. */
  public static class InsufficientFundsException extends Exception {
    public InsufficientFundsException(String message) {
      super(message);
    }
  }

  /** The parts of a requestor, named; {@link RequestorAgentBuilder#build} makes it. */
  public static RequestorAgentBuilder builder() {
    return new RequestorAgentBuilder();
  }

  RequestorAgent(RequestorAgentBuilder b) {
    NodeKey key = b.key;
    P2PNetwork network = b.network;
    MarketConfig config = b.config;
    ResourceExchange resources = b.resources;
    PaymentRecorder payments = b.payments;
    TaskComputer localComputer = b.localComputer;
    Clock clock = b.clock;
    RequestorConcent concent = b.concent;
    AgentExecutors executors = b.executors;
    SecureRandom random = new SecureRandom();
    this.concent = concent;
    this.payments = payments;
    this.reputation = b.reputation;
    this.network = network;
    this.store = b.store;
    this.tick = config.timings().requestorTick();
    this.loop = new AgentLoop("requestor-loop", LOG, this::afterEvent, executors.loop());
    this.workers = executors.workers();
    this.publisher =
        new TaskPublisher(
            key,
            network,
            config.chainId(),
            b.templates,
            resources,
            b.funds,
            b.policy,
            localComputer,
            b.dataDir,
            clock,
            random);
    ResultVerifier verifier =
        new ResultVerifier(config, resources, localComputer, clock, workers, loop::execute);
    Map<String, String> sources = new HashMap<>();
    this.work = new RequestorUnitOfWork(store, sources);
    RequestorPorts ports =
        new RequestorPorts(network, b.gossip, payments, publisher, verifier, work, loop, concent);
    this.core =
        new RequestorCore(
            ports,
            new OfferPolicy(config, b.reputation),
            new AssignmentSigner(key, config, random),
            b.reputation,
            clock,
            config.timings().ackDelay(),
            sources);
    verifier.outcomesTo(
        concent == null ? core.judge() : ConcentAnswers.watched(core.judge(), concent));
    this.operator = new RequestorOperator(core, ports, publisher, b.store);
    if (concent != null) concent.bind(new ConcentHooks(new ConcentAnswers(core, ports)));
  }

  /** What Concent's relayed requests and payments do here; each runs on the loop. */
  private final class ConcentHooks implements RequestorConcent.Agent {
    private final ConcentAnswers answers;

    ConcentHooks(ConcentAnswers answers) {
      this.answers = answers;
    }

    @Override
    public Optional<Payload> forcedReport(Envelope report) {
      return loop.call(() -> answers.forcedReport(report));
    }

    @Override
    public void forcedVerdict(Envelope report) {
      loop.call(() -> {
        answers.decideNow(report);
        return null;
      });
    }

    @Override
    public void resultAtConcent(String subtaskId) {
      loop.call(() -> {
        answers.resultAtConcent(subtaskId);
        return null;
      });
    }

    @Override
    public void resultNotAvailable(String subtaskId, String why) {
      loop.call(() -> {
        answers.resultNotAvailable(subtaskId, why);
        return null;
      });
    }

    @Override
    public void paidByConcent(
        SettlementMade.UseCase useCase, List<String> subtaskIds, BigInteger amount, String txHash) {
      // a payment still waiting for its batch is never sent: Concent paid it
      payments.settledByConcent(
          subtaskIds, "paid by Concent from the deposit (" + useCase + "), tx " + txHash);
    }

    @Override
    public void disputeSettled(
        String subtaskId, Address provider, SubtaskResultsSettled.Outcome outcome, String detail) {
      if (outcome != SubtaskResultsSettled.Outcome.PROVIDER_RIGHT) return; // the rejection stands
      // the wrong-result mark is taken back; Concent pays the provider from the deposit
      reputation.record(
          Reputation.Role.PROVIDER, provider, Reputation.Event.WRONG_RESULT_OVERTURNED);
      payments.settledByConcent(
          List.of(subtaskId), "the rejection was overturned by Concent: " + detail);
    }
  }

  /**
   * Resumes what the database holds (see {@link RequestorRecovery}), then starts listening to
   * providers. Messages that arrive before are not lost: providers repeat their reports and offers.
   *
   * @return the number of tasks resumed
   */
  public synchronized int start() {
    if (started) throw new IllegalStateException("requestor already started");
    started = true;
    int resumed = resume();
    network.subscribe(
        MessageType.WANT_TO_COMPUTE_TASK,
        (peer, env) -> loop.execute(() -> core.onWant(peer, env)));
    network.subscribe(
        MessageType.REPORT_COMPUTED_TASK,
        (peer, env) ->
            loop.execute(() -> {
              core.onReport(peer, env);
              if (concent != null) concent.received(env);
            }));
    network.subscribe(
        MessageType.CANNOT_COMPUTE_TASK,
        (peer, env) -> loop.execute(() -> core.onCannotCompute(peer, env)));
    loop.every(tick, "tick", core::tick);
    return resumed;
  }

  private int resume() {
    if (store == null) return 0;
    RequestorRecovery recovery = new RequestorRecovery(store, publisher);
    int resumed = 0;
    for (RequestorStore.TaskRow row : store.tasks()) {
      try {
        RequestorRecovery.Restored r = recovery.restore(row);
        loop.call(() -> {
          core.resume(r.task(), r.sources());
          return null;
        });
        resumed++;
        LOG.info(
            "Task {} ({}) resumed in state {}", row.id(), r.task().file.name(), r.task().state);
      } catch (TaskFileException | IOException | RuntimeException e) {
        LOG.error("Task {} cannot be resumed: {}", row.id(), e.toString());
      }
    }
    return resumed;
  }

  // ------------------------------------------------------------------ operator API

  /**
   * Validates the task file, plans its subtasks, checks the requestor can pay for them, publishes
   * their resources and announces the task. A task file with any problem starts nothing.
   *
   * <p>The task is announced once the resources of its first {@value TaskPublisher#PUBLISHED_AHEAD}
   * subtasks (or first assignment of several) are published; the others are published after that
   * (before this returns), and each can be assigned as soon as its resources are, so that providers
   * start on a large task without waiting for all of it.
   */
  public TaskSnapshot create(Path taskFile)
      throws TaskFileException, InsufficientFundsException, IOException {
    if (!started) throw new IllegalStateException("requestor not started");
    long t0 = System.nanoTime();
    TaskPublisher.Planned planned = publisher.plan(taskFile);
    long tPlanned = System.nanoTime();
    Task task = publisher.publishAhead(planned);
    List<PlannedSubtask> rest =
        planned.plan().subtasks().stream()
            .filter(ps -> !task.subtasks.get(ps.name()).published())
            .toList();
    long tPublished = System.nanoTime();
    loop.call(() -> {
      core.add(task);
      return null;
    });
    long announced = System.nanoTime();
    for (PlannedSubtask ps : rest) {
      String cid;
      try {
        cid = publisher.publish(planned.plan(), ps, planned.idHex());
      } catch (IOException | RuntimeException e) {
        String why =
            "the resources of subtask " + ps.name() + " cannot be published: " + e.getMessage();
        loop.call(() -> {
          core.publishFailed(task, why);
          return null;
        });
        throw e instanceof IOException io ? io : new IOException(why, e);
      }
      loop.execute(() -> core.published(task, ps.name(), cid));
    }
    LOG.info(
        "Task {} ({}): {} subtasks, redundancy {}, announced {} ms after the call (planned in {} ms, first "
            + "resources published in {} ms; all {} ms after the call)",
        planned.idHex(),
        planned.file().name(),
        task.subtasks.size(),
        planned.verification().redundancy(),
        (announced - t0) / 1_000_000,
        (tPlanned - t0) / 1_000_000,
        (tPublished - tPlanned) / 1_000_000,
        (System.nanoTime() - t0) / 1_000_000);
    return loop.call(() -> TaskSnapshot.of(task));
  }

  /**
   * Runs {@code reader} on the loop thread, between events: several reads of this agent in it see
   * one moment. It reads snapshots: no live state of the agent is reachable from outside.
   */
  public <T> T read(Supplier<T> reader) {
    return loop.call(reader::get);
  }

  /**
   * Whether a task of this requestor is being computed (its subtasks dispatched, checked or
   * merged), as of the last event of the loop: any thread may ask, without waiting for the loop.
   */
  public boolean busy() {
    return computing;
  }

  public List<TaskSnapshot> tasks() {
    return loop.call(() -> core.tasks.values().stream().map(TaskSnapshot::of).toList());
  }

  public Optional<TaskSnapshot> task(String idHex) {
    return loop.call(() -> Optional.ofNullable(core.tasks.get(idHex)).map(TaskSnapshot::of));
  }

  /** A task's state alone (cheaper than its snapshot, for a caller that waits for it to change). */
  public Optional<TaskState> state(String idHex) {
    return loop.call(() -> Optional.ofNullable(core.tasks.get(idHex)).map(t -> t.state));
  }

  /**
   * A task's plan, as its template made it: for a tool that reads the template's own counters (what
   * a Blender task's checks have cost). The plan is the template's, safe to read from any thread;
   * it holds none of the agent's state.
   */
  public Optional<TaskPlan> plan(String idHex) {
    return loop.call(() -> Optional.ofNullable(core.tasks.get(idHex)).map(t -> t.plan));
  }

  /**
   * Stops a task: no new assignments; results still in flight are rejected; accepted work stays
   * paid.
   */
  public TaskSnapshot abort(String idHex) {
    return loop.call(() -> TaskSnapshot.of(operator.abort(idHex)));
  }

  /**
   * Computes again every subtask of an ended task that has no accepted result; a task with Concent
   * only while its deposit still backs it (else IllegalStateException naming the deposit).
   */
  public TaskSnapshot restart(String idHex) {
    BigInteger backed = loop.call(() -> TaskPublisher.concentCost(core.tasks.get(idHex)));
    if (backed != null) publisher.requireDepositToRestart(backed); // read off the loop
    return loop.call(() -> TaskSnapshot.of(operator.restart(idHex)));
  }

  /** Computes one subtask again; its accepted result is dropped (what was paid stays paid). */
  public SubtaskSnapshot restartSubtask(String idHex, String name) {
    return loop.call(() -> {
      Subtask s = operator.restartSubtask(idHex, name);
      return SubtaskSnapshot.of(s);
    });
  }

  /** After every event: save what it changed, then send what it produced. */
  private void afterEvent() {
    work.commit();
    computing = core.computing();
  }

  @Override
  public void close() {
    loop.close();
    workers.shutdownNow();
    try {
      // a fetch or merge under way finishes (or stops) before the agent is gone: nothing writes
      // after close
      if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warn("requestor work still running 10 s after close");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Task t : core.tasks.values()) ResultJudge.freeMemory(t);
  }
}
