package org.jgolem.node.market.requestor;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jgolem.compute.TaskComputer;
import org.jgolem.ipfs.FileTrees;
import org.jgolem.node.concent.ConcentMode;
import org.jgolem.node.concent.ConcentPolicy;
import org.jgolem.node.concent.DepositException;
import org.jgolem.node.concent.DepositRule;
import org.jgolem.node.concent.Deposits;
import org.jgolem.node.market.Pricing;
import org.jgolem.node.market.ResourceExchange;
import org.jgolem.node.market.requestor.RequestorAgent.FundsCheck;
import org.jgolem.node.market.requestor.RequestorAgent.InsufficientFundsException;
import org.jgolem.node.market.requestor.RequestorModel.Subtask;
import org.jgolem.node.market.requestor.RequestorModel.Task;
import org.jgolem.node.p2p.P2PNetwork;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.MessageHasher;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskHeaderRemoved;
import org.jgolem.tasks.PlannedSubtask;
import org.jgolem.tasks.TaskContext;
import org.jgolem.tasks.TaskPlan;
import org.jgolem.tasks.TaskTemplate;
import org.jgolem.tasks.TaskTemplates;
import org.jgolem.tasks.definition.TaskFile;
import org.jgolem.tasks.definition.TaskFileException;
import org.jgolem.tasks.definition.TaskFileParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first steps of a task: plans it from its task file (checking the requestor can pay),
 * publishes its subtasks' resources and signs the header that announces it. Also what a restarted
 * or reopened task needs again of these.
 */
final class TaskPublisher {
  private static final Logger LOG = LoggerFactory.getLogger(TaskPublisher.class);

  /**
   * Subtasks whose resources are published before a task is announced (runs, for assignments of
   * several of the task file's subtasks: at least one assignment).
   */
  static final int PUBLISHED_AHEAD = 8;

  private final NodeKey key;
  private final P2PNetwork network;
  private final MessageHasher hasher;
  private final TaskTemplates templates;
  private final TaskFileParser parser;
  private final ResourceExchange resources;
  private final FundsCheck funds;
  private final ConcentPolicy concent;
  private final TaskComputer localComputer;
  private final Path dataDir;
  private final Clock clock;
  private final SecureRandom random;

  TaskPublisher(
      NodeKey key,
      P2PNetwork network,
      long chainId,
      TaskTemplates templates,
      ResourceExchange resources,
      FundsCheck funds,
      ConcentPolicy concent,
      TaskComputer localComputer,
      Path dataDir,
      Clock clock,
      SecureRandom random) {
    this.key = key;
    this.network = network;
    this.hasher = new MessageHasher(chainId);
    this.templates = templates;
    this.parser = new TaskFileParser(templates.types());
    this.resources = resources;
    this.funds = funds;
    this.concent = concent;
    this.localComputer = localComputer;
    this.dataDir = dataDir;
    this.clock = clock;
    this.random = random;
  }

  /**
   * A task file planned: its fresh id, its work folder and its subtasks, paid for; whether it is
   * announced with Concent (then its deposit was checked).
   */
  record Planned(
      byte[] id,
      TaskFile file,
      TaskPlan plan,
      TaskFile.Verification verification,
      Path work,
      boolean concentEnabled) {
    String idHex() {
      return HexFormat.of().formatHex(id);
    }
  }

