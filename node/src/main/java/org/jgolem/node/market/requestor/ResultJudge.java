package org.jgolem.node.market.requestor;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jgolem.compute.MemoryFolder;
import org.jgolem.node.market.requestor.RequestorModel.Assignment;
import org.jgolem.node.market.requestor.RequestorModel.AssignmentState;
import org.jgolem.node.market.requestor.RequestorModel.Subtask;
import org.jgolem.node.market.requestor.RequestorModel.SubtaskState;
import org.jgolem.node.market.requestor.RequestorModel.Task;
import org.jgolem.node.market.requestor.RequestorModel.TaskState;
import org.jgolem.node.reputation.Reputation;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.jgolem.protocol.messages.market.SubtaskResultsRejected;
import org.jgolem.tasks.Verdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verify → settle, without I/O: takes the outcomes of the {@link ResultVerifier} (a result checked,
 * a fetch failed, a local recompute done), decides each subtask from the results it has
 * (redundancy, local recompute), accepts (handing the payment on first) or rejects them, and
 * settles the task: its merge once every subtask is accepted, its end.
 *
 * <p>Redundancy: each subtask goes to {@code k} distinct providers. The first result digest that
 * {@code k} results agree on is accepted; results with any other digest are wrong (rejected,
 * unpaid, and the provider ranked down). After a disagreement or a failure the subtask goes to one
 * more provider, up to {@code k + maxAttemptsBeyondRedundancy} attempts. A subtask sampled for
 * local recompute is also computed by the requestor itself, and only results equal to the local one
 * are accepted.
 */
final class ResultJudge implements ResultVerifier.Outcomes {
  private static final Logger LOG = LoggerFactory.getLogger(ResultJudge.class);

  private final RequestorEffects effects;
  private final OfferPolicy policy;
  private final AssignmentSigner signer;
  private final Reputation reputation;
  private final Clock clock;

  /** Where reported results can be fetched from, by assignment id (kept by the core). */
  private final Map<String, String> sources;

  ResultJudge(
      RequestorEffects effects,
      OfferPolicy policy,
      AssignmentSigner signer,
      Reputation reputation,
      Clock clock,
      Map<String, String> sources) {
    this.effects = effects;
    this.policy = policy;
    this.signer = signer;
    this.reputation = reputation;
    this.clock = clock;
    this.sources = sources;
  }

  @Override
  public void checked(
      Task t, Subtask s, Assignment a, Path result, MemoryFolder memory, Verdict v, byte[] digest) {
    if (a.state != AssignmentState.REPORTED) {
      if (memory != null) memory.close();
      return;
    }
    a.result = result;
    a.memory = memory;
    effects.changed(t, s, a);
    if (!v.accepted()) {
      reject(t, a, SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE, v.reason(), true);
      decide(t, s);
      return;
    }
    a.digest = digest;
    a.state = AssignmentState.CHECKED;
    decide(t, s);
  }

  @Override
  public void fetchFailed(Task t, Subtask s, Assignment a, Exception e) {
    if (a.state != AssignmentState.REPORTED) return;
    LOG.info(
        "Task {}: result of {} from {} cannot be fetched: {}",
        t.idHex(),
        s.name(),
        a.provider,
        e.toString());
    reject(
        t,
        a,
        SubtaskResultsRejected.Reason.RESOURCES_FAILURE,
        "result cannot be fetched: " + e.getMessage(),
        false);
    reputation.record(Reputation.Role.PROVIDER, a.provider, Reputation.Event.TIMEOUT);
    decide(t, s);
  }

  @Override
  public void recomputed(Task t, Subtask s, byte[] digest, String failure) {
    if (digest == null) {
      s.recompute = false;
      s.detail = "local recompute failed: " + failure;
    } else {
      s.localDigest = digest;
    }
    decide(t, s);
  }

  /** Accepts, rejects or asks for more providers, from what the subtask's results say so far. */
  void decide(Task t, Subtask s) {
    effects.changed(t, s, null);
    if (t.state != TaskState.COMPUTING || s.state == SubtaskState.FAILED) return;
    if (s.recompute && s.localDigest == null) {
      s.state = SubtaskState.VERIFYING;
      return;
    }
    if (!s.recompute && s.acceptedDigest == null)
      s.acceptedDigest = agreedDigest(s, t.verification.redundancy());
    byte[] agreed = s.recompute ? s.localDigest : s.acceptedDigest;
    if (agreed != null) {
      String differs =
          s.recompute
              ? "differs from the requestor's own result"
              : "differs from the result "
                  + t.verification.redundancy()
                  + " other providers agree on";
      for (Assignment a : s.assignments) {
        if (a.state != AssignmentState.CHECKED) continue;
        if (Arrays.equals(a.digest, agreed)) accept(t, s, a);
        else reject(t, a, SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE, differs, true);
      }
    }
    if (s.acceptedResult() != null) {
      s.state = SubtaskState.ACCEPTED;
      if (s.acceptedDigest == null) s.acceptedDigest = s.acceptedResult().digest;
      maybeFinish(t);
    } else if (policy.attemptsUsed(t, s) && s.assignments.stream().noneMatch(a -> a.state.open())) {
      failSubtask(t, s, "no acceptable result after " + s.assignments.size() + " attempts");
    } else {
      s.state =
          s.assignments.stream().anyMatch(a -> a.state.open())
              ? SubtaskState.COMPUTING
              : SubtaskState.PENDING;
      t.reopened(s);
    }
  }

