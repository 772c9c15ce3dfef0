package org.jgolem.node.market.requestor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.jgolem.compute.MemoryFolder;
import org.jgolem.node.concent.RequestorConcent;
import org.jgolem.node.market.requestor.RequestorModel.Assignment;
import org.jgolem.node.market.requestor.RequestorModel.Subtask;
import org.jgolem.node.market.requestor.RequestorModel.Task;
import org.jgolem.node.p2p.Peer;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.market.AckReportComputedTask;
import org.jgolem.protocol.messages.market.RejectReportComputedTask;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The requestor's side of Concent's answers, on the loop. Use case 1, the answer to a report a
 * provider forced through Concent: an Ack when it has the report (or takes it now, its provider
 * being connected), a Reject when the subtask is unknown, timed out or ended otherwise; nothing
 * when it cannot take the report now (Concent then acknowledges in its place). Use case 2: a result
 * Concent got from the provider is checked as usual, one it could not get is rejected citing why;
 * and a failed download waits for Concent instead of being rejected at once ({@link #watched}).
 */
final class ConcentAnswers {
  private static final Logger LOG = LoggerFactory.getLogger(ConcentAnswers.class);

  private final RequestorCore core;
  private final RequestorEffects effects;

  ConcentAnswers(RequestorCore core, RequestorEffects effects) {
    this.core = core;
    this.effects = effects;
  }

  Optional<Payload> forcedReport(Envelope env) {
    ReportComputedTask r = env.payload(ReportComputedTask.class);
    Assignment a = core.assignment(HexFormat.of().formatHex(r.subtaskId()));
    if (a == null) return reject(r, RejectReportComputedTask.Reason.UNKNOWN_SUBTASK);
    if (a.state == RequestorModel.AssignmentState.ASSIGNED) {
      // the report never came over P2P: taken now, if its provider's session is up to fetch from
      Optional<Peer> peer = effects.activePeer(a.provider);
      if (peer.isEmpty()) return Optional.empty();
      core.onReport(peer.get(), env);
    }
    return switch (a.state) {
      case ASSIGNED -> Optional.empty();
      case REPORTED, CHECKED, ACCEPTED, REJECTED ->
          a.report != null && Arrays.equals(a.report.reportHash(), r.reportHash())
              ? Optional.of(new AckReportComputedTask(r.reportHash(), r.subtaskId()))
              : Optional.empty();
      case TIMED_OUT -> reject(r, RejectReportComputedTask.Reason.SUBTASK_TIMED_OUT);
      case FAILED, CANCELLED -> reject(r, RejectReportComputedTask.Reason.GOT_MESSAGE_TASK_FAILURE);
    };
  }

  private static Optional<Payload> reject(
      ReportComputedTask r, RejectReportComputedTask.Reason reason) {
    return Optional.of(new RejectReportComputedTask(r.reportHash(), r.subtaskId(), reason));
  }

  /**
   * Use case 3, a verdict the provider forced through Concent ({@code env}, its report) for a
   * subtask not decided yet: decided now, through the usual fetch and check, instead of waiting
   * (the verdict then goes to Concent too, see {@link RequestorConcent#sent}). A report that never
   * came over P2P is taken now (its provider's session being up to fetch from); a result whose
   * fetch is not under way (it failed, and Concent was asked for it) is fetched and checked again.
   * A result already checked and waiting for the other results of a redundant subtask, or for the
   * requestor's own recompute, is not decided early: that comparison is its verification, and
   * Concent decides after FAT if it is not done by then.
   */
  void decideNow(Envelope env) {
    ReportComputedTask r = env.payload(ReportComputedTask.class);
    String id = HexFormat.of().formatHex(r.subtaskId());
    Assignment a = core.assignment(id);
    Task t = core.taskOf(id);
    if (a == null || t == null) return;
    switch (a.state) {
      case ASSIGNED -> effects.activePeer(a.provider).ifPresent(peer -> core.onReport(peer, env));
      case REPORTED -> {
        if (!effects.fetching(a)) effects.fetch(t, t.subtasks.get(a.subtask), a, core.sourcesOf(a));
      }
      default -> {}
    }
    LOG.info("Subtask {}: Concent asks for a verdict; {} now", id, a.state);
  }

  /** The result is in the local store now (from Concent's storage): fetched and checked. */
  void resultAtConcent(String idHex) {
    Assignment a = core.assignment(idHex);
    Task t = core.taskOf(idHex);
    if (a == null || t == null || a.state != RequestorModel.AssignmentState.REPORTED) return;
    effects.fetch(t, t.subtasks.get(a.subtask), a, List.of());
  }

  /**
   * The result cannot be had, not even through Concent: rejected as a failed download, citing why.
   */
  void resultNotAvailable(String idHex, String why) {
    Assignment a = core.assignment(idHex);
    Task t = core.taskOf(idHex);
    if (a == null || t == null) return;
    core.judge().fetchFailed(t, t.subtasks.get(a.subtask), a, new IOException(why));
  }

  /**
   * The verifier's outcomes, seen by Concent on their way to the judge: a checked result ends the
   * wait for its download; a failed download of a subtask with Concent on is handed to Concent
   * instead of being rejected at once.
   */
  static ResultVerifier.Outcomes watched(ResultVerifier.Outcomes judge, RequestorConcent concent) {
    return new ResultVerifier.Outcomes() {
      @Override
      public void checked(
          Task t,
          Subtask s,
          Assignment a,
          Path result,
          MemoryFolder memory,
          org.jgolem.tasks.Verdict v,
          byte[] digest) {
        concent.downloaded(a.idHex());
        judge.checked(t, s, a, result, memory, v, digest);
      }

      @Override
      public void fetchFailed(Task t, Subtask s, Assignment a, Exception e) {
        if (a.state == RequestorModel.AssignmentState.REPORTED
            && concent.downloadFailed(a.idHex())) {
          LOG.info(
              "Subtask {}: result of {} cannot be fetched ({}); Concent is asked for it",
              a.idHex(),
              s.name(),
              e.getMessage());
          return;
        }
        judge.fetchFailed(t, s, a, e);
      }

      @Override
      public void recomputed(Task t, Subtask s, byte[] digest, String failure) {
        judge.recomputed(t, s, digest, failure);
      }

      @Override
      public void merged(Task t, Path output) {
        judge.merged(t, output);
      }

      @Override
      public void mergeFailed(Task t, String why) {
        judge.mergeFailed(t, why);
      }
    };
  }
}