  /**
   * Validates and plans a task file; checks the requestor can pay the most the task may cost and,
   * for a task with Concent on, that its deposit backs it ({@link DepositRule}). Starts nothing.
   */
  Planned plan(Path taskFile) throws TaskFileException, InsufficientFundsException {
    TaskFile file = parser.parse(taskFile);
    TaskTemplate template = templates.get(file.type()).orElseThrow();
    byte[] id = new byte[32];
    random.nextBytes(id);
    Path work = dataDir.resolve("tasks").resolve(HexFormat.of().formatHex(id));
    TaskPlan plan;
    try {
      plan = template.plan(file, work.resolve("staging"), context(work));
    } catch (TaskFileException e) {
      deleteQuietly(work);
      throw e;
    }
    TaskFile.Verification verification = file.verification().orElse(plan.defaultVerification());
    BigInteger maxCost = maxCost(file, plan, verification);
    boolean withConcent = concent.mode().announcesWithConcent(file.concentEnabled());
    try {
      funds.require(maxCost);
      if (withConcent) requireDeposit(maxCost);
    } catch (InsufficientFundsException e) {
      deleteQuietly(work);
      throw e;
    }
    if (file.concentEnabled() && !withConcent) {
      LOG.warn(
          "Task file {} asks for Concent (concent_enabled), but this node's concent setting is"
              + " off: the task is announced without Concent",
          taskFile);
    }
    return new Planned(id, file, plan, verification, work, withConcent);
  }

  /**
   * The most a task may cost: each subtask at its own price (an assignment of several of the task
   * file's subtasks has their time limits together), times the redundancy.
   */
  static BigInteger maxCost(TaskFile file, TaskPlan plan, TaskFile.Verification verification) {
    BigInteger maxCost = BigInteger.ZERO;
    for (PlannedSubtask s : plan.subtasks()) {
      maxCost = maxCost.add(Pricing.subtaskPrice(file.bidPerHour(), s.limits().timeoutSeconds()));
    }
    return maxCost.multiply(BigInteger.valueOf(verification.redundancy()));
  }

  /** The maximum cost a task's deposit must back: null for no task, or one without Concent. */
  static BigInteger concentCost(Task t) {
    return t == null || !t.header.concentEnabled() ? null : maxCost(t.file, t.plan, t.verification);
  }

