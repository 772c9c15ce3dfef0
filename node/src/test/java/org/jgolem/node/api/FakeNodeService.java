package org.jgolem.node.api;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A NodeService with state, standing in for the real one behind the REST API. Tasks created from a
 * file whose name contains "failing" fail after two polls; others gain one accepted subtask per
 * {@link #task} call until all four are accepted and the task FINISHED. A file named "invalid.json"
 * is refused with details, as the real task file parser would. {@link #breakNext} makes the next
 * call throw.
 */
public final class FakeNodeService implements NodeService {
  public static final String NODE_ID = "0x1111111111111111111111111111111111111111";
  public static final String PROVIDER = "0x2222222222222222222222222222222222222222";
  public static final long CREATED_AT = 1_700_000_000_000L; // 2023-11-14 22:13:20Z

  private final Map<String, TaskSummary> tasks = new LinkedHashMap<>();
  private final Map<String, List<SubtaskSummary>> subtasks = new LinkedHashMap<>();
  private final Map<String, String> settings =
      new TreeMap<>(
          Map.of(
              "max_price",
              "2000000000000000000",
              "min_price",
              "1",
              "accept_tasks",
              "true",
              "node_name",
              "alice"));
  public final List<Path> createdFrom = new ArrayList<>();
  public final List<String> calls = new ArrayList<>();
  private final AtomicReference<Throwable> breakNext = new AtomicReference<>();
  private int next = 1;

  /** account() answers null, as a buggy service might. */
  public volatile boolean accountMissing;

  /** The next call to the service throws {@code t} (a RuntimeException or an Error). */
  public void breakNext(Throwable t) {
    breakNext.set(t);
  }

  private synchronized void enter(String call) {
    calls.add(call);
    Throwable t = breakNext.getAndSet(null);
    if (t instanceof RuntimeException r) {
      throw r;
    }
    if (t instanceof Error e) {
      throw e;
    }
  }

  /** Adds a task directly, in the given state. */
  public synchronized TaskSummary put(
      String id, String name, String state, int n, int accepted, String spent) {
    TaskSummary t =
        new TaskSummary(
            id,
            name,
            "wasm",
            state,
            n,
            accepted,
            n == 0 ? 0 : (double) accepted / n,
            CREATED_AT,
            CREATED_AT + 3_600_000,
            "/out/" + id,
            "1500000000000000000",
            spent,
            0);
    tasks.put(id, t);
    List<SubtaskSummary> subs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      boolean done = i < accepted;
      subs.add(
          new SubtaskSummary(
              id,
              "sub-" + i,
              done ? "ACCEPTED" : "PENDING",
              done ? List.of(PROVIDER) : List.of(),
              done ? 1 : 0,
              done ? "exact match" : null,
              done ? "bafy" + i : null,
              List.of(),
              ""));
    }
    subtasks.put(id, subs);
    return t;
  }

  @Override
  public NodeStatus status() {
    enter("status");
    return new NodeStatus(
        NODE_ID,
        "jgolem/0.1.0",
        List.of("provider", "requestor"),
        "127.0.0.1:40102",
        List.of("wasm", "docker:sha256:abc"),
        3);
  }

  /**
   * Makes subtask {@code index} of task {@code id} an assignment of the task file's subtasks {@code
   * covers}.
   */
  public synchronized void covers(String id, int index, List<String> covers) {
    List<SubtaskSummary> subs = subtasks.get(id);
    SubtaskSummary s = subs.get(index);
    subs.set(
        index,
        new SubtaskSummary(
            s.taskId(),
            s.name(),
            s.state(),
            s.providers(),
            s.attempts(),
            s.verification(),
            s.resultCid(),
            covers,
            s.concent()));
  }

  /** Gives the subtask {@code index} of task {@code id} a Concent state. */
  public synchronized void concent(String id, int index, String concent) {
    List<SubtaskSummary> subs = subtasks.get(id);
    SubtaskSummary s = subs.get(index);
    subs.set(
        index,
        new SubtaskSummary(
            s.taskId(),
            s.name(),
            s.state(),
            s.providers(),
            s.attempts(),
            s.verification(),
            s.resultCid(),
            s.covers(),
            concent));
  }

  @Override
  public synchronized TaskSummary createTask(Path taskFile) throws ApiException {
    enter("createTask " + taskFile);
    if (taskFile.getFileName().toString().equals("invalid.json")) {
      throw ApiException.badRequest(
          "the task file " + taskFile + " is invalid",
          List.of(
              "$.subtasks_count: must be at least 1", "$.bid: must be a decimal number of GNT"));
    }
    createdFrom.add(taskFile);
    String name = taskFile.getFileName().toString().replaceAll("\\.json$", "");
    TaskSummary t = put("task-" + next++, name, "CREATED", 4, 0, "0");
    return t;
  }

  @Override
  public synchronized List<TaskSummary> tasks() {
    enter("tasks");
    return List.copyOf(tasks.values());
  }

  @Override
  public synchronized TaskSummary task(String taskId) throws ApiException {
    enter("task " + taskId);
    TaskSummary t = find(taskId);
    if (t.state().equals("CREATED") || t.state().equals("COMPUTING")) {
      boolean failing = t.name().contains("failing");
      int accepted = failing ? Math.min(t.subtasksAccepted() + 1, 1) : t.subtasksAccepted() + 1;
      String state =
          failing && t.subtasksAccepted() >= 1
              ? "FAILED"
              : accepted >= t.subtasks() ? "FINISHED" : "COMPUTING";
      String spent = String.valueOf(accepted * 100_000_000_000_000_000L);
      t =
          new TaskSummary(
              t.id(),
              t.name(),
              t.type(),
              state,
              t.subtasks(),
              accepted,
              (double) accepted / t.subtasks(),
              t.createdAt(),
              t.deadline(),
              t.outputPath(),
              t.bidPerHour(),
              spent,
              t.verificationMs());
      tasks.put(taskId, t);
    }
    return t;
  }

  /** The task as stored, without advancing it. */
  public synchronized TaskSummary peek(String taskId) {
    return tasks.get(taskId);
  }

  @Override
  public synchronized List<SubtaskSummary> subtasks(String taskId) throws ApiException {
    enter("subtasks " + taskId);
    find(taskId);
    return List.copyOf(subtasks.get(taskId));
  }

  /**
   * One assignment per subtask: accepted for the accepted ones, TIMED_OUT then ASSIGNED again for
   * the others.
   */
  @Override
  public synchronized List<AssignmentSummary> assignments(String taskId) throws ApiException {
    enter("assignments " + taskId);
    find(taskId);
    List<AssignmentSummary> out = new ArrayList<>();
    int i = 0;
    for (SubtaskSummary s : subtasks.get(taskId)) {
      String id = String.format("%064x", i++);
      long deadline = CREATED_AT + 600_000;
      if (s.state().equals("ACCEPTED")) {
        out.add(
            new AssignmentSummary(
                id,
                taskId,
                s.name(),
                PROVIDER,
                "123456789012345678901234567890",
                deadline,
                "ACCEPTED",
                "",
                "bafy" + s.name(),
                ""));
      } else {
        out.add(
            new AssignmentSummary(
                id,
                taskId,
                s.name(),
                PROVIDER,
                "7",
                deadline,
                "TIMED_OUT",
                "no report by the deadline",
                "",
                ""));
      }
    }
    return out;
  }

  @Override
  public synchronized TaskSummary restartTask(String taskId) throws ApiException {
    enter("restartTask " + taskId);
    TaskSummary t = find(taskId);
    if (t.state().equals("COMPUTING") || t.state().equals("CREATED")) {
      throw ApiException.conflict(
          "task " + taskId + " is " + t.state() + ": only an ended task can be restarted");
    }
    return replaceState(t, "COMPUTING");
  }

  @Override
  public synchronized SubtaskSummary restartSubtask(String taskId, String subtask)
      throws ApiException {
    enter("restartSubtask " + taskId + " " + subtask);
    find(taskId);
    List<SubtaskSummary> subs = subtasks.get(taskId);
    for (int i = 0; i < subs.size(); i++) {
      SubtaskSummary s = subs.get(i);
      if (s.name().equals(subtask)) {
        SubtaskSummary r =
            new SubtaskSummary(
                taskId,
                s.name(),
                "PENDING",
                s.providers(),
                s.attempts(),
                null,
                null,
                s.covers(),
                "");
        subs.set(i, r);
        return r;
      }
    }
    throw ApiException.notFound("subtask " + subtask + " of task " + taskId);
  }

  @Override
  public synchronized TaskSummary abortTask(String taskId) throws ApiException {
    enter("abortTask " + taskId);
    TaskSummary t = find(taskId);
    if (!(t.state().equals("COMPUTING") || t.state().equals("CREATED"))) {
      throw ApiException.conflict(
          "task " + taskId + " is " + t.state() + ": only a running task can be aborted");
    }
    return replaceState(t, "ABORTED");
  }

  @Override
  public List<PeerSummary> peers() {
    enter("peers");
    return List.of(
        new PeerSummary(PROVIDER, "127.0.0.1", 40103, true),
        new PeerSummary("0x3333333333333333333333333333333333333333", "::1", 40104, false));
  }

  @Override
  public List<PaymentSummary> payments() {
    enter("payments");
    return List.of(
        new PaymentSummary("t-1", "sub-0", PROVIDER, "1", "PAID", "0xabc", null),
        new PaymentSummary(
            "t-1", "sub-1", PROVIDER, "1500000000000000000", "PENDING", null, "batch at 12:00"),
        new PaymentSummary(
            "t-1", "sub-2", PROVIDER, "123456789012345678901234567890", "SENT", "0xdef", null));
  }

  @Override
  public List<IncomeSummary> incomes() {
    enter("incomes");
    return List.of(
        new IncomeSummary("sub-9", NODE_ID, "1000000000000000000", "RECEIVED", "0x999", ""),
        new IncomeSummary("sub-8", NODE_ID, "10", "EXPECTED", null, ""));
  }

  @Override
  public AccountSummary account() {
    enter("account");
    if (accountMissing) {
      return null;
    }
    return new AccountSummary(NODE_ID, "1000000000000000000000", "1", "2500000000000000000");
  }

  /** The fake's Concent deposit: wei deposited, and whether an unlock was started. */
  private java.math.BigInteger deposited = java.math.BigInteger.ZERO;

  private boolean unlocking;

  private DepositSummary depositSummary(String tx) {
    return new DepositSummary(
        NODE_ID,
        deposited.toString(),
        unlocking ? "UNLOCKING" : "LOCKED",
        unlocking ? 1_700_086_400L : 0,
        1_700_000_000L,
        86_400,
        null,
        tx);
  }

  @Override
  public synchronized DepositSummary deposit() {
    enter("deposit");
    return depositSummary("");
  }

  @Override
  public synchronized DepositSummary addToDeposit(String amountWei) {
    enter("addToDeposit " + amountWei);
    deposited = deposited.add(new java.math.BigInteger(amountWei));
    return depositSummary("0x" + "ab".repeat(32));
  }

  @Override
  public synchronized DepositSummary unlockDeposit() throws ApiException {
    enter("unlockDeposit");
    if (unlocking) throw ApiException.conflict("the Concent deposit is already unlocked");
    unlocking = true;
    return depositSummary("0x" + "cd".repeat(32));
  }

  @Override
  public synchronized DepositSummary withdrawDeposit() throws ApiException {
    enter("withdrawDeposit");
    throw ApiException.conflict(
        "the Concent deposit of "
            + NODE_ID
            + " is still locked until 2023-11-15T22:13:20Z (in 86400 s by the chain's clock):"
            + " withdraw after that");
  }

  @Override
  public List<ReputationSummary> reputation() {
    enter("reputation");
    return List.of(
        new ReputationSummary("PROVIDER", PROVIDER, 0.75, 2, 0, 0, 0, 0, 0, 0),
        new ReputationSummary(
            "PROVIDER",
            "0x3333333333333333333333333333333333333333",
            1.0 / 12,
            0,
            1,
            0,
            0,
            0,
            0,
            0),
        new ReputationSummary("REQUESTOR", NODE_ID, 2.0 / 3, 0, 0, 0, 0, 1, 0, 0));
  }

  @Override
  public List<JobSummary> providerJobs() {
    enter("providerJobs");
    return List.of(
        new JobSummary(
            "ab".repeat(32),
            "cd".repeat(32),
            NODE_ID,
            "123456789012345678901234567890",
            CREATED_AT + 600_000,
            "COMPUTING",
            "",
            ""),
        new JobSummary(
            "ef".repeat(32),
            "cd".repeat(32),
            NODE_ID,
            "5",
            CREATED_AT + 600_000,
            "REPORTED",
            "bafyresult",
            "FORCING_REPORT"));
  }

  @Override
  public synchronized Map<String, String> settings() {
    enter("settings");
    return Map.copyOf(settings);
  }

  @Override
  public synchronized Map<String, String> updateSetting(String key, String value)
      throws ApiException {
    enter("updateSetting " + key + "=" + value);
    if (!settings.containsKey(key)) {
      throw ApiException.badRequest(
          "unknown setting '" + key + "'", List.copyOf(settings.keySet()));
    }
    if (key.endsWith("_price") && !value.matches("[0-9]+")) {
      throw ApiException.badRequest(
          "setting " + key + " must be a whole number of wei, got '" + value + "'", List.of());
    }
    settings.put(key, value);
    return Map.copyOf(settings);
  }

  private TaskSummary find(String taskId) throws ApiException {
    TaskSummary t = tasks.get(taskId);
    if (t == null) {
      throw ApiException.notFound("task " + taskId);
    }
    return t;
  }

  private TaskSummary replaceState(TaskSummary t, String state) {
    TaskSummary r =
        new TaskSummary(
            t.id(),
            t.name(),
            t.type(),
            state,
            t.subtasks(),
            t.subtasksAccepted(),
            t.progress(),
            t.createdAt(),
            t.deadline(),
            t.outputPath(),
            t.bidPerHour(),
            t.spent(),
            t.verificationMs());
    tasks.put(t.id(), r);
    return r;
  }
}
