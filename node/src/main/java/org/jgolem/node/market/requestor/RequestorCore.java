package org.jgolem.node.market.requestor;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jgolem.node.market.requestor.RequestorModel.Assignment;
import org.jgolem.node.market.requestor.RequestorModel.AssignmentState;
import org.jgolem.node.market.requestor.RequestorModel.Subtask;
import org.jgolem.node.market.requestor.RequestorModel.SubtaskState;
import org.jgolem.node.market.requestor.RequestorModel.Task;
import org.jgolem.node.market.requestor.RequestorModel.TaskState;
import org.jgolem.node.p2p.Peer;
import org.jgolem.node.reputation.Reputation;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.market.AckReportComputedTask;
import org.jgolem.protocol.messages.market.CannotAssignTask;
import org.jgolem.protocol.messages.market.CannotComputeTask;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.jgolem.protocol.messages.market.SubtaskResultsRejected;
import org.jgolem.protocol.messages.market.WantToComputeTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The requestor's state machine: events in (offers, reports, timer ticks, published resources),
 * decisions and messages out through {@link RequestorEffects}. It does no I/O and starts no thread:
 * the agent runs it on its loop, a unit test calls it directly. Here a subtask is assigned ({@link
 * OfferPolicy} says which offer gets which subtask) and its report taken in; {@link ResultJudge}
 * does verify → settle once the {@link ResultVerifier} has fetched and checked the result.
 *
 * <p>Why over 400 lines: every transition of the requestor's state machine (an offer, a report, a
 * refusal, a tick, a published subtask) is here, so that all of them are read and unit-tested
 * together; what a transition consults is in {@link OfferPolicy}, {@link ResultJudge} and {@link
 * RequestorModel}.
 */
final class RequestorCore {
  private static final Logger LOG = LoggerFactory.getLogger(RequestorCore.class);

  /**
   * A report not answered yet: acknowledged at {@code due} unless a verdict has gone out by then.
   */
  private record PendingAck(
      Assignment assignment, ReportComputedTask report, Peer peer, long due) {}

  private record Offer(Peer peer, WantToComputeTask want, long receivedAt) {}

  private final RequestorEffects effects;
  private final ResultJudge judge;
  private final OfferPolicy policy;
  private final AssignmentSigner signer;
  private final Reputation reputation;
  private final Clock clock;
  private final Duration ackDelay;

  final Map<String, Task> tasks = new LinkedHashMap<>();

  /**
   * Tasks by the id their current header announces (a restarted task is announced under a fresh
   * id).
   */
  final Map<String, Task> byWireId = new HashMap<>();

  private final Map<String, Assignment> assignments = new HashMap<>();
  private final Map<String, Task> taskOfAssignment = new HashMap<>();

  /**
   * Where each reported result can be fetched from (the provider's gateway), by assignment id;
   * saved with it.
   */
  final Map<String, String> sources;

  private final List<Offer> offers = new ArrayList<>();

  /**
   * Assignments restored from the database whose TaskToCompute may never have left (a crash between
   * saving and sending): sent again once their provider is connected. A provider that has it
   * already ignores it.
   */
  private final Set<Assignment> redeliver = new LinkedHashSet<>();

  private final ArrayDeque<PendingAck> pendingAcks = new ArrayDeque<>();

  RequestorCore(
      RequestorEffects effects,
      OfferPolicy policy,
      AssignmentSigner signer,
      Reputation reputation,
      Clock clock,
      Duration ackDelay,
      Map<String, String> sources) {
    this.effects = effects;
    this.judge = new ResultJudge(effects, policy, signer, reputation, clock, sources);
    this.sources = sources;
    this.policy = policy;
    this.signer = signer;
    this.reputation = reputation;
    this.clock = clock;
    this.ackDelay = ackDelay;
  }

  // ------------------------------------------------------------------ tasks in

  /**
   * A new task, its first subtasks published: announced, and its sampled subtasks computed here
   * too.
   */
  void add(Task t) {
    tasks.put(t.idHex(), t);
    byWireId.put(t.idHex(), t);
    for (Subtask s : t.subtasks.values()) effects.changed(t, s, null);
    effects.announce(t.header);
    for (Subtask s : t.subtasks.values()) {
      if (s.recompute && s.published()) recompute(t, s);
    }
  }