  /** The first digest that {@code k} checked results agree on, or null. */
  private static byte[] agreedDigest(Subtask s, int k) {
    Map<String, List<Assignment>> groups = new LinkedHashMap<>();
    for (Assignment a : s.assignments) {
      if (a.state == AssignmentState.CHECKED)
        groups.computeIfAbsent(HexFormat.of().formatHex(a.digest), x -> new ArrayList<>()).add(a);
    }
    for (List<Assignment> g : groups.values()) {
      if (g.size() >= k) return g.get(0).digest;
    }
    return null;
  }

  private void accept(Task t, Subtask s, Assignment a) {
    long now = clock.millis();
    // the payment is recorded (idempotently, per subtask id) before the acceptance is saved: a
    // crash in
    // between records it again on resume, never twice
    effects.paymentDue(t, a, now);
    a.state = AssignmentState.ACCEPTED;
    a.acceptedAt = now;
    effects.changed(t, s, a);
    effects.send(
        a.provider,
        new SubtaskResultsAccepted(
            a.report.reportHash(), a.id, signer.requestor(), a.provider, a.price, now / 1000));
    reputation.record(Reputation.Role.PROVIDER, a.provider, Reputation.Event.RESULT_ACCEPTED);
  }

  private void reject(
      Task t, Assignment a, SubtaskResultsRejected.Reason reason, String detail, boolean wrong) {
    a.state = AssignmentState.REJECTED;
    a.detail = detail;
    a.freeMemory();
    effects.changed(t, null, a);
    if (a.report != null) {
      effects.send(
          a.provider,
          new SubtaskResultsRejected(
              a.report.reportHash(),
              a.id,
              signer.requestor(),
              a.provider,
              reason,
              detail.length() > 200 ? detail.substring(0, 200) : detail));
    }
    if (wrong)
      reputation.record(Reputation.Role.PROVIDER, a.provider, Reputation.Event.WRONG_RESULT);
    LOG.info(
        "Task {}: result of {} from {} rejected: {}", t.idHex(), a.subtask, a.provider, detail);
  }

  void cancel(Task t, Assignment a, String why) {
    a.state = AssignmentState.CANCELLED;
    a.detail = why;
    a.freeMemory();
    effects.changed(t, null, a);
    if (a.report != null) {
      effects.send(
          a.provider,
          new SubtaskResultsRejected(
              a.report.reportHash(),
              a.id,
              signer.requestor(),
              a.provider,
              SubtaskResultsRejected.Reason.OTHER,
              why));
    }
  }

  // ------------------------------------------------------------------ settling: merge, end

  /** Once every subtask is accepted: merges the accepted results (once). */
  void maybeFinish(Task t) {
    if (t.merging || t.state != TaskState.COMPUTING) return;
    if (t.advanceSettled() < t.subtasks.size()) return;
    if (t.subtasks.values().stream().anyMatch(s -> s.state != SubtaskState.ACCEPTED)) return;
    t.merging = true;
    Map<String, Path> accepted = new LinkedHashMap<>();
    List<ResultVerifier.KeptResult> onDisk = new ArrayList<>();
    for (Subtask s : t.subtasks.values()) {
      Assignment a = s.acceptedResult();
      accepted.put(s.name(), a.copy());
      if (a.memory == null) {
        onDisk.add(
            new ResultVerifier.KeptResult(
                s.name(),
                a.result,
                a.digest,
                a.report.resultCid(),
                sourcesOf(a),
                s.planned.limits().maxOutputBytes()));
      }
    }
    t.detail = "merging";
    effects.changed(t, null, null);
    effects.merge(t, accepted, onDisk);
  }

  @Override
  public void merged(Task t, Path out) {
    t.output = out;
    end(t, TaskState.FINISHED, "");
    freeMemory(t);
    LOG.info("Task {} finished: output in {}", t.idHex(), out);
  }

  @Override
  public void mergeFailed(Task t, String why) {
    end(t, TaskState.FAILED, "merge failed: " + why);
    freeMemory(t);
  }

  void failSubtask(Task t, Subtask s, String why) {
    effects.changed(t, s, null);
    s.state = SubtaskState.FAILED;
    s.detail = why;
    end(t, TaskState.FAILED, "subtask " + s.name() + ": " + why);
  }

  void end(Task t, TaskState state, String detail) {
    t.state = state;
    t.detail = detail;
    effects.changed(t, null, null);
    for (Subtask s : t.subtasks.values()) {
      for (Assignment a : s.assignments) {
        if (a.state.open()) cancel(t, a, "task " + state.name().toLowerCase());
      }
    }
    effects.withdraw(t);
    if (!t.merging) freeMemory(t); // a merge under way reads them: it frees them when done
  }

  /**
   * Frees the in-memory copies of a task's results (a restarted task is merged from their disk
   * copies, or CIDs).
   */
  static void freeMemory(Task t) {
    for (Subtask s : t.subtasks.values()) {
      for (Assignment a : s.assignments) a.freeMemory();
    }
  }

  List<URI> sourcesOf(Assignment a) {
    String src = sources.get(a.idHex());
    return src == null ? List.of() : List.of(URI.create(src));
  }
}
