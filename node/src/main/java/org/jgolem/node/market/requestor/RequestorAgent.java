package org.jgolem.node.market.requestor;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jgolem.eth.Address;
import org.jgolem.node.compute.ExecutionResult;
import org.jgolem.node.compute.MemoryFolder;
import org.jgolem.node.compute.TaskComputer;
import org.jgolem.node.gossip.TaskHeaderGossip;
import org.jgolem.node.market.AgentLoop;
import org.jgolem.node.market.MarketConfig;
import org.jgolem.node.market.PaymentRecorder;
import org.jgolem.node.market.Programs;
import org.jgolem.node.market.ResourceExchange;
import org.jgolem.node.market.requestor.RequestorModel.Assignment;
import org.jgolem.node.market.requestor.RequestorModel.AssignmentState;
import org.jgolem.node.market.requestor.RequestorModel.Subtask;
import org.jgolem.node.market.requestor.RequestorModel.SubtaskState;
import org.jgolem.node.market.requestor.RequestorModel.Task;
import org.jgolem.node.market.requestor.RequestorModel.TaskState;
import org.jgolem.node.p2p.P2PNetwork;
import org.jgolem.node.p2p.Peer;
import org.jgolem.node.reputation.Reputation;
import org.jgolem.node.tasks.FileResults;
import org.jgolem.node.tasks.PlannedSubtask;
import org.jgolem.node.tasks.TaskContext;
import org.jgolem.node.tasks.TaskPlan;
import org.jgolem.node.tasks.TaskTemplate;
import org.jgolem.node.tasks.TaskTemplates;
import org.jgolem.node.tasks.Verdict;
import org.jgolem.node.tasks.definition.TaskFile;
import org.jgolem.node.tasks.definition.TaskFileException;
import org.jgolem.node.tasks.definition.TaskFileParser;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageHasher;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.market.AckReportComputedTask;
import org.jgolem.protocol.messages.market.CannotAssignTask;
import org.jgolem.protocol.messages.market.CannotComputeTask;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.jgolem.protocol.messages.market.SubtaskResultsRejected;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskHeaderRemoved;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.messages.market.WantToComputeTask;
import org.jgolem.protocol.messages.market.WireNote;
import org.jgolem.protocol.notes.NoteSigner;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.Purpose;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The requestor's side of the market: turns a task file into subtasks, announces the task, assigns
 * subtasks to the providers that offer, fetches and verifies their results (template check, redundancy,
 * local recompute), accepts or rejects them, hands accepted work to the payment processor, and merges
 * the task's output.
 *
 * <p>All state lives on one loop thread: network callbacks, timers and finished background work are
 * queued onto it, so no two transitions interleave. Fetching, checking, digesting and recomputing run on
 * a worker pool and post their outcome back to the loop.
 *
 * <p>Redundancy: each subtask goes to {@code k} distinct providers. The first result digest that
 * {@code k} results agree on is accepted; results with any other digest are wrong (rejected, unpaid, and
 * the provider ranked down). After a disagreement or a failure the subtask goes to one more provider, up to
 * {@code k + maxAttemptsBeyondRedundancy} attempts. A subtask sampled for local recompute is also computed
 * by the requestor itself, and only results equal to the local one are accepted.
 */