  /**
   * Before a task with Concent is announced again (restarted): its deposit must still back it.
   *
   * @throws IllegalStateException naming the deposit and what it lacks
   */
  void requireDepositToRestart(BigInteger maxCost) {
    try {
      requireDeposit(maxCost);
    } catch (InsufficientDepositException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /**
   * The requestor's own deposit must back a task with Concent on: at least {@value
   * DepositRule#FACTOR} × its maximum cost, and locked.
   */
  private void requireDeposit(BigInteger maxCost) throws InsufficientDepositException {
    Deposits deposits = concent.deposits().orElseThrow();
    Deposits.Deposit d;
    try {
      d = deposits.depositOf(key.address());
    } catch (DepositException e) {
      throw new InsufficientDepositException(
          "a task with Concent needs a Concent deposit, which cannot be read now: "
              + e.getMessage(),
          true);
    }
    var refusal = DepositRule.refusal(key.address(), d, maxCost);
    if (refusal.isEmpty()) return;
    BigInteger missing = DepositRule.needed(maxCost).subtract(d.balance());
    String fix =
        missing.signum() > 0
            ? "top it up with 'golem concent deposit "
                + DepositRule.gntAmount(missing)
                + "' (POST /v1/concent/deposit)"
            : "lock it again (a withdrawal was started) or withdraw it and deposit again";
    throw new InsufficientDepositException(
        "the task cannot be announced with Concent ("
            + (concent.mode() == ConcentMode.REQUIRED
                ? "this node's concent setting is required"
                : "its task file asks for it")
            + "): "
            + refusal.get()
            + "; "
            + fix,
        false);
  }

  /**
   * Publishes the resources of the first {@value #PUBLISHED_AHEAD} subtasks (or first assignment of
   * several) and signs the header: the task, ready to announce. The others are published by {@link
   * #publish} after that.
   */
  Task publishAhead(Planned p) throws IOException {
    Map<String, String> cids = new LinkedHashMap<>();
    List<PlannedSubtask> all = p.plan().subtasks();
    for (int i = 0, runs = 0; i < all.size() && runs < PUBLISHED_AHEAD; i++) {
      PlannedSubtask s = all.get(i);
      p.plan().prepare(s);
      cids.put(s.name(), resources.publish(s.resources(), p.idHex()));
      runs += Math.max(1, s.runs().size());
    }
    PlannedSubtask first = all.get(0);
    long now = clock.millis();
    TaskHeader header =
        TaskHeader.signed(
            p.id(),
            key,
            network.self(),
            first.environment(),
            first.image(),
            p.file().bidPerHour(),
            all.size(),
            p.file().subtaskTimeout().toSeconds(),
            now + p.file().timeout().toMillis(),
            first.limits().memoryMib(),
            first.limits().cpuCores(),
            p.concentEnabled(),
            hasher);
    Task task = new Task(p.id(), p.file(), p.plan(), header, p.verification(), now, p.work());
    for (PlannedSubtask s : all) {
      task.subtasks.put(
          s.name(),
          new Subtask(
              s, cids.getOrDefault(s.name(), ""), sampled(p.id(), s.name(), p.verification())));
    }
    return task;
  }

  /** Prepares and publishes one subtask's resources; their CID. */
  String publish(TaskPlan plan, PlannedSubtask s, String taskIdHex) throws IOException {
    plan.prepare(s);
    return resources.publish(s.resources(), taskIdHex);
  }

  /** Plans a stored task again from its task file (a restart of the node). */
  TaskPlan replan(TaskFile file, Path workDir) throws TaskFileException {
    TaskTemplate template = templates.get(file.type()).orElseThrow();
    deleteQuietly(workDir.resolve("staging"));
    return template.plan(file, workDir.resolve("staging"), context(workDir));
  }

  TaskFile parse(Path taskFile) throws TaskFileException {
    return parser.parse(taskFile);
  }

  /**
   * A header for a task computed again: the same terms under a fresh wire id, with a new deadline.
   */
  TaskHeader reannounced(Task t) {
    byte[] wireId = new byte[32];
    random.nextBytes(wireId);
    return signedAgain(t.header, wireId, clock.millis() + t.file.timeout().toMillis());
  }

  /**
   * A stored header as this node announces it now: the same, or, when its signature no longer
   * checks (a header stored before headers carried {@code concentEnabled}), the same terms signed
   * again.
   */
  TaskHeader current(TaskHeader h) {
    return h.hasValidAuthorSignature(hasher) ? h : signedAgain(h, h.taskId(), h.deadline());
  }

  /** The terms of {@code h} under this wire id and deadline, signed by this node now. */
  private TaskHeader signedAgain(TaskHeader h, byte[] wireId, long deadline) {
    return TaskHeader.signed(
        wireId,
        key,
        network.self(),
        h.environment(),
        h.image(),
        h.maxPricePerHour(),
        h.subtaskCount(),
        h.subtaskTimeoutSeconds(),
        deadline,
        h.minMemoryMib(),
        h.minCpuCores(),
        h.concentEnabled(),
        hasher);
  }

  TaskHeaderRemoved removal(Task t) {
    return TaskHeaderRemoved.signed(t.header.taskId(), key, clock.millis(), hasher);
  }

  void release(Task t) {
    resources.release(t.idHex());
  }

  /**
   * What a task's checks may use on this node: its task computer and a scratch folder in the task's
   * work folder.
   */
  private TaskContext context(Path taskWork) {
    return new TaskContext(taskWork.resolve("verification"), Optional.ofNullable(localComputer));
  }

  /**
   * Whether subtask {@code name} is one the requestor computes too (a fixed, reproducible sample of
   * the task's).
   */
  static boolean sampled(byte[] taskId, String name, TaskFile.Verification v) {
    if (v.recomputeFraction() <= 0) return false;
    if (v.recomputeFraction() >= 1) return true;
    byte[] h = AssignmentSigner.sha256(taskId, name.getBytes(StandardCharsets.UTF_8));
    long x = ByteBuffer.wrap(h).getLong() >>> 11;
    return x < v.recomputeFraction() * (1L << 53);
  }

  /** Removes a scratch folder quietly. */
  static void deleteQuietly(Path p) {
    try {
      FileTrees.delete(p);
    } catch (IOException e) {
      LOG.debug("Could not remove {}: {}", p, e.toString());
    }
  }
}
