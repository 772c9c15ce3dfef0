package org.jgolem.node.concent;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jgolem.concent.time.Windows;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.concent.AckSubtaskResultsVerify;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultUpload;
import org.jgolem.protocol.messages.concent.ForcePaymentResponse;
import org.jgolem.protocol.messages.concent.ForceReportComputedTask;
import org.jgolem.protocol.messages.concent.ForceReportComputedTaskResponse;
import org.jgolem.protocol.messages.concent.ForceSubtaskResults;
import org.jgolem.protocol.messages.concent.ForceSubtaskResultsResponse;
import org.jgolem.protocol.messages.concent.ServiceRefused;
import org.jgolem.protocol.messages.concent.SettlementMade;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider turning to Concent by itself, for the subtasks that have Concent on (Golem's
 * triggers, {@code golem/task/tasksession.py}):
 *
 * <ul>
 *   <li>a report with no Ack or Reject within 2·MMTT + MAT → ForceReportComputedTask (use case 1);
 *       an answer cancels it;
 *   <li>an acknowledged report (by the requestor, or by Concent in its place) with no verdict by
 *       deadline + SVT + 1 s → ForceSubtaskResults citing the acknowledgement (use case 3);
 *   <li>Concent's answers: the requestor's own answers it relays are handed to the agent as if they
 *       had come over P2P; Concent's verdicts (its ack, its acceptance, its payment) are the
 *       agent's through {@link Agent}; an upload order uploads the result to Concent's storage;
 *   <li>a rejection of the result as wrong → SubtaskResultsVerify (use case 5), its upload order
 *       and its verdict: {@link ProviderDisputes}, as {@link #disputes} allows.
 * </ul>
 *
 * <p>The agent tells it what happens on its loop ({@link #assigned}, {@link #reported}, {@link
 * #acknowledged}, {@link #answered}, {@link #forgotten}): the evidence frames are written at once,
 * and everything else runs on the Concent thread (a scheduler given from outside), which alone
 * holds the cases and calls the {@link ConcentPort}. Each step is logged at INFO and kept in {@link
 * ConcentStates}. A restarted provider reports its reported jobs again, and a case takes up from
 * its saved state: a force already asked is not asked again.
 *
 * <p>Over 400 lines because the triggers' timers and Concent's answers change the same cases (an
 * answer cancels a timer, Concent's ack arms the next) on one thread, and read best together; use
 * case 4 (overdue incomes) is apart, in {@link OverduePayments}, and use case 5 (disputes) in
 * {@link ProviderDisputes}: what is left of them here is their wiring and dispatch (about 60
 * lines). The next split is Concent's answers (the {@code handle} dispatch and the relays) apart
 * from the agent's hooks and the timers.
 */
public final class ProviderConcent implements ConcentInbox {
  private static final Logger LOG = LoggerFactory.getLogger(ProviderConcent.class);

  /** What the provider's agent does for Concent. Each call returns once it is saved. */
  public interface Agent {
    /**
     * A requestor's own message (AckReportComputedTask, RejectReportComputedTask,
     * SubtaskResultsAccepted or SubtaskResultsRejected) that Concent relayed: handled as if it had
     * come over P2P (a rejection ends the job at once).
     */
    void relayed(Envelope requestorMessage);

    /** Concent acknowledged the report in the requestor's place: no more reporting it. */
    void acknowledgedByConcent(String subtaskId);

    /**
     * Concent accepted the result in the requestor's place and pays {@code amount} from the
     * requestor's deposit: the job is settled, and its income is expected from Concent (not from
     * the requestor's batch, which would never come).
     */
    void acceptedByConcent(String subtaskId, Address requestor, BigInteger amount);

    /** Concent paid {@code amount} for these subtasks in transaction {@code txHash}. */
    void paidByConcent(
        SettlementMade.UseCase useCase,
        List<String> subtaskIds,
        Address payer,
        BigInteger amount,
        String txHash);

    /**
     * Concent overturned the rejection of this subtask (use case 5: the provider was right) and
     * pays {@code amount} from the requestor's deposit: the income is expected from the deposit
     * contract, as for a forced acceptance ({@code ttc}: the subtask's TaskToCompute, kept).
     */
    void overturned(String subtaskId, TaskToCompute ttc, BigInteger amount);
  }

  /** One reported subtask, as its case needs it (read from the kept frames). */
  private record Subtask(String id, Address requestor, long deadline, long resultSize) {}

  private final ConcentPort port;
  private final EvidenceStore evidence;
  private final ConcentStates states;
  private final MessageCodec codec;
  private final Address self;
  private final Clock clock;
  private final ScheduledExecutorService thread;
  private final Windows times;
  private final Predicate<TaskHeader> onFor;
  private volatile Agent agent;

  /** The subtasks reported with Concent on, since the start; only on the agent's loop. */
  private final Set<String> reported = new HashSet<>();

  /** Use case 4: overdue incomes forced, in batches. */
  private final OverduePayments payments;

  /** Use case 5: the disputes of rejections as wrong. */
  private final ProviderDisputes disputes;

  /** The live cases; only on the Concent thread. */
  private final Map<String, Case> cases = new HashMap<>();

  private static final class Case {
    final Subtask s;

    /** The TaskToCompute's timestamp (ms): where SVT counts from. */
    final long assignedAt;

    ScheduledFuture<?> forceReport;
    ScheduledFuture<?> forceAcceptance;
    boolean acknowledged;
    boolean settled;
    final Backoff backoff = new Backoff(Backoff.FIRST, Backoff.MAX);

    Case(Subtask s, long assignedAt) {
      this.s = s;
      this.assignedAt = assignedAt;
    }

    void cancel() {
      if (forceReport != null) forceReport.cancel(false);
      if (forceAcceptance != null) forceAcceptance.cancel(false);
      forceReport = null;
      forceAcceptance = null;
    }
  }

  /**
   * @param codec encodes the frames kept and checks those Concent relays (the node's chain id)
   * @param self this provider's node id
   * @param thread the Concent thread: every call to {@code port} runs on it
   * @param times Concent's windows (from its protocol constants)
   * @param onFor whether Concent is on for a task's subtasks (the node's switch and the task's)
   */
  public ProviderConcent(
      ConcentPort port,
      EvidenceStore evidence,
      ConcentStates states,
      MessageCodec codec,
      Address self,
      Clock clock,
      ScheduledExecutorService thread,
      Windows times,
      Predicate<TaskHeader> onFor) {
    this.port = port;
    this.onFor = onFor;
    this.evidence = evidence;
    this.states = states;
    this.codec = codec;
    this.self = self;
    this.clock = clock;
    this.thread = thread;
    this.times = times;
    this.payments =
        new OverduePayments(
            port, evidence, codec, clock, thread, times, this::ours, this::set, this::handle);
    this.disputes =
        new ProviderDisputes(
            port,
            evidence,
            codec,
            self,
            clock,
            thread,
            times,
            this::ours,
            new ProviderDisputes.Hooks() {
              @Override
              public void set(String subtaskId, ConcentState state, String detail) {
                ProviderConcent.this.set(subtaskId, state, detail);
              }

              @Override
              public ConcentState state(String subtaskId) {
                return ProviderConcent.this.state(subtaskId);
              }

              @Override
              public void overturned(String subtaskId, TaskToCompute ttc, BigInteger amount) {
                agent.overturned(subtaskId, ttc, amount);
              }
            },
            this::handle);
  }

  /**
   * Use case 5: whether and how this provider disputes a rejection of its result as wrong (off
   * until set). Set once, after {@link #bind}: the disputes a previous run left are taken up then.
   */
  public void disputes(DisputeSettings settings) {
    disputes.settings(settings);
    thread.execute(() -> disputes.resume(states.all()));
  }

  /** The agent Concent's verdicts go to; set once, before any message is handled. */
  public void bind(Agent agent) {
    this.agent = agent;
  }

  // ------------------------------------------------------------------ from the agent's loop

  /** Whether Concent is on for the subtasks of the task {@code h} announced. */
  public boolean onFor(TaskHeader h) {
    return onFor.test(h);
  }

  /** A TaskToCompute taken on, for a subtask with Concent on: its frame is kept. */
  public void assigned(String subtaskId, Envelope ttc) {
    evidence.put(subtaskId, MessageType.TASK_TO_COMPUTE, codec.encode(ttc));
  }

  /**
   * The report was sent (sealed as {@code report}): its frame is kept, and unless an answer comes
   * within 2·MMTT + MAT, Concent is asked to force it.
   */
  public void reported(Envelope report) {
    ReportComputedTask r = report.payload(ReportComputedTask.class);
    String id = hex(r.subtaskId());
    if (!reported.add(id)) return; // reported again: the first frame is the evidence
    evidence.put(id, MessageType.REPORT_COMPUTED_TASK, codec.encode(report));
    long sentAt = clock.millis(); // the window counts from the send, not from when the thread runs
    thread.execute(() -> open(id, r.size(), sentAt));
  }

  /** The requestor acknowledged the report ({@code ack}, its AckReportComputedTask). */
  public void acknowledged(String subtaskId, Envelope ack) {
    if (!reported.contains(subtaskId)) return;
    evidence.put(subtaskId, MessageType.ACK_REPORT_COMPUTED_TASK, codec.encode(ack));
    thread.execute(() -> {
      Case c = cases.get(subtaskId);
      if (c != null) acknowledgedNow(c);
    });
  }

  /** The requestor's verdict ({@code verdict}: SubtaskResultsAccepted or Rejected): case closed. */
  public void answered(String subtaskId, Envelope verdict) {
    if (!reported.remove(subtaskId)) return;
    evidence.put(subtaskId, verdict.type(), codec.encode(verdict));
    thread.execute(() -> {
      Case c = cases.remove(subtaskId);
      if (c != null) c.cancel();
      ConcentState now = state(subtaskId);
      if (now == ConcentState.FORCING_ACCEPTANCE || now == ConcentState.CONCENT_ACK) {
        set(
            subtaskId,
            verdict.type() == MessageType.SUBTASK_RESULTS_ACCEPTED
                ? ConcentState.ACCEPTED_BY_REQUESTOR
                : ConcentState.REJECTED_BY_REQUESTOR,
            "");
      }
      if (verdict.type() == MessageType.SUBTASK_RESULTS_REJECTED)
        disputes.rejected(subtaskId, verdict); // use case 5, if it is a rejection as wrong
    });
  }

  /** The job ended otherwise (failed, given up): nothing more to force. */
  public void forgotten(String subtaskId) {
    if (!reported.remove(subtaskId)) return;
    thread.execute(() -> {
      Case c = cases.remove(subtaskId);
      if (c != null) c.cancel();
    });
  }

  /**
   * The income keeper found this subtask's income overdue (its listener): see {@link
   * OverduePayments}.
   */
  public void overdue(Address requestor, String subtaskId) {
    payments.overdue(requestor, subtaskId);
  }

  // ------------------------------------------------------------------ the Concent thread

  private void open(String id, long resultSize, long sentAt) {
    Case c = cases.get(id);
    if (c != null) return;
    Optional<byte[]> frame = evidence.get(id, MessageType.TASK_TO_COMPUTE);
    if (frame.isEmpty()) {
      LOG.warn("Subtask {}: reported with Concent on, but its TaskToCompute was not kept", id);
      return;
    }
    Envelope ttcEnv = codec.decode(frame.get());
    TaskToCompute ttc = ttcEnv.payload(TaskToCompute.class);
    Subtask s = new Subtask(id, ttc.requestor(), ttc.deadline(), resultSize);
    c = new Case(s, ttcEnv.timestamp());
    cases.put(s.id(), c);
    ConcentState saved = state(s.id());
    switch (saved) {
      case NONE -> {
        Case k = c;
        Duration wait =
            Duration.ofMillis(sentAt + times.forceReportDelay().toMillis() - clock.millis());
        c.forceReport = after(wait, () -> forceReport(k));
        // acknowledged before a restart: the verdict is what is awaited
        if (evidence.get(s.id(), MessageType.ACK_REPORT_COMPUTED_TASK).isPresent())
          acknowledgedNow(c);
      }
      case FORCING_REPORT -> {
        // asked before the restart: Concent's answer comes through the poller
      }
      case REPORT_ACKNOWLEDGED, CONCENT_ACK -> acknowledgedNow(c);
      default -> c.settled = true; // forcing a verdict, or past it, or refused: Concent's turn
    }
  }

  private void acknowledgedNow(Case c) {
    if (c.settled || c.forceAcceptance != null) return;
    c.acknowledged = true;
    if (c.forceReport != null) {
      c.forceReport.cancel(false);
      c.forceReport = null;
    }
    long at = times.forceAcceptanceAt(c.assignedAt, c.s.deadline(), c.s.resultSize());
    c.forceAcceptance = after(Duration.ofMillis(at - clock.millis()), () -> forceAcceptance(c));
  }

  private void forceReport(Case c) {
    c.forceReport = null;
    if (c.acknowledged || c.settled || cases.get(c.s.id()) != c) return;
    Optional<byte[]> ttc = evidence.get(c.s.id(), MessageType.TASK_TO_COMPUTE);
    Optional<byte[]> report = evidence.get(c.s.id(), MessageType.REPORT_COMPUTED_TASK);
    if (ttc.isEmpty() || report.isEmpty()) {
      noEvidence(c, "ForceReportComputedTask");
      return;
    }
    LOG.info(
        "Subtask {}: no answer to the report within {} s; asking Concent to force it",
        c.s.id(),
        times.forceReportDelay().toSeconds());
    ask(
        c,
        new ForceReportComputedTask(ttc.get(), report.get()),
        ConcentState.FORCING_REPORT,
        () -> forceReport(c));
  }

  private void forceAcceptance(Case c) {
    c.forceAcceptance = null;
    if (c.settled || cases.get(c.s.id()) != c) return;
    Optional<byte[]> ttc = evidence.get(c.s.id(), MessageType.TASK_TO_COMPUTE);
    Optional<byte[]> report = evidence.get(c.s.id(), MessageType.REPORT_COMPUTED_TASK);
    Optional<byte[]> ack =
        evidence
            .get(c.s.id(), MessageType.ACK_REPORT_COMPUTED_TASK)
            .or(() -> evidence.get(c.s.id(), MessageType.FORCE_REPORT_COMPUTED_TASK_RESPONSE));
    if (ttc.isEmpty() || report.isEmpty() || ack.isEmpty()) {
      noEvidence(c, "ForceSubtaskResults");
      return;
    }
    LOG.info(
        "Subtask {}: acknowledged, and neither accepted nor rejected by deadline + SVT; asking"
            + " Concent to force a verdict",
        c.s.id());
    c.settled = true;
    ask(
        c,
        new ForceSubtaskResults(ttc.get(), report.get(), ack.get()),
        ConcentState.FORCING_ACCEPTANCE,
        () -> {
          c.settled = false;
          forceAcceptance(c);
        });
  }

  private void noEvidence(Case c, String what) {
    LOG.warn("Subtask {}: cannot send {}: its evidence was not kept", c.s.id(), what);
    set(c.s.id(), ConcentState.REFUSED, "NO_EVIDENCE: the frames " + what + " needs are missing");
  }

  /** Sends {@code request}; on a failure to reach Concent, tries again after a back-off. */
  private void ask(Case c, Payload request, ConcentState asking, Runnable again) {
    try {
      Optional<ConcentMessage> answer = port.send(request);
      c.backoff.succeeded();
      set(c.s.id(), asking, "");
      answer.ifPresent(this::handle);
    } catch (ConcentException | RuntimeException e) {
      Duration wait = c.backoff.failed();
      LOG.warn(
          "Subtask {}: Concent not reached for {} ({}); trying again in {} s",
          c.s.id(),
          request.type(),
          e.getMessage(),
          wait.toSeconds());
      c.forceReport = after(wait, again);
    }
  }

  private ScheduledFuture<?> after(Duration d, Runnable r) {
    return thread.schedule(
        () -> {
          try {
            r.run();
          } catch (RuntimeException e) {
            LOG.error("Concent step failed", e);
          }
        },
        Math.max(0, d.toMillis()),
        TimeUnit.MILLISECONDS);
  }

  // ------------------------------------------------------------------ Concent's messages

  @Override
  public boolean handle(ConcentMessage m) {
    Payload p = m.envelope().payload();
    return switch (p) {
      case ForceReportComputedTaskResponse r -> reportAnswered(m, r);
      case ForceSubtaskResultsResponse r -> verdict(r);
      case SettlementMade s -> paid(s);
      case ServiceRefused r -> refused(r);
      case ForceGetTaskResultUpload u -> upload(u);
      case ForcePaymentResponse r -> paymentAnswered(r);
      case AckSubtaskResultsVerify a -> disputes.ordered(m, a);
      case SubtaskResultsSettled v -> disputes.settled(v);
      default -> false;
    };
  }

  private boolean reportAnswered(ConcentMessage m, ForceReportComputedTaskResponse r) {
    String id = hex(r.subtaskId());
    if (!ours(id)) return false;
    Case c = cases.get(id);
    switch (r.outcome()) {
      case ACK_FROM_REQUESTOR -> {
        Envelope ack = relayedFrom(id, r.answer(), MessageType.ACK_REPORT_COMPUTED_TASK);
        agent.relayed(ack);
        evidence.put(id, MessageType.ACK_REPORT_COMPUTED_TASK, r.answer());
        set(id, ConcentState.REPORT_ACKNOWLEDGED, "");
        if (c != null) acknowledgedNow(c);
      }
      case REJECT_FROM_REQUESTOR -> {
        Envelope reject = relayedFrom(id, r.answer(), MessageType.REJECT_REPORT_COMPUTED_TASK);
        evidence.put(id, MessageType.REJECT_REPORT_COMPUTED_TASK, r.answer());
        agent.relayed(reject); // the job ends now, as rejected
        set(id, ConcentState.REPORT_REJECTED, "");
        close(id);
      }
      case SUBTASK_TIMEOUT -> {
        set(id, ConcentState.REFUSED, "SUBTASK_TIMEOUT: the deadline had passed");
        close(id);
      }
      case CONCENT_ACK -> {
        evidence.put(id, MessageType.FORCE_REPORT_COMPUTED_TASK_RESPONSE, m.frame());
        agent.acknowledgedByConcent(id);
        set(id, ConcentState.CONCENT_ACK, "");
        if (c != null) acknowledgedNow(c);
      }
    }
    return true;
  }

  private boolean verdict(ForceSubtaskResultsResponse r) {
    String id = hex(r.subtaskId());
    if (!ours(id)) return false;
    switch (r.outcome()) {
      case ACCEPTED_BY_REQUESTOR, REJECTED_BY_REQUESTOR -> {
        MessageType t =
            r.outcome() == ForceSubtaskResultsResponse.Outcome.ACCEPTED_BY_REQUESTOR
                ? MessageType.SUBTASK_RESULTS_ACCEPTED
                : MessageType.SUBTASK_RESULTS_REJECTED;
        Envelope v = relayedFrom(id, r.answer(), t);
        evidence.put(id, t, r.answer());
        agent.relayed(v);
        set(
            id,
            t == MessageType.SUBTASK_RESULTS_ACCEPTED
                ? ConcentState.ACCEPTED_BY_REQUESTOR
                : ConcentState.REJECTED_BY_REQUESTOR,
            "");
      }
      case ACCEPTED_BY_CONCENT -> {
        agent.acceptedByConcent(id, requestorOf(id), r.amount());
        set(id, ConcentState.ACCEPTED_BY_CONCENT, r.amount() + " wei");
      }
    }
    close(id);
    return true;
  }

  private boolean paid(SettlementMade s) {
    List<String> ids = new ArrayList<>();
    for (byte[] b : s.subtaskIds()) ids.add(hex(b));
    if (s.useCase() == SettlementMade.UseCase.VERIFICATION_COST
        && s.payer().equals(self)
        && ids.stream().allMatch(this::ours)) {
      // use case 5 lost: the fee went from this provider's deposit (the state says so already)
      LOG.info(
          "Concent took the verification fee {} wei from this provider's deposit for {},"
              + " transaction {}",
          s.amount(),
          ids,
          s.transactionHash());
      return true;
    }
    if (!s.payee().equals(self)) return false;
    agent.paidByConcent(s.useCase(), ids, s.payer(), s.amount(), s.transactionHash());
    for (String id : ids) set(id, ConcentState.PAID_BY_CONCENT, "tx " + s.transactionHash());
    LOG.info(
        "Concent paid {} wei from {}'s deposit for {} subtask(s) ({}), transaction {}",
        s.amount(),
        s.payer(),
        ids.size(),
        s.useCase(),
        s.transactionHash());
    return true;
  }

  private boolean paymentAnswered(ForcePaymentResponse r) {
    if (!r.provider().equals(self)) return false;
    for (byte[] b : r.subtaskIds()) {
      String id = hex(b);
      if (r.outcome() == ForcePaymentResponse.Outcome.NO_UNSETTLED_TASKS) {
        set(id, ConcentState.PAYMENT_NOT_MISSING, "paid on chain: " + r.paidOnChain() + " wei");
      } else {
        set(id, ConcentState.FORCING_PAYMENT, "Concent pays " + r.reimbursed() + " wei");
      }
    }
    return true;
  }

  private boolean refused(ServiceRefused r) {
    String id = hex(r.subtaskId());
    if (!ours(id)) return false;
    set(id, ConcentState.REFUSED, r.reason() + ": " + r.detail());
    close(id);
    return true;
  }

  private boolean upload(ForceGetTaskResultUpload u) {
    String id = hex(u.subtaskId());
    if (!ours(id)) return false;
    set(id, ConcentState.UPLOADING_RESULT, u.resultCid());
    try {
      port.uploadResult(id, u.resultCid());
    } catch (ConcentException e) {
      // not acknowledged: Concent delivers the order again, and the upload is tried again
      throw new IllegalStateException(
          "upload of " + u.resultCid() + " failed: " + e.getMessage(), e);
    }
    set(id, ConcentState.RESULT_UPLOADED, u.resultCid());
    return true;
  }

  private void close(String id) {
    Case c = cases.get(id);
    if (c != null) {
      c.cancel();
      c.settled = true;
    }
  }

  /** Whether {@code id} is a subtask this node reported as a provider (with Concent on). */
  private boolean ours(String id) {
    Optional<byte[]> report = evidence.get(id, MessageType.REPORT_COMPUTED_TASK);
    if (report.isEmpty()) return false;
    try {
      return codec.decode(report.get()).sender().equals(self);
    } catch (InvalidMessageException e) {
      return false;
    }
  }

  private Address requestorOf(String id) {
    byte[] ttc =
        evidence
            .get(id, MessageType.TASK_TO_COMPUTE)
            .orElseThrow(() -> new IllegalStateException("no TaskToCompute kept for " + id));
    return codec.decode(ttc).payload(TaskToCompute.class).requestor();
  }

  /** Opens a requestor's frame Concent relayed: signed by the subtask's requestor, of type t. */
  private Envelope relayedFrom(String id, byte[] frame, MessageType t) {
    Envelope e = codec.decode(frame);
    if (e.type() != t || !e.sender().equals(requestorOf(id))) {
      throw new IllegalStateException(
          "Concent relayed a " + e.type() + " from " + e.sender() + " for subtask " + id);
    }
    return e;
  }

  private ConcentState state(String id) {
    return states.get(id).map(ConcentStatus::state).orElse(ConcentState.NONE);
  }

  private void set(String id, ConcentState state, String detail) {
    states.set(id, new ConcentStatus(state, detail, clock.millis()));
    LOG.info("Subtask {}: Concent {}", id, new ConcentStatus(state, detail, 0).label());
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
