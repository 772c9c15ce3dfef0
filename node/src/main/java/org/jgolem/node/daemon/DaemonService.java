package org.jgolem.node.daemon;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jgolem.node.api.ApiException;
import org.jgolem.node.api.NodeService;
import org.jgolem.node.concent.ConcentMode;
import org.jgolem.node.concent.ConcentStatus;
import org.jgolem.node.market.provider.JobSnapshot;
import org.jgolem.node.market.requestor.AssignmentSnapshot;
import org.jgolem.node.market.requestor.InsufficientDepositException;
import org.jgolem.node.market.requestor.RequestorAgent;
import org.jgolem.node.market.requestor.RequestorModel;
import org.jgolem.node.market.requestor.SubtaskSnapshot;
import org.jgolem.node.market.requestor.TaskSnapshot;
import org.jgolem.node.p2p.Peer;
import org.jgolem.node.reputation.Reputation;
import org.jgolem.tasks.definition.TaskFileException;

/**
 * The operator facade of a running {@link NodeDaemon}: what the REST API and the CLI show and do.
 */
final class DaemonService implements NodeService {
  private final NodeDaemon d;

  DaemonService(NodeDaemon d) {
    this.d = d;
  }

  @Override
  public NodeStatus status() {
    List<String> roles = new ArrayList<>();
    if (d.requestor != null) roles.add("requestor");
    if (d.provider != null) roles.add("provider");
    return new NodeStatus(
        d.key.address().toString(),
        "jgolem/0.1.0",
        roles,
        d.p2p.self().host() + ":" + d.p2p.self().port(),
        d.computer.advertisedEnvironments(),
        d.p2p.network().peers().size());
  }

  private RequestorAgent requestor() throws ApiException {
    if (d.requestor == null)
      throw ApiException.conflict("this node is not a requestor (start it with --requestor)");
    return d.requestor;
  }

  @Override
  public TaskSummary createTask(Path taskFile) throws ApiException {
    try {
      return summary(requestor().create(taskFile));
    } catch (TaskFileException e) {
      throw ApiException.badRequest(
          "invalid task file " + taskFile, e.problems().stream().map(Object::toString).toList());
    } catch (InsufficientDepositException e) {
      throw e.unavailable()
          ? new ApiException(503, "chain_unavailable", e.getMessage(), List.of())
          : new ApiException(402, "insufficient_deposit", e.getMessage(), List.of());
    } catch (RequestorAgent.InsufficientFundsException e) {
      throw new ApiException(402, "insufficient_funds", e.getMessage(), List.of());
    } catch (IOException e) {
      throw new ApiException(
          500,
          "resources",
          "the task's resources cannot be published: " + e.getMessage(),
          List.of());
    }
  }

  @Override
  public List<TaskSummary> tasks() {
    return d.requestor == null
        ? List.of()
        : d.requestor.tasks().stream().map(DaemonService::summary).toList();
  }

  private TaskSnapshot find(String id) throws ApiException {
    return requestor().task(id).orElseThrow(() -> ApiException.notFound("task " + id));
  }

  @Override
  public TaskSummary task(String taskId) throws ApiException {
    return summary(find(taskId));
  }

  @Override
  public List<SubtaskSummary> subtasks(String taskId) throws ApiException {
    return subtaskSummaries(find(taskId));
  }

  /** Every subtask's Concent state by its wire id (empty when the node keeps none). */
  private Map<String, ConcentStatus> concentStates() {
    return d.concentStates == null ? Map.of() : d.concentStates.all();
  }

  private static String concent(Map<String, ConcentStatus> states, String subtaskId) {
    ConcentStatus s = states.get(subtaskId);
    return s == null ? "" : s.label();
  }

