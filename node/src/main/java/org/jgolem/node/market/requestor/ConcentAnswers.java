package org.jgolem.node.market.requestor;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import org.jgolem.node.market.requestor.RequestorModel.Assignment;
import org.jgolem.node.p2p.Peer;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.market.AckReportComputedTask;
import org.jgolem.protocol.messages.market.RejectReportComputedTask;
import org.jgolem.protocol.messages.market.ReportComputedTask;

/**
 * The requestor's answer to a report a provider forced through Concent (use case 1), on the loop:
 * an Ack when it has the report (or takes it now, its provider being connected), a Reject when the
 * subtask is unknown, timed out or ended otherwise; nothing when it cannot take the report now
 * (Concent then acknowledges in its place).
 */
final class ConcentAnswers {
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
}