  /** The resources of a subtask are published: it can be assigned. */
  void published(Task t, String subtask, String cid) {
    Subtask s = t.subtasks.get(subtask);
    s.resourcesCid = cid;
    effects.changed(t, s, null);
    if (t.state != TaskState.COMPUTING) return;
    if (s.recompute) recompute(t, s);
    dispatch();
  }

  /** The resources of a subtask cannot be published: the task fails. */
  void publishFailed(Task t, String why) {
    if (t.state == TaskState.COMPUTING) judge.end(t, TaskState.FAILED, why);
    dispatch(); // offers waiting for this task's resources are answered
  }

  /**
   * A task read back after a restart ({@link RequestorRecovery}): announced again if unfinished,
   * assignments keep their deadlines, reported results are fetched and checked again, and every
   * accepted result is handed to the payment processor again (which records it once).
   */
  void resume(Task t, Map<String, String> savedSources) {
    sources.putAll(savedSources);
    tasks.put(t.idHex(), t);
    byWireId.put(HexFormat.of().formatHex(t.header.taskId()), t);
    for (Subtask s : t.subtasks.values()) {
      for (Assignment a : s.assignments) {
        assignments.put(a.idHex(), a);
        taskOfAssignment.put(a.idHex(), t);
        if (a.state == AssignmentState.ASSIGNED && t.state == TaskState.COMPUTING) redeliver.add(a);
        if (a.state == AssignmentState.ACCEPTED) effects.paymentDue(t, a, clock.millis());
      }
    }
    if (t.state != TaskState.COMPUTING) return;
    if (t.header.deadline() > clock.millis()) effects.announce(t.header);
    for (Subtask s : t.subtasks.values()) {
      if (s.recompute && s.localDigest == null && s.state != SubtaskState.ACCEPTED) recompute(t, s);
      for (Assignment a : s.assignments) {
        if (a.state == AssignmentState.REPORTED) effects.fetch(t, s, a, sourcesOf(a));
      }
      judge.decide(t, s);
    }
  }

  /** Whether any task is being computed. */
  boolean computing() {
    for (Task t : tasks.values()) {
      if (t.state == TaskState.COMPUTING) return true;
    }
    return false;
  }

  Task known(String idHex) {
    Task t = tasks.get(idHex);
    if (t == null) throw new IllegalArgumentException("no task " + idHex);
    return t;
  }

  // ------------------------------------------------------------------ offers and assignment

  void onWant(Peer peer, Envelope env) {
    WantToComputeTask want = (WantToComputeTask) env.payload();
    Task t = byWireId.get(HexFormat.of().formatHex(want.taskId()));
    if (t != null && !Arrays.equals(t.header.taskId(), want.taskId())) {
      effects.send(
          peer, new CannotAssignTask(want.taskId(), CannotAssignTask.Reason.TASK_FINISHED));
      return;
    }
    if (t == null) {
      effects.send(peer, new CannotAssignTask(want.taskId(), CannotAssignTask.Reason.TASK_UNKNOWN));
      return;
    }
    if (t.state != TaskState.COMPUTING) {
      effects.send(
          peer, new CannotAssignTask(want.taskId(), CannotAssignTask.Reason.TASK_FINISHED));
      return;
    }
    Optional<CannotAssignTask.Reason> refused = policy.refusal(t, want);
    if (refused.isPresent()) {
      effects.send(peer, new CannotAssignTask(want.taskId(), refused.get()));
      return;
    }
    // an offer repeated while the first waits (see dispatch) replaces it
    offers.removeIf(o ->
        o.want.provider().equals(want.provider()) && Arrays.equals(o.want.taskId(), want.taskId()));
    offers.add(new Offer(peer, want, clock.millis()));
    dispatch();
  }

