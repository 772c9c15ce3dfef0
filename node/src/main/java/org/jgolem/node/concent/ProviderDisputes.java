package org.jgolem.node.concent;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jgolem.concent.time.Windows;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.concent.AckSubtaskResultsVerify;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled;
import org.jgolem.protocol.messages.concent.SubtaskResultsVerify;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.SubtaskResultsRejected;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.messages.market.WireNote;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.Purpose;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Use case 5, AdditionalVerification, the provider's side (Golem's: "on SubtaskResultsRejected,
 * makes a deposit, then sends SubtaskResultsVerify"). Runs on the Concent thread:
 *
 * <ul>
 *   <li>a rejection with reason VERIFICATION_NEGATIVE of a subtask with Concent on is disputed by
 *       itself, if {@link DisputeSettings#on} and the own deposit (on chain, locked) holds the fee:
 *       SubtaskResultsVerify with the kept TaskToCompute, report and rejection frames and the
 *       provider's signed VERIFICATION_COST note (payee the deposit contract), within the window
 *       (the rejection envelope's timestamp + AVCT + MDT(size), inclusive), never after it; a
 *       failure to reach Concent is tried again after a back-off, the last try at the window's end;
 *   <li>Concent's upload order (AckSubtaskResultsVerify, kept as evidence first): the result and
 *       every resource it names are uploaded to Concent's storage (CARs of the resource store),
 *       each tried again after a back-off until the upload deadline;
 *   <li>Concent's verdict (SubtaskResultsSettled): the income expected from the deposit contract
 *       when the provider was right, the rejection standing otherwise.
 * </ul>
 *
 * <p>Each step is a {@link ConcentState} kept in {@link ConcentStates} and logged at INFO; a
 * restarted provider {@link #resume}s from it: a dispute decided and not yet sent is sent (within
 * its window), uploads under way go on, a dispute sent is never sent again.
 */
final class ProviderDisputes {
  private static final Logger LOG = LoggerFactory.getLogger(ProviderDisputes.class);

  /** What the dispute needs of {@link ProviderConcent}. */
  interface Hooks {
    void set(String subtaskId, ConcentState state, String detail);

    ConcentState state(String subtaskId);

    /** Concent found the provider right: {@code amount} is expected from the deposit contract. */
    void overturned(String subtaskId, TaskToCompute ttc, BigInteger amount);
  }

  /** The states in which a dispute was asked (or is over): it is not asked again. */
  private static final Set<ConcentState> ASKED =
      Set.of(
          ConcentState.DISPUTE_PENDING,
          ConcentState.DISPUTING,
          ConcentState.NOT_DISPUTED,
          ConcentState.UPLOADING_FOR_VERIFICATION,
          ConcentState.RESULT_UPLOADED_FOR_VERIFICATION,
          ConcentState.OVERTURNED,
          ConcentState.REJECTION_UPHELD,
          ConcentState.VERIFICATION_NEUTRAL);

  private static final Set<ConcentState> VERDICTS =
      Set.of(
          ConcentState.OVERTURNED,
          ConcentState.REJECTION_UPHELD,
          ConcentState.VERIFICATION_NEUTRAL);

  private final ConcentPort port;
  private final EvidenceStore evidence;
  private final MessageCodec codec;
  private final Address self;
  private final Clock clock;
  private final ScheduledExecutorService thread;
  private final Windows times;
  private final Predicate<String> ours;
  private final Hooks hooks;
  private final Consumer<ConcentMessage> answers;
  private volatile DisputeSettings settings = DisputeSettings.off();

  ProviderDisputes(
      ConcentPort port,
      EvidenceStore evidence,
      MessageCodec codec,
      Address self,
      Clock clock,
      ScheduledExecutorService thread,
      Windows times,
      Predicate<String> ours,
      Hooks hooks,
      Consumer<ConcentMessage> answers) {
    this.port = port;
    this.evidence = evidence;
    this.codec = codec;
    this.self = self;
    this.clock = clock;
    this.thread = thread;
    this.times = times;
    this.ours = ours;
    this.hooks = hooks;
    this.answers = answers;
  }

  void settings(DisputeSettings s) {
    this.settings = s;
  }

  // ------------------------------------------------------------------ the dispute

  /** The requestor's rejection ({@code rejection}, kept already) of a subtask with Concent on. */
  void rejected(String id, Envelope rejection) {
    if (!(rejection.payload() instanceof SubtaskResultsRejected r)
        || r.reason() != SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE) return;
    if (ASKED.contains(hooks.state(id))) return; // asked before (a rejection delivered again)
    if (!settings.on()) {
      LOG.info(
          "Subtask {}: rejected as wrong; not disputed through Concent (concent.dispute is off)",
          id);
      return;
    }
    LOG.info(
        "Subtask {}: rejected as wrong ({}); disputing it through Concent (additional"
            + " verification, fee {} wei)",
        id,
        r.detail(),
        settings.fee());
    hooks.set(id, ConcentState.DISPUTE_PENDING, "");
    dispute(id, new Backoff(Backoff.FIRST, Backoff.MAX));
  }

  /** Sends the dispute decided for {@code id}, if its window is still open. */
  private void dispute(String id, Backoff backoff) {
    if (hooks.state(id) != ConcentState.DISPUTE_PENDING) return;
    Optional<byte[]> ttc = evidence.get(id, MessageType.TASK_TO_COMPUTE);
    Optional<byte[]> report = evidence.get(id, MessageType.REPORT_COMPUTED_TASK);
    Optional<byte[]> rejection = evidence.get(id, MessageType.SUBTASK_RESULTS_REJECTED);
    if (ttc.isEmpty() || report.isEmpty() || rejection.isEmpty()) {
      LOG.warn("Subtask {}: cannot dispute: its evidence was not kept", id);
      hooks.set(id, ConcentState.NOT_DISPUTED, "NO_EVIDENCE: the frames the dispute needs");
      return;
    }
    long closes = closes(codec.decode(rejection.get()), codec.decode(report.get()));
    long now = clock.millis();
    if (now > closes) {
      hooks.set(
          id,
          ConcentState.NOT_DISPUTED,
          "TOO_LATE: the dispute window closed at " + closes + " (rejection + AVCT + MDT)");
      return;
    }
    DisputeSettings s = settings;
    TaskToCompute t = codec.decode(ttc.get()).payload(TaskToCompute.class);
    Optional<ConcentMessage> answer;
    try {
      Deposits.Deposit own = s.deposits().depositOf(self);
      if (own.balance().compareTo(s.fee()) < 0 || !own.locked()) {
        hooks.set(
            id,
            ConcentState.NOT_DISPUTED,
            "PROVIDER_DEPOSIT_TOO_SMALL: the own Concent deposit "
                + (own.locked()
                    ? "holds " + own.balance() + " wei, the fee is " + s.fee()
                    : "is being withdrawn"));
        return;
      }
      WireNote note =
          s.signer()
              .apply(
                  new PromissoryNote(
                      self,
                      s.depositContract(),
                      s.fee(),
                      t.subtaskId(),
                      Purpose.VERIFICATION_COST));
      answer = port.send(new SubtaskResultsVerify(ttc.get(), report.get(), rejection.get(), note));
    } catch (ConcentException | DepositException e) {
      if (now >= closes) {
        hooks.set(
            id,
            ConcentState.NOT_DISPUTED,
            "TOO_LATE: Concent not reached before the window closed at " + closes);
        return;
      }
      Duration wait = backoff.failed();
      long at = Math.min(now + wait.toMillis(), closes); // the last try at the window's end
      LOG.warn(
          "Subtask {}: dispute not sent ({}); trying again in {} ms (the window closes at {})",
          id,
          e.getMessage(),
          at - now,
          closes);
      after(at - now, () -> dispute(id, backoff));
      return;
    }
    hooks.set(id, ConcentState.DISPUTING, "");
    answer.ifPresent(answers);
  }

  /** The last ms of the dispute window: the rejection's timestamp + AVCT + MDT(size). */
  private long closes(Envelope rejection, Envelope report) {
    long size = report.payload(ReportComputedTask.class).size();
    return rejection.timestamp() + times.avct().toMillis() + times.mdt(size).toMillis();
  }

  // ------------------------------------------------------------------ the upload order

  /** Concent admitted the dispute: the order is kept, then the uploads start. */
  boolean ordered(ConcentMessage m, AckSubtaskResultsVerify order) {
    String id = hex(order.subtaskId());
    if (!ours.test(id)) return false;
    evidence.put(id, MessageType.ACK_SUBTASK_RESULTS_VERIFY, m.frame());
    ConcentState now = hooks.state(id);
    if (now == ConcentState.UPLOADING_FOR_VERIFICATION
        || now == ConcentState.RESULT_UPLOADED_FOR_VERIFICATION
        || VERDICTS.contains(now)) return true; // delivered again: under way or done
    hooks.set(
        id,
        ConcentState.UPLOADING_FOR_VERIFICATION,
        order.resultCid() + " and " + order.resourceCids() + ", fee " + order.fee() + " wei");
    upload(id, order);
    return true;
  }

  private void upload(String id, AckSubtaskResultsVerify order) {
    List<String> cids = new ArrayList<>();
    cids.add(order.resultCid());
    for (String c : order.resourceCids()) if (!cids.contains(c)) cids.add(c);
    thread.execute(() -> uploadNext(id, order, cids, new Backoff(Backoff.FIRST, Backoff.MAX)));
  }

  private void uploadNext(
      String id, AckSubtaskResultsVerify order, List<String> left, Backoff backoff) {
    if (hooks.state(id) != ConcentState.UPLOADING_FOR_VERIFICATION) return;
    while (!left.isEmpty()) {
      long now = clock.millis();
      if (now > order.uploadDeadline()) {
        LOG.warn(
            "Subtask {}: the upload deadline {} passed with {} not uploaded; Concent decides",
            id,
            order.uploadDeadline(),
            left);
        return;
      }
      String cid = left.get(0);
      try {
        port.uploadResult(id, cid);
        backoff.succeeded();
        left.remove(0);
        LOG.info("Subtask {}: {} uploaded to Concent for the verification", id, cid);
      } catch (ConcentException | RuntimeException e) {
        if (now >= order.uploadDeadline()) {
          LOG.warn(
              "Subtask {}: {} not uploaded by the deadline ({}); Concent decides",
              id,
              left,
              e.getMessage());
          return;
        }
        Duration wait = backoff.failed();
        long at = Math.min(now + wait.toMillis(), order.uploadDeadline());
        LOG.warn(
            "Subtask {}: upload of {} failed ({}); trying again in {} ms",
            id,
            cid,
            e.getMessage(),
            at - now);
        after(at - now, () -> uploadNext(id, order, left, backoff));
        return;
      }
    }
    hooks.set(
        id,
        ConcentState.RESULT_UPLOADED_FOR_VERIFICATION,
        order.resultCid() + " and " + order.resourceCids());
  }

  // ------------------------------------------------------------------ the verdict

  boolean settled(SubtaskResultsSettled v) {
    String id = hex(v.subtaskId());
    if (!v.provider().equals(self) || !ours.test(id)) return false;
    if (VERDICTS.contains(hooks.state(id))) return true; // delivered again
    switch (v.outcome()) {
      case PROVIDER_RIGHT -> {
        TaskToCompute ttc =
            codec
                .decode(
                    evidence
                        .get(id, MessageType.TASK_TO_COMPUTE)
                        .orElseThrow(() -> new IllegalStateException("no TaskToCompute kept")))
                .payload(TaskToCompute.class);
        hooks.overturned(id, ttc, v.paidToProvider());
        hooks.set(
            id,
            ConcentState.OVERTURNED,
            v.paidToProvider() + " wei from the requestor's deposit (" + v.method() + ")");
      }
      case PROVIDER_WRONG ->
          hooks.set(
              id,
              ConcentState.REJECTION_UPHELD,
              "fee " + v.feeFromProvider() + " wei from the own deposit: " + v.detail());
      case NEUTRAL ->
          hooks.set(
              id,
              ConcentState.VERIFICATION_NEUTRAL,
              v.neutralReason() + ": " + v.detail() + "; the rejection stands");
    }
    return true;
  }

  // ------------------------------------------------------------------ restart

  /** Takes up the disputes a previous run left: each from its saved state. */
  void resume(Map<String, ConcentStatus> saved) {
    saved.forEach((id, status) -> {
      switch (status.state()) {
        case DISPUTE_PENDING -> {
          LOG.info("Subtask {}: the dispute decided before the restart is sent now", id);
          dispute(id, new Backoff(Backoff.FIRST, Backoff.MAX));
        }
        case UPLOADING_FOR_VERIFICATION ->
            evidence
                .get(id, MessageType.ACK_SUBTASK_RESULTS_VERIFY)
                .ifPresent(f -> {
                  LOG.info("Subtask {}: the uploads for the verification go on", id);
                  upload(id, codec.decode(f).payload(AckSubtaskResultsVerify.class));
                });
        default -> {}
      }
    });
  }

  private void after(long millis, Runnable r) {
    thread.schedule(
        () -> {
          try {
            r.run();
          } catch (RuntimeException e) {
            LOG.error("Dispute step failed", e);
          }
        },
        Math.max(0, millis),
        TimeUnit.MILLISECONDS);
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
