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
import java.util.concurrent.ConcurrentHashMap;
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
import org.jgolem.protocol.messages.concent.ForceGetTaskResult;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultDownload;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultFailed;
import org.jgolem.protocol.messages.concent.ForceReportComputedTask;
import org.jgolem.protocol.messages.concent.ForceReportComputedTaskResponse;
import org.jgolem.protocol.messages.concent.ForceSubtaskResults;
import org.jgolem.protocol.messages.concent.ForceSubtaskResultsResponse;
import org.jgolem.protocol.messages.concent.ServiceRefused;
import org.jgolem.protocol.messages.concent.SettlementMade;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.jgolem.protocol.messages.market.SubtaskResultsRejected;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The requestor's side of Concent, for the subtasks that have it on: it keeps the frames Concent
 * may ask about (the TaskToCompute it sent, the report it received, the verdict it sent) and
 * answers what Concent relays from a provider:
 *
 * <ul>
 *   <li>a forced report (use case 1): its own Ack or Reject, as the agent decides ({@link
 *       Agent#forcedReport});
 *   <li>a forced verdict (use case 3): the SubtaskResultsAccepted or Rejected it already sent;
 *       undecided, it decides now ({@link Agent#forcedVerdict}: the result fetched and checked as
 *       usual) and sends Concent the verdict as soon as it is made; one it cannot make before FAT
 *       (a redundant subtask still waiting for its other results) Concent makes;
 *   <li>a result that cannot be downloaded, or not within MDT(size) (use case 2):
 *       ForceGetTaskResult (Golem's trigger); the result Concent then has is downloaded from its
 *       storage and checked as usual, and Concent's verdict that the provider did not upload is
 *       cited in the rejection;
 *   <li>Concent's payment from its deposit and its refusals are kept as the subtask's Concent state
 *       (and logged); a payment still waiting for its batch is then never sent.
 * </ul>
 *
 * <p>The agent calls {@link #sent} and {@link #received} on its loop; {@link #handle} runs on the
 * Concent thread, called by the {@link ConcentPoller}.
 *
 * <p>Why over 400 lines because its answers to what Concent relays and its ForceGetTaskResult
 * timers change the same subtasks on one thread (ARCHITECTURE §16).
 */
public final class RequestorConcent implements ConcentInbox {
  private static final Logger LOG = LoggerFactory.getLogger(RequestorConcent.class);

  /** What the requestor's agent does for Concent. */
  public interface Agent {
    /**
     * A provider's report that Concent relayed ({@code report}, the provider's signed frame,
     * already checked to answer a TaskToCompute this requestor sent): the AckReportComputedTask or
     * RejectReportComputedTask to answer with, or empty when this requestor cannot answer now
     * (Concent then acknowledges in its place). Returns once what it changed is saved.
     */
    Optional<Payload> forcedReport(Envelope report);

    /**
     * The provider forced a verdict through Concent (use case 3; {@code report}, its signed frame,
     * already checked to answer a TaskToCompute this requestor sent) and none was made here yet:
     * the subtask is decided now (its result fetched and checked as usual), and the verdict, once
     * made, goes to Concent through {@link #sent}. Returns once the decision is under way.
     */
    void forcedVerdict(Envelope report);

    /**
     * The result is in this node's resource store now, downloaded from Concent's storage: it is
     * fetched (locally) and checked as usual.
     */
    void resultAtConcent(String subtaskId);

    /**
     * The result cannot be had, not even through Concent ({@code why}: Concent's verdict that the
     * provider did not upload it, or Concent's refusal): the subtask is rejected, citing it.
     */
    void resultNotAvailable(String subtaskId, String why);

    /** Concent paid {@code amount} from this requestor's deposit for these subtasks. */
    void paidByConcent(
        SettlementMade.UseCase useCase, List<String> subtaskIds, BigInteger amount, String txHash);

    /**
     * Concent settled the provider's dispute of this requestor's rejection as wrong (use case 5):
     * with {@code PROVIDER_RIGHT} the rejection is overturned (the provider's wrong-result mark
     * taken back, and nothing paid for the subtask from here: Concent pays from the deposit); with
     * the other outcomes the rejection stands. Called once per subtask.
     */
    void disputeSettled(
        String subtaskId, Address provider, SubtaskResultsSettled.Outcome outcome, String detail);
  }

  private final ConcentPort port;
  private final EvidenceStore evidence;
  private final ConcentStates states;
  private final MessageCodec codec;
  private final Address self;
  private final Clock clock;
  private final Predicate<TaskHeader> onFor;

  /**
   * Whether Concent is on for each task this requestor announced (by its header's wire id): its
   * assignments carry no flag of their own, their task's signed header does.
   */
  private final Map<String, Boolean> tasks = new ConcurrentHashMap<>();

  private final ScheduledExecutorService thread;
  private final Windows times;
  private volatile Agent agent;

  /** Downloads under way with Concent on: each forced if not done within MDT; Concent thread. */
  private final Map<String, ScheduledFuture<?>> downloads = new HashMap<>();

  /** Subtasks known to have Concent on (their TaskToCompute is kept); on the agent's loop. */
  private final Set<String> on = new HashSet<>();

  /**
   * @param onFor whether Concent is on for the assignments of a task announced with this header
   *     (the daemon: {@link TaskHeader#concentEnabled()}, which the requestor signed)
   * @param thread the Concent thread: every call to {@code port} from a timer runs on it
   * @param times Concent's windows (MDT)
   */
  public RequestorConcent(
      ConcentPort port,
      EvidenceStore evidence,
      ConcentStates states,
      MessageCodec codec,
      Address self,
      Clock clock,
      Predicate<TaskHeader> onFor,
      ScheduledExecutorService thread,
      Windows times) {
    this.thread = thread;
    this.times = times;
    this.port = port;
    this.evidence = evidence;
    this.states = states;
    this.codec = codec;
    this.self = self;
    this.clock = clock;
    this.onFor = onFor;
  }

  public void bind(Agent agent) {
    this.agent = agent;
  }

  // ------------------------------------------------------------------ from the agent's loop

  /**
   * A task this requestor announces (or announces again after a restart): whether Concent is on for
   * its assignments is its header's.
   */
  public void announced(TaskHeader header) {
    tasks.put(hex(header.taskId()), onFor.test(header));
  }

  /**
   * A message this requestor sent, as sealed: a TaskToCompute (kept when Concent is on for its
   * task, as {@link #announced} said), or its verdict (SubtaskResultsAccepted/Rejected) or Ack of
   * such a subtask.
   */
  public void sent(Envelope e) {
    if (e.payload() instanceof TaskToCompute ttc) {
      if (!tasks.getOrDefault(hex(ttc.taskId()), false)) return;
      String id = hex(ttc.subtaskId());
      on.add(id);
      evidence.put(id, MessageType.TASK_TO_COMPUTE, codec.encode(e));
      return;
    }
    String id = subtaskOf(e.payload());
    if (id == null || !isOn(id)) return;
    boolean first =
        evidence.get(id, MessageType.SUBTASK_RESULTS_ACCEPTED).isEmpty()
            && evidence.get(id, MessageType.SUBTASK_RESULTS_REJECTED).isEmpty();
    evidence.put(id, e.type(), codec.encode(e));
    if (first && evidence.get(id, MessageType.FORCE_SUBTASK_RESULTS).isPresent()) {
      // Concent asked for this verdict (use case 3): it gets it now, within FAT
      Payload verdict = e.payload();
      thread.execute(() -> answerForced(id, verdict, new Backoff(Backoff.FIRST, Backoff.MAX)));
    }
  }

  /** Sends Concent the verdict it asked for; Concent not reached, again after a back-off. */
  private void answerForced(String id, Payload verdict, Backoff backoff) {
    if (state(id) == ConcentState.PAID_BY_CONCENT) {
      // Concent decided and paid before this verdict was made: nothing left to tell it
      LOG.info("Subtask {}: already settled by Concent; its verdict is not sent", id);
      return;
    }
    try {
      port.send(verdict);
      set(id, ConcentState.ANSWERED, verdict.type().name());
    } catch (ConcentException | RuntimeException ex) {
      Duration wait = backoff.failed();
      LOG.warn(
          "Subtask {}: the verdict Concent asked for not sent ({}); again in {} s",
          id,
          ex.getMessage(),
          wait.toSeconds());
      thread.schedule(
          () -> answerForced(id, verdict, backoff), wait.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** A report received: kept if its subtask has Concent on and it answers the TaskToCompute. */
  public void received(Envelope report) {
    ReportComputedTask r = report.payload(ReportComputedTask.class);
    String id = hex(r.subtaskId());
    if (!isOn(id) || evidence.get(id, MessageType.REPORT_COMPUTED_TASK).isPresent()) return;
    if (answersOurs(id, report)) {
      evidence.put(id, MessageType.REPORT_COMPUTED_TASK, codec.encode(report));
    }
  }

  /**
   * A reported result's download starts (use case 2): unless it is done within MDT(size), Concent
   * is asked to get it (ForceGetTaskResult).
   */
  public void downloading(String subtaskId, long size) {
    if (!isOn(subtaskId)) return;
    long startedAt = clock.millis(); // MDT counts from the download's start
    thread.execute(() -> {
      ConcentState now = state(subtaskId);
      if (downloads.containsKey(subtaskId)
          || now == ConcentState.FORCING_RESULT
          || now == ConcentState.RESULT_AT_CONCENT) return;
      downloads.put(
          subtaskId,
          thread.schedule(
              () -> forceResult(subtaskId, "not downloaded within MDT"),
              Math.max(0, startedAt + times.mdt(size).toMillis() - clock.millis()),
              TimeUnit.MILLISECONDS));
    });
  }

  /** The result was downloaded and checked: nothing to force. */
  public void downloaded(String subtaskId) {
    if (!isOn(subtaskId)) return;
    thread.execute(() -> {
      ScheduledFuture<?> f = downloads.remove(subtaskId);
      if (f != null) f.cancel(false);
    });
  }

  /**
   * The download failed: with Concent on, Concent is asked at once and the subtask waits for its
   * answer (returns true: the agent must not reject it now); false when Concent is off for it.
   */
  public boolean downloadFailed(String subtaskId) {
    if (!isOn(subtaskId)) return false;
    thread.execute(() -> {
      ScheduledFuture<?> f = downloads.remove(subtaskId);
      if (f != null) f.cancel(false);
      if (state(subtaskId) != ConcentState.FORCING_RESULT)
        forceResult(subtaskId, "the download failed");
    });
    return true;
  }

  private void forceResult(String id, String why) {
    downloads.remove(id);
    Optional<byte[]> ttc = evidence.get(id, MessageType.TASK_TO_COMPUTE);
    Optional<byte[]> report = evidence.get(id, MessageType.REPORT_COMPUTED_TASK);
    if (ttc.isEmpty() || report.isEmpty()) {
      agent.resultNotAvailable(
          id, "the result cannot be fetched (no evidence kept to ask Concent)");
      return;
    }
    LOG.info("Subtask {}: result {}; asking Concent to get it from the provider", id, why);
    try {
      Optional<ConcentMessage> answer = port.send(new ForceGetTaskResult(ttc.get(), report.get()));
      set(id, ConcentState.FORCING_RESULT, "");
      answer.ifPresent(this::handle);
    } catch (ConcentException | RuntimeException e) {
      LOG.warn("Subtask {}: Concent not reached ({})", id, e.getMessage());
      agent.resultNotAvailable(
          id, "the result cannot be fetched, and Concent was not reached: " + e.getMessage());
    }
  }

  private ConcentState state(String id) {
    return states.get(id).map(ConcentStatus::state).orElse(ConcentState.NONE);
  }

  /**
   * Whether Concent paid this subtask from the deposit, or decided to (a rejection it overturned):
   * then the requestor must not pay it.
   */
  public boolean paidByConcent(String subtaskId) {
    ConcentState s = states.get(subtaskId).map(ConcentStatus::state).orElse(ConcentState.NONE);
    return s == ConcentState.PAID_BY_CONCENT || s == ConcentState.OVERTURNED;
  }

  private boolean isOn(String id) {
    if (on.contains(id)) return true;
    if (evidence.get(id, MessageType.TASK_TO_COMPUTE).isEmpty()) return false;
    on.add(id);
    return true;
  }

  // ------------------------------------------------------------------ Concent's messages

  @Override
  public boolean handle(ConcentMessage m) {
    Payload p = m.envelope().payload();
    if (p instanceof ForceReportComputedTask f) return forcedReport(f);
    if (p instanceof ForceSubtaskResults f) return forcedVerdict(m, f);
    if (p instanceof SettlementMade s) return paid(s);
    if (p instanceof ServiceRefused r) return refused(r);
    if (p instanceof ForceGetTaskResultDownload d) return resultUploaded(d);
    if (p instanceof ForceGetTaskResultFailed f) return resultNotUploaded(m, f);
    if (p instanceof ForceReportComputedTaskResponse r)
      return verdictCopy(r.subtaskId(), r.outcome());
    if (p instanceof ForceSubtaskResultsResponse r) return verdictCopy(r.subtaskId(), r.outcome());
    if (p instanceof SubtaskResultsSettled v) return disputeSettled(v);
    return false;
  }

  /**
   * Use case 5: Concent's verdict on a provider's dispute of this requestor's rejection. The
   * reputation and the payments follow it once (a verdict delivered again changes nothing).
   */
  private boolean disputeSettled(SubtaskResultsSettled v) {
    String id = hex(v.subtaskId());
    if (!v.requestor().equals(self) || !ours(id)) return false;
    ConcentState now = state(id);
    if (now == ConcentState.OVERTURNED
        || now == ConcentState.REJECTION_UPHELD
        || now == ConcentState.VERIFICATION_NEUTRAL) return true;
    String detail =
        switch (v.outcome()) {
          case PROVIDER_RIGHT ->
              v.paidToProvider()
                  + " wei to the provider and "
                  + v.feeFromRequestor()
                  + " wei of fee from this deposit";
          case PROVIDER_WRONG -> "the provider paid the fee: " + v.detail();
          case NEUTRAL -> v.neutralReason() + ": " + v.detail();
        };
    LOG.info(
        "Subtask {}: Concent settled the provider's dispute of the rejection: {} ({})",
        id,
        v.outcome(),
        detail);
    agent.disputeSettled(id, v.provider(), v.outcome(), detail);
    set(
        id,
        switch (v.outcome()) {
          case PROVIDER_RIGHT -> ConcentState.OVERTURNED;
          case PROVIDER_WRONG -> ConcentState.REJECTION_UPHELD;
          case NEUTRAL -> ConcentState.VERIFICATION_NEUTRAL;
        },
        detail);
    return true;
  }

  /**
   * Concent's verdict on a provider's request about one of this requestor's subtasks, sent to both
   * parties: noted in the log; what it changes for this node comes in its own messages (the relay
   * answered, then Concent's SettlementMade).
   */
  private boolean verdictCopy(byte[] subtaskId, Enum<?> outcome) {
    String id = hex(subtaskId);
    if (!ours(id)) return false;
    LOG.info("Subtask {}: Concent's verdict on the provider's request: {}", id, outcome);
    return true;
  }

  /** Use case 2: the provider uploaded the result; it is downloaded from Concent's storage. */
  private boolean resultUploaded(ForceGetTaskResultDownload d) {
    String id = hex(d.subtaskId());
    if (!ours(id)) return false;
    try {
      port.downloadResult(id, d.resultCid());
    } catch (ConcentException e) {
      // not acknowledged: Concent delivers it again, and the download is tried again
      throw new IllegalStateException(
          "download of " + d.resultCid() + " from Concent failed: " + e.getMessage(), e);
    }
    set(id, ConcentState.RESULT_AT_CONCENT, d.resultCid());
    agent.resultAtConcent(id);
    return true;
  }

  /** Use case 2: the provider did not upload; Concent's signed verdict is kept and cited. */
  private boolean resultNotUploaded(ConcentMessage m, ForceGetTaskResultFailed f) {
    String id = hex(f.subtaskId());
    if (!ours(id)) return false;
    evidence.put(id, MessageType.FORCE_GET_TASK_RESULT_FAILED, m.frame());
    set(id, ConcentState.RESULT_NOT_UPLOADED, f.resultCid());
    agent.resultNotAvailable(
        id,
        "the provider did not upload "
            + f.resultCid()
            + " to Concent (Concent's ForceGetTaskResultFailed, message "
            + m.envelope().messageIdHex()
            + ")");
    return true;
  }

  private boolean forcedReport(ForceReportComputedTask f) {
    Envelope report = open(f.report());
    if (!(report.payload() instanceof ReportComputedTask r)) return false;
    String id = hex(r.subtaskId());
    if (!ours(id) || !answersOurs(id, report)) return false;
    evidence.put(id, MessageType.REPORT_COMPUTED_TASK, f.report());
    LOG.info("Subtask {}: the provider forced its report through Concent", id);
    Optional<Payload> answer = agent.forcedReport(report);
    if (answer.isEmpty()) {
      set(id, ConcentState.FORCING_REPORT, "no answer here: Concent acknowledges");
      return true;
    }
    send(answer.get());
    set(id, ConcentState.ANSWERED, answer.get().type().name());
    return true;
  }

  private boolean forcedVerdict(ConcentMessage m, ForceSubtaskResults f) {
    Envelope report = open(f.report());
    if (!(report.payload() instanceof ReportComputedTask r)) return false;
    String id = hex(r.subtaskId());
    if (!ours(id)) return false;
    LOG.info("Subtask {}: the provider asked Concent to force a verdict", id);
    Optional<byte[]> verdict =
        evidence
            .get(id, MessageType.SUBTASK_RESULTS_ACCEPTED)
            .or(() -> evidence.get(id, MessageType.SUBTASK_RESULTS_REJECTED));
    if (verdict.isEmpty()) {
      if (!answersOurs(id, report)) return false;
      evidence.put(id, MessageType.REPORT_COMPUTED_TASK, f.report());
      // kept first: the verdict made from now on goes to Concent (see sent), even after a restart
      evidence.put(id, MessageType.FORCE_SUBTASK_RESULTS, m.frame());
      if (state(id) != ConcentState.FORCING_RESULT) {
        set(id, ConcentState.FORCING_ACCEPTANCE, "deciding now: the verdict goes to Concent");
      }
      agent.forcedVerdict(report);
      return true;
    }
    Payload p = open(verdict.get()).payload();
    send(p);
    set(id, ConcentState.ANSWERED, p.type().name());
    return true;
  }

  private boolean paid(SettlementMade s) {
    if (!s.payer().equals(self)) return false;
    List<String> ids = new ArrayList<>();
    for (byte[] b : s.subtaskIds()) ids.add(hex(b));
    agent.paidByConcent(s.useCase(), ids, s.amount(), s.transactionHash());
    for (String id : ids) set(id, ConcentState.PAID_BY_CONCENT, "tx " + s.transactionHash());
    LOG.info(
        "Concent paid {} wei from this requestor's deposit to {} for {} subtask(s) ({}), tx {}",
        s.amount(),
        s.payee(),
        ids.size(),
        s.useCase(),
        s.transactionHash());
    return true;
  }

  private boolean refused(ServiceRefused r) {
    String id = hex(r.subtaskId());
    if (!ours(id)) return false;
    boolean forcingResult = state(id) == ConcentState.FORCING_RESULT;
    set(id, ConcentState.REFUSED, r.reason() + ": " + r.detail());
    if (forcingResult) {
      agent.resultNotAvailable(
          id, "the result cannot be fetched, and Concent refused: " + r.reason());
    }
    return true;
  }

  private void send(Payload answer) {
    try {
      port.send(answer);
    } catch (ConcentException e) {
      // not acknowledged: Concent relays it again, and the answer is sent again
      throw new IllegalStateException("answer to Concent not sent: " + e.getMessage(), e);
    }
  }

  /** Whether {@code id} is a subtask this node assigned as a requestor, with Concent on. */
  private boolean ours(String id) {
    Optional<byte[]> ttc = evidence.get(id, MessageType.TASK_TO_COMPUTE);
    if (ttc.isEmpty()) return false;
    try {
      return codec.decode(ttc.get()).sender().equals(self);
    } catch (InvalidMessageException e) {
      return false;
    }
  }

  /** Whether {@code report} is the assigned provider's report on the TaskToCompute kept. */
  private boolean answersOurs(String id, Envelope report) {
    Optional<byte[]> frame = evidence.get(id, MessageType.TASK_TO_COMPUTE);
    if (frame.isEmpty()) return false;
    TaskToCompute ttc = codec.decode(frame.get()).payload(TaskToCompute.class);
    return report.sender().equals(ttc.provider())
        && report.payload(ReportComputedTask.class).answers(ttc);
  }

  private Envelope open(byte[] frame) {
    return codec.decode(frame);
  }

  /** The subtask a verdict (SubtaskResultsAccepted/Rejected) is about, or null for another type. */
  private static String subtaskOf(Payload p) {
    if (p instanceof SubtaskResultsAccepted a) return hex(a.subtaskId());
    if (p instanceof SubtaskResultsRejected r) return hex(r.subtaskId());
    return null;
  }

  private void set(String id, ConcentState state, String detail) {
    states.set(id, new ConcentStatus(state, detail, clock.millis()));
    LOG.info("Subtask {}: Concent {}", id, new ConcentStatus(state, detail, 0).label());
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