public final class RequestorAgent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RequestorAgent.class);
  private static final Duration TICK = Duration.ofMillis(100);
  /**
   * How long a report waits for its verdict before it is acknowledged: a verdict (accepted or rejected) answers the
   * report by itself, so a result checked within this time saves the AckReportComputedTask (a signed message each
   * way). Below the provider's 2 s before it reports again.
   */
  public static final Duration ACK_DELAY = Duration.ofMillis(700);
  /** Room beyond twice a result's bytes, for the whole blocks its files take. */
  static final long MEMORY_RESULT_SLACK = 512L << 10;
  /**
   * Subtasks whose resources are published before a task is announced (runs, for assignments of several of the task
   * file's subtasks: at least one assignment); see {@link #create}.
   */
  static final int PUBLISHED_AHEAD = 8;

  private final NodeKey key;
  private final P2PNetwork network;
  private final TaskHeaderGossip gossip;
  private final MessageHasher hasher;
  private final NoteSigner notes;
  private final MarketConfig config;
  private final TaskTemplates templates;
  private final TaskFileParser parser;
  private final ResourceExchange resources;
  private final PaymentRecorder payments;
  private final FundsCheck funds;
  private final Reputation reputation;
  private final TaskComputer localComputer;
  private final Path dataDir;
  private final Clock clock;
  private final AgentLoop loop;
  /** The loop's one thread (a new one, should the executor ever replace it). */
  private final ExecutorService workers;
  private final SecureRandom random = new SecureRandom();

  private final Map<String, Task> tasks = new LinkedHashMap<>();
  /** Tasks by the id their current header announces (a restarted task is announced under a fresh id). */
  private final Map<String, Task> byWireId = new HashMap<>();
  private final Map<String, Assignment> assignments = new HashMap<>();
  private final Map<String, Task> taskOfAssignment = new HashMap<>();
  private final List<Offer> offers = new ArrayList<>();
  private boolean started;
  /** Whether a task is being computed, as of the loop's last event (see {@link #busy}). */
  private volatile boolean computing;
  private final RequestorStore store;
  /** What changed during the current loop event, written in one transaction at its end. */
  private final Map<Task, Dirty> dirty = new LinkedHashMap<>();
  /** Where each reported result can be fetched from (the provider's gateway), by assignment id. */
  private final Map<String, String> sources = new HashMap<>();
  private final List<Runnable> outbox = new ArrayList<>();
  /**
   * Assignments restored from the database whose TaskToCompute may never have left (a crash between saving
   * and sending): sent again once their provider is connected. A provider that has it already ignores it.
   */
  private final java.util.Set<Assignment> redeliver = new java.util.LinkedHashSet<>();
  /** Reports not answered yet, oldest first: acknowledged at their time unless a verdict has gone out by then. */
  private final java.util.ArrayDeque<PendingAck> pendingAcks = new java.util.ArrayDeque<>();

  private record PendingAck(Assignment assignment, ReportComputedTask report, Peer peer, long due) {}

  private static final class Dirty {
    final java.util.Set<Subtask> subtasks = new java.util.LinkedHashSet<>();
    final java.util.Set<Assignment> assignments = new java.util.LinkedHashSet<>();
  }

  /** Whether the requestor can pay a task's maximum cost; throws with both numbers when it cannot. */
  @FunctionalInterface
  public interface FundsCheck {
    void require(BigInteger maxCost) throws InsufficientFundsException;
  }

  /** The requestor's GNT (or ETH for gas) does not cover a task. */
  public static final class InsufficientFundsException extends Exception {
    public InsufficientFundsException(String message) {
      super(message);
    }
  }

  private record Offer(Peer peer, WantToComputeTask want, long receivedAt) {}

  public RequestorAgent(NodeKey key, P2PNetwork network, TaskHeaderGossip gossip, MarketConfig config,
      TaskTemplates templates, ResourceExchange resources, PaymentRecorder payments, FundsCheck funds,
      Reputation reputation, TaskComputer localComputer, Path dataDir, Clock clock, RequestorStore store) {
    this.store = store;
    this.key = key;
    this.network = network;
    this.gossip = gossip;
    this.hasher = new MessageHasher(config.chainId());
    this.notes = new NoteSigner(config.chainId(), config.depositContract());
    this.config = config;
    this.templates = templates;
    this.parser = new TaskFileParser(templates.types());
    this.resources = resources;
    this.payments = payments;
    this.funds = funds;
    this.reputation = reputation;
    this.localComputer = localComputer;
    this.dataDir = dataDir;
    this.clock = clock;
    this.loop = new AgentLoop("requestor-loop", LOG, this::afterEvent);
    this.workers = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
        r -> Thread.ofPlatform().name("requestor-work").daemon().unstarted(r));
  }

  /**
   * Resumes what the database holds (see {@link #resume}), then starts listening to providers. Messages
   * that arrive before are not lost: providers repeat their reports and offers.
   *
   * @return the number of tasks resumed
   */
  public synchronized int start() {
    if (started) throw new IllegalStateException("requestor already started");
    started = true;
    int resumed = resume();
    network.subscribe(MessageType.WANT_TO_COMPUTE_TASK, (peer, env) -> onLoop(() -> onWant(peer, env)));
    network.subscribe(MessageType.REPORT_COMPUTED_TASK, (peer, env) -> onLoop(() -> onReport(peer, env)));
    network.subscribe(MessageType.CANNOT_COMPUTE_TASK, (peer, env) -> onLoop(() -> onCannotCompute(peer, env)));
    loop.every(TICK, "tick", this::tick);
    return resumed;
  }

  // ------------------------------------------------------------------ operator API

  /**
   * Validates the task file, plans its subtasks, checks the requestor can pay for them, publishes their
   * resources and announces the task. A task file with any problem starts nothing.
   *
   * <p>The task is announced once the resources of its first {@value #PUBLISHED_AHEAD} subtasks (or first assignment
   * of several) are published;
   * the others are published after that (before this returns), and each can be assigned as soon as its
   * resources are, so that providers start on a large task without waiting for all of it.
   */
  public Task create(Path taskFile) throws TaskFileException, InsufficientFundsException, IOException {
    if (!started) throw new IllegalStateException("requestor not started");
    long t0 = System.nanoTime();
    TaskFile file = parser.parse(taskFile);
    TaskTemplate template = templates.get(file.type()).orElseThrow();
    byte[] id = new byte[32];
    random.nextBytes(id);
    String hex = HexFormat.of().formatHex(id);
    Path work = dataDir.resolve("tasks").resolve(hex);
    TaskPlan plan;
    try {
      plan = template.plan(file, work.resolve("staging"), context(work));
    } catch (TaskFileException e) {
      OutputFilesCleaner.delete(work);
      throw e;
    }
    TaskFile.Verification verification = file.verification().orElse(plan.defaultVerification());
    // each subtask at its own price (an assignment of several of the file's subtasks has their time limits together)
    BigInteger maxCost = BigInteger.ZERO;
    for (PlannedSubtask s : plan.subtasks()) maxCost = maxCost.add(subtaskPrice(file.bidPerHour(), s.limits().timeoutSeconds()));
    maxCost = maxCost.multiply(BigInteger.valueOf(verification.redundancy()));
    try {
      funds.require(maxCost);
    } catch (InsufficientFundsException e) {
      OutputFilesCleaner.delete(work);
      throw e;
    }
    long planned = System.nanoTime();
    Map<String, String> cids = new LinkedHashMap<>();
    List<PlannedSubtask> all = plan.subtasks();
    int ahead = 0;
    for (int runs = 0; ahead < all.size() && runs < PUBLISHED_AHEAD; ahead++) {
      PlannedSubtask s = all.get(ahead);
      plan.prepare(s);
      cids.put(s.name(), resources.publish(s.resources(), hex));
      runs += Math.max(1, s.runs().size());
    }
    long published = System.nanoTime();
    PlannedSubtask first = plan.subtasks().get(0);
    long now = clock.millis();
    TaskHeader header = TaskHeader.signed(id, key, network.self(), first.environment(), first.image(), file.bidPerHour(),
        plan.subtasks().size(), file.subtaskTimeout().toSeconds(), now + file.timeout().toMillis(),
        first.limits().memoryMib(), first.limits().cpuCores(), hasher);
    Task task = new Task(id, file, plan, header, verification, now, work);
    for (PlannedSubtask s : plan.subtasks()) {
      task.subtasks.put(s.name(), new Subtask(s, cids.getOrDefault(s.name(), ""), sampled(id, s.name(), verification)));
    }
    call(() -> {
      tasks.put(hex, task);
      byWireId.put(hex, task);
      for (Subtask s : task.subtasks.values()) touch(task, s, null);
      gossip.publish(header);
      for (Subtask s : task.subtasks.values()) {
        if (s.recompute && s.published()) recomputeLocally(task, s);
      }
      return null;
    });
    long announced = System.nanoTime();
    for (PlannedSubtask ps : all.subList(ahead, all.size())) {
      String cid;
      try {
        plan.prepare(ps);
        cid = resources.publish(ps.resources(), hex);
      } catch (IOException | RuntimeException e) {
        String why = "the resources of subtask " + ps.name() + " cannot be published: " + e.getMessage();
        call(() -> {
          if (task.state == TaskState.COMPUTING) end(task, TaskState.FAILED, why);
          dispatch(); // offers waiting for this task's resources are answered
          return null;
        });
        throw e instanceof IOException io ? io : new IOException(why, e);
      }
      onLoop(() -> {
        Subtask s = task.subtasks.get(ps.name());
        s.resourcesCid = cid;
        touch(task, s, null);
        if (task.state != TaskState.COMPUTING) return;
        if (s.recompute) recomputeLocally(task, s);
        dispatch();
      });
    }
    LOG.info("Task {} ({}): {} subtasks, redundancy {}, announced {} ms after the call (planned in {} ms, first "
        + "resources published in {} ms; all {} ms after the call)", hex, file.name(), task.subtasks.size(),
        verification.redundancy(), (announced - t0) / 1_000_000, (planned - t0) / 1_000_000, (published - planned) / 1_000_000,
        (System.nanoTime() - t0) / 1_000_000);
    return task;
  }

  /**
   * Loads the tasks a previous run of this node left in the database and carries on with them: unfinished
   * tasks are announced again, assignments keep their deadlines, reported results are fetched and checked
   * again, and every accepted result is handed to the payment processor again (which records it once).
   */
  private int resume() {
    if (store == null) return 0;
    int resumed = 0;
    for (RequestorStore.TaskRow row : store.tasks()) {
      try {
        Task t = restore(row);
        call(() -> {
          tasks.put(t.idHex(), t);
          byWireId.put(HexFormat.of().formatHex(t.header.taskId()), t);
          for (Subtask s : t.subtasks.values()) {
            for (Assignment a : s.assignments) {
              assignments.put(a.idHex(), a);
              taskOfAssignment.put(a.idHex(), t);
              if (a.state == AssignmentState.ASSIGNED && t.state == TaskState.COMPUTING) redeliver.add(a);
              if (a.state == AssignmentState.ACCEPTED) payments.paymentDue(t.id, a.id, a.provider, a.price, clock.millis());
            }
          }
          if (t.state == TaskState.COMPUTING) {
            if (t.header.deadline() > clock.millis()) gossip.publish(t.header);
            for (Subtask s : t.subtasks.values()) {
              if (s.recompute && s.localDigest == null && s.state != SubtaskState.ACCEPTED) recomputeLocally(t, s);
              for (Assignment a : s.assignments) {
                if (a.state == AssignmentState.REPORTED) refetch(t, s, a);
              }
              decide(t, s);
            }
          }
          return null;
        });
        resumed++;
        LOG.info("Task {} ({}) resumed in state {}", row.id(), t.file.name(), t.state);
      } catch (TaskFileException | IOException | RuntimeException e) {
        LOG.error("Task {} cannot be resumed: {}", row.id(), e.toString());
      }
    }
    return resumed;
  }

  private Task restore(RequestorStore.TaskRow row) throws TaskFileException, IOException {
    TaskFile file = parser.parse(row.taskFile());
    TaskTemplate template = templates.get(file.type()).orElseThrow();
    OutputFilesCleaner.delete(row.workDir().resolve("staging"));
    TaskPlan plan = template.plan(file, row.workDir().resolve("staging"), context(row.workDir()));
    TaskFile.Verification verification = file.verification().orElse(plan.defaultVerification());
    byte[] id = HexFormat.of().parseHex(row.id());
    Task t = new Task(id, file, plan, row.header(), verification, row.createdAt(), row.workDir());
    t.state = TaskState.valueOf(row.state());
    t.restored = true;
    t.detail = row.detail();
    t.output = row.output() == null ? null : Path.of(row.output());
    Map<String, RequestorStore.SubtaskRow> rows = new HashMap<>();
    for (var r : store.subtasks(row.id())) rows.put(r.name(), r);
    for (PlannedSubtask ps : plan.subtasks()) {
      var r = rows.get(ps.name());
      if (r == null) throw new IOException("subtask " + ps.name() + " of the task file is not in the database");
      if (t.state == TaskState.COMPUTING) plan.prepare(ps);
      String cid = t.state == TaskState.COMPUTING ? resources.publish(ps.resources(), row.id()) : r.resourcesCid();
      if (!r.resourcesCid().isEmpty() && !cid.equals(r.resourcesCid())) {
        throw new IOException("inputs of subtask " + ps.name() + " changed since the task was created");
      }
      Subtask s = new Subtask(ps, cid, r.recompute());
      s.state = SubtaskState.valueOf(r.state());
      s.acceptedDigest = r.acceptedDigest();
      s.localDigest = r.localDigest();
      s.detail = r.detail();
      t.subtasks.put(ps.name(), s);
    }
    for (var r : store.assignments(row.id())) {
      Subtask s = t.subtasks.get(r.subtask());
      if (s == null) continue;
      Assignment a = new Assignment(r.id(), r.subtask(), r.provider(), r.price(), r.deadline(), r.ttc());
      a.state = AssignmentState.valueOf(r.state());
      a.report = r.report();
      a.digest = r.digest();
      a.result = r.result() == null ? null : Path.of(r.result());
      a.detail = r.detail();
      a.acceptedAt = r.acceptedAt();
      if (r.source() != null) sources.put(a.idHex(), r.source());
      if (a.state == AssignmentState.CHECKED && a.digest == null) a.state = AssignmentState.REPORTED;
      s.assignments.add(a);
    }
    return t;
  }

  /** After a restart: fetches and checks a result that was reported but not yet checked. */
  private void refetch(Task t, Subtask s, Assignment a) {
    String src = sources.get(a.idHex());
    fetchAndCheck(t, s, a, src == null ? List.of() : List.of(URI.create(src)));
  }

  /** Reads the agent's state consistently: {@code reader} runs on the loop thread, between events. */
  public <T> T read(java.util.function.Supplier<T> reader) {
    return call(reader::get);
  }

  /**
   * Whether a task of this requestor is being computed (its subtasks dispatched, checked or merged), as of the last
   * event of the loop: any thread may ask, without waiting for the loop.
   */
  public boolean busy() {
    return computing;
  }

  public List<Task> tasks() {
    return call(() -> List.copyOf(tasks.values()));
  }

  public Optional<Task> task(String idHex) {
    return call(() -> Optional.ofNullable(tasks.get(idHex)));
  }

  /** Stops a task: no new assignments; results still in flight are rejected; accepted work stays paid. */
  public Task abort(String idHex) {
    return call(() -> {
      Task t = known(idHex);
      if (t.state == TaskState.COMPUTING) end(t, TaskState.ABORTED, "aborted by the operator");
      touch(t, null, null);
      return t;
    });
  }

  /** Computes again every subtask of an ended task that has no accepted result. */
  public Task restart(String idHex) {
    return call(() -> {
      Task t = known(idHex);
      if (t.state == TaskState.COMPUTING) throw new IllegalStateException("task " + idHex + " is still computing");
      for (Subtask s : t.subtasks.values()) {
        if (s.state != SubtaskState.ACCEPTED) {
          s.state = SubtaskState.PENDING;
          t.reopened(s);
          s.detail = "";
          List<Assignment> dropped = s.assignments.stream()
              .filter(a -> !a.state.open() && a.state != AssignmentState.ACCEPTED).toList();
          s.assignments.removeAll(dropped);
          // and from the database: restored after a restart, they would count as attempts again and keep
          // their providers from this subtask for good
          if (store != null && !dropped.isEmpty()) {
            store.forgetAssignmentsById(t, dropped.stream().map(Assignment::idHex).toList());
          }
          touch(t, s, null);
        }
      }
      reopen(t);
      maybeFinish(t); // nothing to compute again (every subtask accepted): the output is merged again
      return t;
    });
  }

  /** Computes one subtask again; its accepted result is dropped (what was paid stays paid). */
  public Subtask restartSubtask(String idHex, String name) {
    return call(() -> {
      Task t = known(idHex);
      Subtask s = t.subtasks.get(name);
      if (s == null) throw new IllegalArgumentException("task " + idHex + " has no subtask " + name);
      s.state = SubtaskState.PENDING;
      t.reopened(s);
      s.acceptedDigest = null;
      s.detail = "restarted";
      s.assignments.forEach(Assignment::freeMemory);
      s.assignments.clear();
      if (store != null) store.forgetAssignments(t, name);
      touch(t, s, null);
      if (t.state != TaskState.COMPUTING) reopen(t);
      return s;
    });
  }

  private void reopen(Task t) {
    for (Subtask s : t.subtasks.values()) {
      if (s.published()) continue;
      // the task ended while its resources were still being published
      try {
        t.plan.prepare(s.planned);
        s.resourcesCid = resources.publish(s.planned.resources(), t.idHex());
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("the resources of subtask " + s.name() + " cannot be published", e);
      }
      touch(t, s, null);
    }
    t.state = TaskState.COMPUTING;
    t.detail = "";
    t.merging = false;
    byte[] wireId = new byte[32];
    random.nextBytes(wireId);
    t.header = TaskHeader.signed(wireId, key, network.self(), t.header.environment(), t.header.image(),
        t.header.maxPricePerHour(), t.header.subtaskCount(), t.header.subtaskTimeoutSeconds(),
        clock.millis() + t.file.timeout().toMillis(), t.header.minMemoryMib(), t.header.minCpuCores(), hasher);
    byWireId.put(HexFormat.of().formatHex(wireId), t);
    touch(t, null, null);
    gossip.publish(t.header);
  }

  private Task known(String idHex) {
    Task t = tasks.get(idHex);
    if (t == null) throw new IllegalArgumentException("no task " + idHex);
    return t;
  }

  // ------------------------------------------------------------------ offers and assignment

  private void onWant(Peer peer, Envelope env) {
    WantToComputeTask want = (WantToComputeTask) env.payload();
    Task t = byWireId.get(HexFormat.of().formatHex(want.taskId()));
    if (t != null && !Arrays.equals(t.header.taskId(), want.taskId())) {
      reply(peer, new CannotAssignTask(want.taskId(), CannotAssignTask.Reason.TASK_FINISHED));
      return;
    }
    if (t == null) {
      reply(peer, new CannotAssignTask(want.taskId(), CannotAssignTask.Reason.TASK_UNKNOWN));
      return;
    }
    if (t.state != TaskState.COMPUTING) {
      reply(peer, new CannotAssignTask(want.taskId(), CannotAssignTask.Reason.TASK_FINISHED));
      return;
    }
    String needed = t.header.environment().equals("docker") ? "docker:" + t.header.image() : t.header.environment();
    if (!want.environments().contains(needed) || want.pricePerHour().compareTo(t.header.maxPricePerHour()) > 0
        || want.cpuCores() < t.header.minCpuCores() || want.memoryMib() < t.header.minMemoryMib()) {
      reply(peer, new CannotAssignTask(want.taskId(), CannotAssignTask.Reason.OFFER_REJECTED));
      return;
    }
    if (reputation.score(Reputation.Role.PROVIDER, want.provider()) < config.minReputation()) {
      reply(peer, new CannotAssignTask(want.taskId(), CannotAssignTask.Reason.PROVIDER_REPUTATION));
      return;
    }
    // an offer repeated while the first waits (see dispatch) replaces it
    offers.removeIf(o -> o.want.provider().equals(want.provider()) && Arrays.equals(o.want.taskId(), want.taskId()));
    offers.add(new Offer(peer, want, clock.millis()));
    dispatch();
  }

  /**
   * Matches queued offers to subtasks that need a provider: best reputation and performance per price first. An offer
   * for a task whose resources are still being published waits for them (asked to come back later, the provider would
   * idle for seconds at the start of a large task).
   */
  private void dispatch() {
    if (offers.isEmpty()) return;
    offers.sort(Comparator.comparingDouble(this::offerScore).reversed());
    List<Offer> waiting = new ArrayList<>();
    for (var it = offers.iterator(); it.hasNext(); ) {
      Offer o = it.next();
      it.remove();
      Task t = byWireId.get(HexFormat.of().formatHex(o.want.taskId()));
      if (t == null || t.state != TaskState.COMPUTING || !Arrays.equals(t.header.taskId(), o.want.taskId())) {
        reply(o.peer, new CannotAssignTask(o.want.taskId(), CannotAssignTask.Reason.TASK_FINISHED));
        continue;
      }
      Subtask s = nextFor(t, o.want.provider());
      if (s == null) {
        if (publishing(t)) {
          waiting.add(o);
        } else {
          reply(o.peer, new CannotAssignTask(o.want.taskId(), CannotAssignTask.Reason.NO_MORE_SUBTASKS));
        }
        continue;
      }
      assign(t, s, o);
    }
    offers.addAll(waiting);
  }

  /** True while some subtask of {@code t} still waits for its resources to be published. */
  private static boolean publishing(Task t) {
    for (Subtask s : t.subtasks.values()) {
      if (!s.published() && s.state != SubtaskState.ACCEPTED && s.state != SubtaskState.FAILED) return true;
    }
    return false;
  }

  private double offerScore(Offer o) {
    double rep = reputation.score(Reputation.Role.PROVIDER, o.want.provider());
    double price = o.want.pricePerHour().doubleValue() + 1;
    return rep * (o.want.performance() + 1) / price;
  }

  /** The first subtask (in order) that needs one more provider and that this provider has not computed. */
  private Subtask nextFor(Task t, Address provider) {
    List<Subtask> order = t.ordered();
    for (int i = t.advanceSettled(); i < order.size(); i++) {
      Subtask s = order.get(i);
      if (s.state == SubtaskState.ACCEPTED || s.state == SubtaskState.FAILED || !s.published() || s.computedBy(provider)) {
        continue;
      }
      if (providersNeeded(t, s) > 0) return s;
    }
    return null;
  }

  /** How many more providers a subtask needs now (see the class comment). */
  private int providersNeeded(Task t, Subtask s) {
    if (s.acceptedDigest != null) return 0;
    int k = t.verification.redundancy();
    long open = s.assignments.stream().filter(a -> a.state == AssignmentState.ASSIGNED || a.state == AssignmentState.REPORTED)
        .count();
    long agreeing = largestAgreement(s);
    return (int) Math.max(0, k - agreeing - open);
  }

  private static long largestAgreement(Subtask s) {
    Map<String, Long> groups = new HashMap<>();
    for (Assignment a : s.assignments) {
      if (a.state == AssignmentState.CHECKED || a.state == AssignmentState.ACCEPTED) {
        groups.merge(HexFormat.of().formatHex(a.digest), 1L, Long::sum);
      }
    }
    return groups.values().stream().mapToLong(Long::longValue).max().orElse(0);
  }

  private void assign(Task t, Subtask s, Offer o) {
    int k = t.verification.redundancy();
    if (s.assignments.size() >= k + config.maxAttemptsBeyondRedundancy()) {
      failSubtask(t, s, "no agreement after " + s.assignments.size() + " attempts");
      reply(o.peer, new CannotAssignTask(o.want.taskId(), CannotAssignTask.Reason.NO_MORE_SUBTASKS));
      return;
    }
    Address provider = o.want.provider();
    BigInteger pricePerHour = o.want.pricePerHour().min(t.header.maxPricePerHour());
    BigInteger price = subtaskPrice(pricePerHour, s.planned.limits().timeoutSeconds());
    byte[] id = assignmentId(t, s);
    long now = clock.millis();
    long deadline = Math.min(t.header.deadline(),
        now + s.planned.limits().timeoutSeconds() * 1000 + config.transferSlack().toMillis());
    WireNote providerNote = WireNote.of(notes.sign(
        new PromissoryNote(key.address(), provider, price, id, Purpose.SUBTASK_PAYMENT), key.keyPair()));
    WireNote concentNote = WireNote.of(notes.sign(
        new PromissoryNote(key.address(), config.depositContract(), config.concentFee(), id, Purpose.COMMUNICATION),
        key.keyPair()));
    TaskToCompute ttc = new TaskToCompute(t.header.taskId(), id, key.address(), provider, price, deadline,
        s.planned.definition(s.resourcesCid), providerNote, concentNote);
    Assignment a = new Assignment(id, s.name(), provider, price, deadline, ttc);
    s.assignments.add(a);
    s.state = SubtaskState.COMPUTING;
    assignments.put(a.idHex(), a);
    taskOfAssignment.put(a.idHex(), t);
    touch(t, s, a);
    reply(o.peer, ttc);
    LOG.debug("Task {}: subtask {} assigned to {} for {} wei", t.idHex(), s.name(), provider, price);
  }

  /** A fresh wire subtask id: it is what the promissory notes pay for, so it never repeats. */
  private byte[] assignmentId(Task t, Subtask s) {
    byte[] nonce = new byte[16];
    random.nextBytes(nonce);
    return sha256(t.id, s.name().getBytes(StandardCharsets.UTF_8), nonce);
  }

  /** price per hour x timeout, in wei, rounded down. */
  public static BigInteger subtaskPrice(BigInteger pricePerHour, long timeoutSeconds) {
    return pricePerHour.multiply(BigInteger.valueOf(timeoutSeconds)).divide(BigInteger.valueOf(3600));
  }

  // ------------------------------------------------------------------ results

  private void onReport(Peer peer, Envelope env) {
    ReportComputedTask report = (ReportComputedTask) env.payload();
    String aid = HexFormat.of().formatHex(report.subtaskId());
    Assignment a = assignments.get(aid);
    if (a == null) {
      LOG.warn("Report from {} for unknown subtask {}: rejected", env.sender(), aid);
      reply(peer, new SubtaskResultsRejected(report.reportHash(), report.subtaskId(), key.address(), report.provider(),
          SubtaskResultsRejected.Reason.OTHER, "no such subtask was assigned by this requestor"));
      return;
    }
    if (!a.provider.equals(env.sender()) || !report.answers(a.ttc)) {
      LOG.warn("Report from {} for subtask {} does not answer its TaskToCompute: ignored", env.sender(), aid);
      return;
    }
    Task t = taskOfAssignment.get(aid);
    if (a.state != AssignmentState.ASSIGNED) {
      if (a.state == AssignmentState.ACCEPTED && a.report != null && Arrays.equals(a.report.reportHash(), report.reportHash())) {
        // the provider reports again: it restarted, or our acceptance was lost. Say it again (the payment is
        // recorded once, by subtask id, whatever is said how often)
        long at = a.acceptedAt > 0 ? a.acceptedAt : clock.millis(); // 0: accepted before accepted_at was kept
        reply(peer, new SubtaskResultsAccepted(a.report.reportHash(), a.id, key.address(), a.provider, a.price, at / 1000));
        return;
      }
      if ((a.state == AssignmentState.REPORTED || a.state == AssignmentState.CHECKED) && a.report != null
          && Arrays.equals(a.report.reportHash(), report.reportHash())) {
        // reported again before its verdict (our acknowledgement was deferred, lost, or the provider restarted)
        reply(peer, new AckReportComputedTask(report.reportHash(), a.id));
        return;
      }
      if (a.state == AssignmentState.TIMED_OUT || a.state == AssignmentState.CANCELLED) {
        reply(peer, new SubtaskResultsRejected(report.reportHash(), a.id, key.address(), a.provider,
            a.state == AssignmentState.TIMED_OUT ? SubtaskResultsRejected.Reason.TIMEOUT : SubtaskResultsRejected.Reason.OTHER,
            a.state == AssignmentState.TIMED_OUT ? "reported after the deadline" : "the task was stopped"));
      }
      return;
    }
    a.state = AssignmentState.REPORTED;
    a.report = report;
    gatewayOf(peer).ifPresent(u -> sources.put(aid, u.toString()));
    touch(t, t.subtasks.get(a.subtask), a);
    pendingAcks.add(new PendingAck(a, report, peer, clock.millis() + ACK_DELAY.toMillis()));
    if (t.state != TaskState.COMPUTING) {
      cancel(t, a, "the task was stopped");
      return;
    }
    fetchAndCheck(t, t.subtasks.get(a.subtask), a, gatewayOf(peer).map(List::of).orElse(List.of()));
  }

  private void fetchAndCheck(Task t, Subtask s, Assignment a, List<URI> from) {
    ReportComputedTask report = a.report;
    Path disk = t.workDir.resolve("results").resolve(a.idHex());
    workers.submit(() -> {
      MemoryFolder memory = null;
      try {
        long max = s.planned.limits().maxOutputBytes();
        if (report.size() > max) throw new IOException("reported result of " + report.size() + " bytes exceeds the limit");
        Duration timeout = Duration.ofMillis(Math.max(1000, a.deadline - clock.millis() + config.transferSlack().toMillis()));
        memory = inMemory(report, from, max, timeout);
        Path target = memory != null ? memory.root().resolve("result") : disk;
        if (memory == null) writeResult(report.resultCid(), disk, from, max, timeout);
        Verdict v = t.plan.check(s.planned, target);
        byte[] digest = v.accepted() ? FileResults.digest(target) : null;
        if (v.accepted()) resources.sync();
        MemoryFolder kept = memory;
        memory = null; // the loop owns it now
        onLoop(() -> onChecked(t, s, a, disk, kept, v, digest));
      } catch (IOException | RuntimeException e) {
        if (memory != null) memory.close();
        onLoop(() -> onFetchFailed(t, s, a, e));
      }
    });
  }

  /**
   * A small result (see {@link MarketConfig#resultsInMemoryUpTo}) fetched into memory, or null: larger, no room in the
   * memory budget, or more files than the room allows (it then goes to the disk).
   */
  private MemoryFolder inMemory(ReportComputedTask report, List<URI> from, long max, Duration timeout) throws IOException {
    if (report.size() > config.resultsInMemoryUpTo()) return null;
    // files take whole blocks: room for the bytes twice and a few hundred small files
    MemoryFolder memory = MemoryFolder.create(2 * report.size() + MEMORY_RESULT_SLACK).orElse(null);
    if (memory == null) return null;
    try {
      resources.fetchScratch(report.resultCid(), memory.root().resolve("result"), from, max, timeout);
      return memory;
    } catch (IOException e) {
      memory.close();
      LOG.debug("Result {} does not fit in memory ({}); on disk instead", report.resultCid(), e.toString());
      return null;
    }
  }

  private static Optional<URI> gatewayOf(Peer peer) {
    return peer.capability("gateway").map(port -> URI.create("http://" + peer.record().host() + ":" + port));
  }

  private void onChecked(Task t, Subtask s, Assignment a, Path result, MemoryFolder memory, Verdict v, byte[] digest) {
    if (a.state != AssignmentState.REPORTED) {
      if (memory != null) memory.close();
      return;
    }
    a.result = result;
    a.memory = memory;
    touch(t, s, a);
    if (!v.accepted()) {
      reject(t, a, SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE, v.reason(), true);
      decide(t, s);
      return;
    }
    a.digest = digest;
    a.state = AssignmentState.CHECKED;
    decide(t, s);
  }

  private void onFetchFailed(Task t, Subtask s, Assignment a, Exception e) {
    if (a.state != AssignmentState.REPORTED) return;
    LOG.info("Task {}: result of {} from {} cannot be fetched: {}", t.idHex(), s.name(), a.provider, e.toString());
    reject(t, a, SubtaskResultsRejected.Reason.RESOURCES_FAILURE, "result cannot be fetched: " + e.getMessage(), false);
    reputation.record(Reputation.Role.PROVIDER, a.provider, Reputation.Event.TIMEOUT);
    decide(t, s);
  }

  /** Accepts, rejects or asks for more providers, from what the subtask's results say so far. */
  private void decide(Task t, Subtask s) {
    touch(t, s, null);
    if (t.state != TaskState.COMPUTING || s.state == SubtaskState.FAILED) return;
    if (s.recompute) {
      if (s.localDigest == null) {
        s.state = SubtaskState.VERIFYING;
        return;
      }
      for (Assignment a : s.assignments) {
        if (a.state != AssignmentState.CHECKED) continue;
        if (Arrays.equals(a.digest, s.localDigest)) accept(t, s, a);
        else reject(t, a, SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE, "differs from the requestor's own result", true);
      }
    } else {
      if (s.acceptedDigest == null) {
        Map<String, List<Assignment>> groups = new LinkedHashMap<>();
        for (Assignment a : s.assignments) {
          if (a.state == AssignmentState.CHECKED) groups.computeIfAbsent(HexFormat.of().formatHex(a.digest), x -> new ArrayList<>()).add(a);
        }
        for (List<Assignment> g : groups.values()) {
          if (g.size() >= t.verification.redundancy()) {
            s.acceptedDigest = g.get(0).digest;
            break;
          }
        }
      }
      if (s.acceptedDigest != null) {
        for (Assignment a : s.assignments) {
          if (a.state != AssignmentState.CHECKED) continue;
          if (Arrays.equals(a.digest, s.acceptedDigest)) accept(t, s, a);
          else reject(t, a, SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE,
              "differs from the result " + t.verification.redundancy() + " other providers agree on", true);
        }
      }
    }
    if (s.acceptedResult() != null) {
      s.state = SubtaskState.ACCEPTED;
      if (s.acceptedDigest == null) s.acceptedDigest = s.acceptedResult().digest;
      maybeFinish(t);
    } else if (s.assignments.size() >= t.verification.redundancy() + config.maxAttemptsBeyondRedundancy()
        && s.assignments.stream().noneMatch(a -> a.state.open())) {
      failSubtask(t, s, "no acceptable result after " + s.assignments.size() + " attempts");
    } else {
      s.state = s.assignments.stream().anyMatch(a -> a.state.open()) ? SubtaskState.COMPUTING : SubtaskState.PENDING;
      t.reopened(s);
    }
  }

  private void accept(Task t, Subtask s, Assignment a) {
    long now = clock.millis();
    // the payment is recorded (idempotently, per subtask id) before the acceptance is saved: a crash in
    // between records it again on resume, never twice
    payments.paymentDue(t.id, a.id, a.provider, a.price, now);
    a.state = AssignmentState.ACCEPTED;
    a.acceptedAt = now;
    touch(t, s, a);
    reply(a.provider, new SubtaskResultsAccepted(a.report.reportHash(), a.id, key.address(), a.provider, a.price,
        now / 1000));
    reputation.record(Reputation.Role.PROVIDER, a.provider, Reputation.Event.RESULT_ACCEPTED);
  }

  private void reject(Task t, Assignment a, SubtaskResultsRejected.Reason reason, String detail, boolean wrong) {
    a.state = AssignmentState.REJECTED;
    a.detail = detail;
    a.freeMemory();
    touch(t, null, a);
    if (a.report != null) {
      reply(a.provider, new SubtaskResultsRejected(a.report.reportHash(), a.id, key.address(), a.provider, reason,
          detail.length() > 200 ? detail.substring(0, 200) : detail));
    }
    if (wrong) reputation.record(Reputation.Role.PROVIDER, a.provider, Reputation.Event.WRONG_RESULT);
    LOG.info("Task {}: result of {} from {} rejected: {}", t.idHex(), a.subtask, a.provider, detail);
  }

  private void cancel(Task t, Assignment a, String why) {
    a.state = AssignmentState.CANCELLED;
    a.detail = why;
    a.freeMemory();
    touch(t, null, a);
    if (a.report != null) {
      reply(a.provider, new SubtaskResultsRejected(a.report.reportHash(), a.id, key.address(), a.provider,
          SubtaskResultsRejected.Reason.OTHER, why));
    }
  }

  private void onCannotCompute(Peer peer, Envelope env) {
    CannotComputeTask c = (CannotComputeTask) env.payload();
    if (!c.hasSubtask()) return;
    String aid = HexFormat.of().formatHex(c.subtaskId());
    Assignment a = assignments.get(aid);
    if (a == null || !a.provider.equals(env.sender()) || a.state != AssignmentState.ASSIGNED) return;
    Task t = taskOfAssignment.get(aid);
    a.state = AssignmentState.FAILED;
    a.detail = c.reason() + (c.detail().isEmpty() ? "" : ": " + c.detail());
    touch(t, null, a);
    reputation.record(Reputation.Role.PROVIDER, a.provider, Reputation.Event.FAILURE_REPORTED);
    LOG.info("Task {}: {} cannot compute {}: {}", t.idHex(), a.provider, a.subtask, a.detail);
    decide(t, t.subtasks.get(a.subtask));
  }

  // ------------------------------------------------------------------ local recompute, merge, timers

  /** What a task's checks may use on this node: its task computer and a scratch folder in the task's work folder. */
  private TaskContext context(Path taskWork) {
    return new TaskContext(taskWork.resolve("verification"), Optional.ofNullable(localComputer));
  }

  private void recomputeLocally(Task t, Subtask s) {
    if (localComputer == null) {
      s.recompute = false;
      LOG.warn("Task {}: subtask {} sampled for local recompute, but this node computes nothing; redundancy only",
          t.idHex(), s.name());
      return;
    }
    Path base = t.workDir.resolve("local").resolve(s.name());
    workers.submit(() -> {
      try {
        OutputFilesCleaner.delete(base);
        t.plan.prepare(s.planned);
        Path work = Files.createDirectories(base.resolve("work"));
        Path out = Files.createDirectories(base.resolve("output"));
        ExecutionResult r = Programs.execute(localComputer, "local-" + s.name().replace('.', '-'),
            s.planned.definition(s.resourcesCid), s.planned.resources(), work, out, null).result().get();
        byte[] digest = r.succeeded() ? FileResults.digest(out) : null;
        onLoop(() -> {
          if (digest == null) {
            LOG.warn("Task {}: local recompute of {} failed ({}); relying on redundancy", t.idHex(), s.name(), r);
            s.recompute = false;
            s.detail = "local recompute failed: " + r.failure().map(Object::toString).orElse("");
            decide(t, s);
          } else {
            s.localDigest = digest;
            decide(t, s);
          }
        });
      } catch (Exception e) {
        LOG.warn("Task {}: local recompute of {} failed: {}", t.idHex(), s.name(), e.toString());
        onLoop(() -> {
          s.recompute = false;
          s.detail = "local recompute failed: " + e.getMessage();
          decide(t, s);
        });
      }
    });
  }

  private void maybeFinish(Task t) {
    if (t.merging || t.state != TaskState.COMPUTING) return;
    if (t.advanceSettled() < t.subtasks.size()) return;
    if (t.subtasks.values().stream().anyMatch(s -> s.state != SubtaskState.ACCEPTED)) return;
    t.merging = true;
    Map<String, Path> accepted = new LinkedHashMap<>();
    for (Subtask s : t.subtasks.values()) accepted.put(s.name(), s.acceptedResult().copy());
    // results to check on disk before the merge (and write again from their CIDs if missing or damaged): all of a task
    // read back after a restart, and any whose copy was in memory and freed (a task restarted after it had finished)
    List<KeptResult> kept = new ArrayList<>();
    for (Subtask s : t.subtasks.values()) {
      Assignment a = s.acceptedResult();
      if (a.memory != null || !t.restored && Files.isDirectory(a.result)) continue;
      String src = sources.get(a.idHex());
      kept.add(new KeptResult(s.name(), a.result, a.digest, a.report.resultCid(),
          src == null ? List.of() : List.of(URI.create(src)), s.planned.limits().maxOutputBytes()));
    }
    t.detail = "merging";
    touch(t, null, null);
    workers.submit(() -> {
      try {
        restoreResults(t, kept);
        Path out = t.plan.merge(accepted);
        onLoop(() -> {
          t.output = out;
          end(t, TaskState.FINISHED, "");
          freeMemory(t);
          LOG.info("Task {} finished: output in {}", t.idHex(), out);
        });
      } catch (IOException | RuntimeException e) {
        onLoop(() -> {
          end(t, TaskState.FAILED, "merge failed: " + e.getMessage());
          freeMemory(t);
        });
      }
    });
  }

  /**
   * Writes result {@code cid} into {@code folder} (replacing what is there) as a scratch copy: no syncs, which on this
   * machine's disk cost more than the rest of a small result's handling. What must survive a crash is the result's
   * blocks, synced before it can be accepted, from which a restarted requestor writes a damaged folder again.
   */
  private void writeResult(String cid, Path folder, List<URI> from, long maxBytes, Duration timeout) throws IOException {
    OutputFilesCleaner.delete(folder);
    Files.createDirectories(folder.getParent());
    resources.fetchScratch(cid, folder, from, maxBytes, timeout);
  }

  /** An accepted result as the merge needs it: its folder, and how to write that folder again. */
  private record KeptResult(String subtask, Path folder, byte[] digest, String cid, List<URI> sources, long maxBytes) {}

  /**
   * Checks result folders on disk ({@code kept}: see maybeFinish) against the digests they were accepted with (a crash
   * of the machine can lose a scratch copy), and writes a missing or damaged one again from its CID: from
   * this node's store, whose blocks were synced before the result was accepted, or else from the provider.
   */
  private void restoreResults(Task t, List<KeptResult> kept) throws IOException {
    for (KeptResult k : kept) {
      if (Files.isDirectory(k.folder()) && Arrays.equals(FileResults.digest(k.folder()), k.digest())) continue;
      LOG.warn("Task {}: the result folder of {} ({}) is missing or damaged; writing it again from {}", t.idHex(),
          k.subtask(), k.folder(), k.cid());
      writeResult(k.cid(), k.folder(), k.sources(), k.maxBytes(), Duration.ofMinutes(5));
      if (!Arrays.equals(FileResults.digest(k.folder()), k.digest())) {
        throw new IOException("the result of " + k.subtask() + " written again from " + k.cid()
            + " differs from the one accepted");
      }
    }
  }

  private void failSubtask(Task t, Subtask s, String why) {
    touch(t, s, null);
    s.state = SubtaskState.FAILED;
    s.detail = why;
    end(t, TaskState.FAILED, "subtask " + s.name() + ": " + why);
  }

  private void end(Task t, TaskState state, String detail) {
    t.state = state;
    t.detail = detail;
    touch(t, null, null);
    for (Subtask s : t.subtasks.values()) {
      for (Assignment a : s.assignments) {
        if (a.state.open()) cancel(t, a, "task " + state.name().toLowerCase());
      }
    }
    gossip.withdraw(TaskHeaderRemoved.signed(t.header.taskId(), key, clock.millis(), hasher));
    resources.release(t.idHex());
    if (!t.merging) freeMemory(t); // a merge under way reads them: it frees them when done
  }

  /** Frees the in-memory copies of a task's results (a restarted task is merged from their disk copies, or CIDs). */
  private static void freeMemory(Task t) {
    for (Subtask s : t.subtasks.values()) {
      for (Assignment a : s.assignments) a.freeMemory();
    }
  }

  private void tick() {
    long now = clock.millis();
    for (Task t : tasks.values()) {
      if (t.state != TaskState.COMPUTING) continue;
      for (Subtask s : t.subtasks.values()) {
        boolean changed = false;
        for (Assignment a : s.assignments) {
          if (a.state == AssignmentState.ASSIGNED && now > a.deadline) {
            a.state = AssignmentState.TIMED_OUT;
            a.detail = "no report by the deadline";
            touch(t, s, a);
            reputation.record(Reputation.Role.PROVIDER, a.provider, Reputation.Event.TIMEOUT);
            LOG.info("Task {}: {} timed out on {}", t.idHex(), a.provider, s.name());
            changed = true;
          }
        }
        if (changed) decide(t, s);
      }
      if (t.state == TaskState.COMPUTING && now > t.header.deadline()) {
        end(t, TaskState.TIMED_OUT, "the task's timeout of " + t.file.timeout() + " passed");
      }
    }
    redeliverAssignments();
    acknowledgeReports(now);
    dispatch();
  }

  /** Acknowledges the reports whose time has come and that still wait for their verdict. */
  private void acknowledgeReports(long now) {
    while (!pendingAcks.isEmpty() && pendingAcks.peekFirst().due() <= now) {
      PendingAck p = pendingAcks.pollFirst();
      Assignment a = p.assignment();
      if ((a.state == AssignmentState.REPORTED || a.state == AssignmentState.CHECKED) && a.report == p.report()) {
        reply(p.peer(), new AckReportComputedTask(p.report().reportHash(), a.id));
      }
    }
  }

  private void redeliverAssignments() {
    for (var it = redeliver.iterator(); it.hasNext(); ) {
      Assignment a = it.next();
      if (a.state != AssignmentState.ASSIGNED) {
        it.remove();
        continue;
      }
      Optional<Peer> peer = network.peer(a.provider);
      if (peer.isPresent() && peer.get().isActive()) {
        it.remove();
        LOG.debug("Assignment {} of {}: TaskToCompute sent again after the restart", a.idHex(), a.subtask);
        reply(peer.get(), a.ttc);
      }
    }
  }

  // ------------------------------------------------------------------ plumbing

  /**
   * Queues a message: it leaves only after the event's changes are saved, so that nothing a provider
   * receives (an assignment, a verdict) is unknown to a requestor restarted after a crash.
   */
  private void reply(Peer peer, Payload p) {
    if (loop.onLoopThread()) {
      outbox.add(() -> send(peer, p));
    } else {
      send(peer, p);
    }
  }

  private void send(Peer peer, Payload p) {
    peer.send(p).whenComplete((v, e) -> {
      if (e instanceof org.jgolem.protocol.messages.InvalidMessageException
          || e != null && e.getCause() instanceof org.jgolem.protocol.messages.InvalidMessageException) {
        LOG.error("Refused to send an invalid {} to {}: {}", p.type(), peer.id(), e.toString());
      } else if (e != null) {
        LOG.debug("Could not send {} to {}: {}", p.type(), peer.id(), e.toString());
      }
    });
  }

  private void reply(Address provider, Payload p) {
    Optional<Peer> peer = network.peer(provider);
    if (peer.isPresent()) {
      reply(peer.get(), p);
    } else {
      LOG.info("No session with {} to send {}; it learns the outcome when it reconnects", provider, p.type());
    }
  }

  private void onLoop(Runnable r) {
    loop.execute(r);
  }

  private <T> T call(Callable<T> c) {
    return loop.call(c);
  }

  /** After every event: save what it changed, then send what it produced. */
  private void afterEvent() {
    flush();
    sendOutbox();
    boolean any = false;
    for (Task t : tasks.values()) {
      if (t.state == TaskState.COMPUTING) {
        any = true;
        break;
      }
    }
    computing = any;
  }

  private void sendOutbox() {
    if (outbox.isEmpty()) return;
    List<Runnable> out = List.copyOf(outbox);
    outbox.clear();
    for (Runnable r : out) r.run();
  }

  private void touch(Task t, Subtask s, Assignment a) {
    Dirty d = dirty.computeIfAbsent(t, x -> new Dirty());
    if (s != null) d.subtasks.add(s);
    if (a != null) d.assignments.add(a);
  }

  /** Writes what the event changed; a failed write is logged loudly and retried with the next change. */
  private void flush() {
    if (store == null || dirty.isEmpty()) {
      dirty.clear();
      return;
    }
    for (var it = dirty.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      try {
        store.save(e.getKey(), List.copyOf(e.getValue().subtasks), List.copyOf(e.getValue().assignments), sources);
        it.remove();
      } catch (RuntimeException ex) {
        LOG.error("Could not save task {}: {}", e.getKey().idHex(), ex.toString());
      }
    }
  }

  private static boolean sampled(byte[] taskId, String name, TaskFile.Verification v) {
    if (v.recomputeFraction() <= 0) return false;
    if (v.recomputeFraction() >= 1) return true;
    byte[] h = sha256(taskId, name.getBytes(StandardCharsets.UTF_8));
    long x = ByteBuffer.wrap(h).getLong() >>> 11;
    return x < v.recomputeFraction() * (1L << 53);
  }

  static byte[] sha256(byte[]... parts) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (byte[] p : parts) md.update(p);
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    loop.close();
    workers.shutdownNow();
    try {
      // a fetch or merge under way finishes (or stops) before the agent is gone: nothing writes after close
      if (!workers.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS)) {
        LOG.warn("requestor work still running 10 s after close");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Task t : tasks.values()) freeMemory(t);
  }

  /** Removes scratch folders quietly. */
  static final class OutputFilesCleaner {
    static void delete(Path p) {
      try {
        org.jgolem.node.compute.OutputFiles.deleteTree(p);
      } catch (IOException e) {
        LOG.debug("Could not remove {}: {}", p, e.toString());
      }
    }
  }
}