  private List<SubtaskSummary> subtaskSummaries(TaskSnapshot t) {
    Map<String, ConcentStatus> states = concentStates();
    List<SubtaskSummary> out = new ArrayList<>();
    for (SubtaskSnapshot s : t.subtasks()) {
      List<AssignmentSnapshot> as = s.assignments();
      AssignmentSnapshot accepted = s.acceptedResult();
      long agreeing =
          as.stream().filter(a -> a.state() == RequestorModel.AssignmentState.ACCEPTED).count();
      long wrong =
          as.stream().filter(a -> a.state() == RequestorModel.AssignmentState.REJECTED).count();
      String verification =
          s.state() == RequestorModel.SubtaskState.ACCEPTED
              ? (s.recompute()
                      ? "matches the requestor's own result"
                      : t.verification().redundancy() > 1
                          ? agreeing + " results agree"
                          : t.file().type().equals("blender")
                              ? "passed the task type's check (Blender: re-rendered crops compared by SSIM)"
                              : "passed the "
                                  + t.file().type()
                                  + " task type's check only (no redundancy, no recompute)")
                  + (wrong > 0 ? ", " + wrong + " rejected" : "")
              : s.detail().isEmpty() ? (wrong > 0 ? wrong + " rejected" : "") : s.detail();
      out.add(
          new SubtaskSummary(
              t.id(),
              s.name(),
              s.state().name(),
              as.stream().map(a -> a.provider().toString()).distinct().toList(),
              as.size(),
              verification,
              accepted == null ? "" : accepted.resultCid(),
              s.covers(),
              as.stream()
                  .map(a -> states.get(a.id()))
                  .filter(java.util.Objects::nonNull)
                  .max(java.util.Comparator.comparingLong(ConcentStatus::at))
                  .map(ConcentStatus::label)
                  .orElse("")));
    }
    return out;
  }

  @Override
  public List<AssignmentSummary> assignments(String taskId) throws ApiException {
    TaskSnapshot t = find(taskId);
    Map<String, ConcentStatus> states = concentStates();
    return t.assignments().stream()
        .map(a ->
            new AssignmentSummary(
                a.id(),
                t.id(),
                a.subtask(),
                a.provider().toString(),
                a.price().toString(),
                a.deadline(),
                a.state().name(),
                a.detail() == null ? "" : a.detail(),
                a.resultCid(),
                concent(states, a.id())))
        .toList();
  }

  @Override
  public TaskSummary restartTask(String taskId) throws ApiException {
    find(taskId);
    try {
      return summary(requestor().restart(taskId));
    } catch (IllegalStateException e) {
      throw ApiException.conflict(e.getMessage());
    }
  }

  @Override
  public SubtaskSummary restartSubtask(String taskId, String subtask) throws ApiException {
    find(taskId);
    try {
      requestor().restartSubtask(taskId, subtask);
    } catch (IllegalArgumentException e) {
      throw ApiException.notFound("subtask " + subtask + " of task " + taskId);
    }
    return subtasks(taskId).stream()
        .filter(s -> s.name().equals(subtask))
        .findFirst()
        .orElseThrow();
  }

  @Override
  public TaskSummary abortTask(String taskId) throws ApiException {
    RequestorModel.TaskState state = find(taskId).state();
    if (state != RequestorModel.TaskState.COMPUTING) {
      // docs/API.md: 409 when the action does not fit the task's state, e.g. aborting a finished
      // task
      throw ApiException.conflict(
          "task " + taskId + " is " + state + ": only a computing task can be aborted");
    }
    return summary(requestor().abort(taskId));
  }

  @Override
  public List<PeerSummary> peers() {
    return d.p2p.network().peers().stream()
        .map((Peer p) ->
            new PeerSummary(p.id().toString(), p.record().host(), p.record().port(), p.outbound()))
        .toList();
  }

  @Override
  public List<PaymentSummary> payments() {
    if (d.payments == null) return List.of();
    return d.payments.payments().stream()
        .map(p ->
            new PaymentSummary(
                p.taskId(),
                p.subtaskId(),
                p.payee().toString(),
                p.amount().toString(),
                p.status().name(),
                p.txHash() == null ? "" : p.txHash(),
                p.heldReason() == null ? "" : p.heldReason()))
        .toList();
  }

  @Override
  public List<IncomeSummary> incomes() {
    if (d.incomes == null) return List.of();
    Map<String, ConcentStatus> states = concentStates();
    return d.incomes.incomes().stream()
        .map(i ->
            new IncomeSummary(
                i.subtaskId(),
                i.requestor().toString(),
                i.amount().toString(),
                i.status().name(),
                i.txHash() == null ? "" : i.txHash(),
                concent(states, i.subtaskId())))
        .toList();
  }

  @Override
  public AccountSummary account() throws ApiException {
    if (d.account == null) {
      throw ApiException.conflict(
          "this node has no chain account configured (set chain.deployment and run as requestor)");
    }
    try {
      var b = d.account.balances();
      BigInteger reserved = d.payments.totals().owed();
      return new AccountSummary(
          b.account().toString(), b.gnt().toString(), b.eth().toString(), reserved.toString());
    } catch (RuntimeException e) {
      throw new ApiException(
          503, "chain_unavailable", "the chain does not answer: " + e.getMessage(), List.of());
    }
  }