  /**
   * Matches queued offers to subtasks that need a provider: best reputation and performance per
   * price first. An offer for a task whose resources are still being published waits for them
   * (asked to come back later, the provider would idle for seconds at the start of a large task).
   */
  void dispatch() {
    if (offers.isEmpty()) return;
    offers.sort(Comparator.comparingDouble((Offer o) -> policy.score(o.want)).reversed());
    List<Offer> waiting = new ArrayList<>();
    for (var it = offers.iterator(); it.hasNext(); ) {
      Offer o = it.next();
      it.remove();
      Task t = byWireId.get(HexFormat.of().formatHex(o.want.taskId()));
      if (t == null
          || t.state != TaskState.COMPUTING
          || !Arrays.equals(t.header.taskId(), o.want.taskId())) {
        effects.send(
            o.peer, new CannotAssignTask(o.want.taskId(), CannotAssignTask.Reason.TASK_FINISHED));
        continue;
      }
      Subtask s = policy.nextFor(t, o.want.provider());
      if (s == null) {
        if (OfferPolicy.publishing(t)) {
          waiting.add(o);
        } else {
          effects.send(
              o.peer,
              new CannotAssignTask(o.want.taskId(), CannotAssignTask.Reason.NO_MORE_SUBTASKS));
        }
        continue;
      }
      assign(t, s, o);
    }
    offers.addAll(waiting);
  }

  private void assign(Task t, Subtask s, Offer o) {
    if (policy.attemptsUsed(t, s)) {
      judge.failSubtask(t, s, "no agreement after " + s.assignments.size() + " attempts");
      effects.send(
          o.peer, new CannotAssignTask(o.want.taskId(), CannotAssignTask.Reason.NO_MORE_SUBTASKS));
      return;
    }
    Assignment a =
        signer.assign(
            t,
            s,
            o.want.provider(),
            policy.price(t, s, o.want),
            policy.deadline(t, s, clock.millis()));
    s.assignments.add(a);
    s.state = SubtaskState.COMPUTING;
    assignments.put(a.idHex(), a);
    taskOfAssignment.put(a.idHex(), t);
    effects.changed(t, s, a);
    effects.send(o.peer, a.ttc);
    LOG.debug(
        "Task {}: subtask {} assigned to {} for {} wei", t.idHex(), s.name(), a.provider, a.price);
  }

  // ------------------------------------------------------------------ reports and verdicts

  /** The task of the assignment with wire id {@code idHex}, or null. */
  Task taskOf(String idHex) {
    return taskOfAssignment.get(idHex);
  }

  /** The assignment with wire id {@code idHex}, or null. */
  Assignment assignment(String idHex) {
    return assignments.get(idHex);
  }

  void onReport(Peer peer, Envelope env) {
    ReportComputedTask report = (ReportComputedTask) env.payload();
    String aid = HexFormat.of().formatHex(report.subtaskId());
    Assignment a = assignments.get(aid);
    if (a == null) {
      LOG.warn("Report from {} for unknown subtask {}: rejected", env.sender(), aid);
      effects.send(
          peer,
          new SubtaskResultsRejected(
              report.reportHash(),
              report.subtaskId(),
              signer.requestor(),
              report.provider(),
              SubtaskResultsRejected.Reason.OTHER,
              "no such subtask was assigned by this requestor"));
      return;
    }
    if (!a.provider.equals(env.sender()) || !report.answers(a.ttc)) {
      LOG.warn(
          "Report from {} for subtask {} does not answer its TaskToCompute: ignored",
          env.sender(),
          aid);
      return;
    }
    Task t = taskOfAssignment.get(aid);
    if (a.state != AssignmentState.ASSIGNED) {
      reportedAgain(peer, a, report);
      return;
    }
    a.state = AssignmentState.REPORTED;
    a.report = report;
    gatewayOf(peer).ifPresent(u -> sources.put(aid, u.toString()));
    effects.changed(t, t.subtasks.get(a.subtask), a);
    pendingAcks.add(new PendingAck(a, report, peer, clock.millis() + ackDelay.toMillis()));
    if (t.state != TaskState.COMPUTING) {
      judge.cancel(t, a, "the task was stopped");
      return;
    }
    effects.fetch(t, t.subtasks.get(a.subtask), a, gatewayOf(peer).map(List::of).orElse(List.of()));
  }