  @Override
  public List<ReputationSummary> reputation() {
    List<ReputationSummary> out = new ArrayList<>();
    for (Reputation.Role role : Reputation.Role.values()) {
      for (Reputation.Entry e : d.reputation.ranking(role)) {
        Reputation.Counters c = e.counters();
        out.add(
            new ReputationSummary(
                role.name(),
                e.node().toString(),
                e.score(),
                c.accepted(),
                c.wrong(),
                c.timeouts(),
                c.failures(),
                c.paid(),
                c.late(),
                c.rejected()));
      }
    }
    return out;
  }

  @Override
  public List<JobSummary> providerJobs() {
    if (d.provider == null) return List.of();
    Map<String, ConcentStatus> states = concentStates();
    return d.provider.jobs().stream()
        .map((JobSnapshot j) ->
            new JobSummary(
                j.subtaskId(),
                j.taskId(),
                j.requestor().toString(),
                j.price().toString(),
                j.deadline(),
                j.state(),
                j.resultCid(),
                concent(states, j.subtaskId())))
        .toList();
  }

  @Override
  public Map<String, String> settings() {
    Map<String, String> m = new LinkedHashMap<>();
    NodeConfig c = d.config;
    m.put("p2p.endpoint", d.p2p.self().host() + ":" + d.p2p.self().port());
    m.put("p2p.seeds", String.join(",", c.seeds()));
    m.put("resources.gatewayPort", String.valueOf(d.resources.gatewayPort()));
    m.put("requestor.enabled", String.valueOf(d.requestor != null));
    m.put("requestor.paymentWindowSeconds", String.valueOf(c.paymentWindow().toSeconds()));
    m.put("requestor.transferSlackSeconds", String.valueOf(c.transferSlack().toSeconds()));
    m.put("provider.enabled", String.valueOf(d.provider != null));
    m.put(
        "provider.minPricePerHour",
        d.provider == null
            ? c.minPricePerHour().toString()
            : d.provider.minPricePerHour().toString());
    m.put("provider.slots", String.valueOf(c.slots()));
    m.put("provider.environments", String.join(",", d.computer.advertisedEnvironments()));
    m.put("concent.mode", d.concent.mode().text());
    return m;
  }

  @Override
  public Map<String, String> updateSetting(String key, String value) throws ApiException {
    if (!settings().containsKey(key)) {
      throw ApiException.badRequest("unknown setting " + key, List.copyOf(settings().keySet()));
    }
    if (key.equals("concent.mode")) {
      try {
        d.concent.mode(ConcentMode.parse(value));
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest(e.getMessage(), List.of());
      }
      return settings();
    }
    if (!key.equals("provider.minPricePerHour") || d.provider == null) {
      throw ApiException.badRequest(
          "setting "
              + key
              + " cannot change while the node runs; edit the configuration "
              + "file and restart the node",
          List.of(
              "changeable now: provider.minPricePerHour (wei per hour), concent.mode (off,"
                  + " optional, required)"));
    }
    BigInteger wei;
    try {
      wei = new BigInteger(value);
      if (wei.signum() < 0) throw new NumberFormatException();
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(
          "provider.minPricePerHour must be a non-negative integer amount of wei, got " + value,
          List.of());
    }
    d.provider.setMinPricePerHour(wei);
    return settings();
  }

  // ------------------------------------------------------------------ Concent deposit

  @Override
  public DepositSummary deposit() throws ApiException {
    return new DepositService(d.deposit).status();
  }

  @Override
  public DepositSummary addToDeposit(String amountWei) throws ApiException {
    return new DepositService(d.deposit).add(amountWei);
  }

  @Override
  public DepositSummary unlockDeposit() throws ApiException {
    return new DepositService(d.deposit).unlock();
  }

  @Override
  public DepositSummary withdrawDeposit() throws ApiException {
    return new DepositService(d.deposit).withdraw();
  }

  static TaskSummary summary(TaskSnapshot t) {
    int n = t.subtasks().size();
    long accepted = t.accepted();
    return new TaskSummary(
        t.id(),
        t.file().name(),
        t.file().type(),
        t.state().name(),
        n,
        (int) accepted,
        n == 0 ? 0 : (double) accepted / n,
        t.createdAt(),
        t.header().deadline(),
        t.output() == null ? "" : t.output().toString(),
        t.file().bidPerHour().toString(),
        t.spent().toString(),
        t.verificationTime().toMillis());
  }
}