  /** A report for an assignment already past ASSIGNED: the answer it had is said again. */
  private void reportedAgain(Peer peer, Assignment a, ReportComputedTask report) {
    boolean same = a.report != null && Arrays.equals(a.report.reportHash(), report.reportHash());
    if (a.state == AssignmentState.ACCEPTED && same) {
      // the provider reports again: it restarted, or our acceptance was lost. Say it again (the
      // payment is
      // recorded once, by subtask id, whatever is said how often)
      long at =
          a.acceptedAt > 0
              ? a.acceptedAt
              : clock.millis(); // 0: accepted before accepted_at was kept
      effects.send(
          peer,
          new SubtaskResultsAccepted(
              a.report.reportHash(), a.id, signer.requestor(), a.provider, a.price, at / 1000));
    } else if ((a.state == AssignmentState.REPORTED || a.state == AssignmentState.CHECKED)
        && same) {
      // reported again before its verdict (our acknowledgement was deferred, lost, or the provider
      // restarted)
      effects.send(peer, new AckReportComputedTask(report.reportHash(), a.id));
    } else if (a.state == AssignmentState.TIMED_OUT || a.state == AssignmentState.CANCELLED) {
      boolean late = a.state == AssignmentState.TIMED_OUT;
      effects.send(
          peer,
          new SubtaskResultsRejected(
              report.reportHash(),
              a.id,
              signer.requestor(),
              a.provider,
              late ? SubtaskResultsRejected.Reason.TIMEOUT : SubtaskResultsRejected.Reason.OTHER,
              late ? "reported after the deadline" : "the task was stopped"));
    }
  }

  List<URI> sourcesOf(Assignment a) {
    return judge.sourcesOf(a);
  }

  /**
   * Verify → settle: where the verifier's outcomes go, and the operator's actions end or merge a
   * task.
   */
  ResultJudge judge() {
    return judge;
  }

  private static Optional<URI> gatewayOf(Peer peer) {
    return peer.capability("gateway")
        .map(port -> URI.create("http://" + peer.record().host() + ":" + port));
  }

  void onCannotCompute(Peer peer, Envelope env) {
    CannotComputeTask c = (CannotComputeTask) env.payload();
    if (!c.hasSubtask()) return;
    String aid = HexFormat.of().formatHex(c.subtaskId());
    Assignment a = assignments.get(aid);
    if (a == null || !a.provider.equals(env.sender()) || a.state != AssignmentState.ASSIGNED)
      return;
    Task t = taskOfAssignment.get(aid);
    a.state = AssignmentState.FAILED;
    a.detail = c.reason() + (c.detail().isEmpty() ? "" : ": " + c.detail());
    effects.changed(t, null, a);
    reputation.record(Reputation.Role.PROVIDER, a.provider, Reputation.Event.FAILURE_REPORTED);
    LOG.info("Task {}: {} cannot compute {}: {}", t.idHex(), a.provider, a.subtask, a.detail);
    judge.decide(t, t.subtasks.get(a.subtask));
  }

  void recompute(Task t, Subtask s) {
    if (!effects.recompute(t, s)) {
      s.recompute = false;
      LOG.warn(
          "Task {}: subtask {} sampled for local recompute, but this node computes nothing; redundancy only",
          t.idHex(),
          s.name());
    }
  }

  // ------------------------------------------------------------------ time

  /**
   * The timer: deadlines of assignments and tasks, deferred acknowledgements, redelivery, waiting
   * offers.
   */
  void tick() {
    long now = clock.millis();
    for (Task t : tasks.values()) {
      if (t.state != TaskState.COMPUTING) continue;
      for (Subtask s : t.subtasks.values()) {
        boolean changed = false;
        for (Assignment a : s.assignments) {
          if (a.state == AssignmentState.ASSIGNED && now > a.deadline) {
            a.state = AssignmentState.TIMED_OUT;
            a.detail = "no report by the deadline";
            effects.changed(t, s, a);
            reputation.record(Reputation.Role.PROVIDER, a.provider, Reputation.Event.TIMEOUT);
            LOG.info("Task {}: {} timed out on {}", t.idHex(), a.provider, s.name());
            changed = true;
          }
        }
        if (changed) judge.decide(t, s);
      }
      if (t.state == TaskState.COMPUTING && now > t.header.deadline()) {
        judge.end(t, TaskState.TIMED_OUT, "the task's timeout of " + t.file.timeout() + " passed");
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
      if ((a.state == AssignmentState.REPORTED || a.state == AssignmentState.CHECKED)
          && a.report == p.report()) {
        effects.send(p.peer(), new AckReportComputedTask(p.report().reportHash(), a.id));
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
      Optional<Peer> peer = effects.activePeer(a.provider);
      if (peer.isPresent()) {
        it.remove();
        LOG.debug(
            "Assignment {} of {}: TaskToCompute sent again after the restart",
            a.idHex(),
            a.subtask);
        effects.send(peer.get(), a.ttc);
      }
    }
  }
}
