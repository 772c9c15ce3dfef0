package org.jgolem.concent.evidence;

import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.TaskToCompute;

/**
 * The checked evidence of a ForceSubtaskResults (use case 3): the TaskToCompute and the report as
 * in {@link ReportEvidence}, and the acknowledgement of that report: the requestor's
 * AckReportComputedTask, or Concent's own ForceReportComputedTaskResponse with outcome CONCENT_ACK.
 */
public record AcceptanceEvidence(
    Signed<TaskToCompute> task, Signed<ReportComputedTask> report, Signed<? extends Payload> ack) {
  public TaskToCompute ttc() {
    return task.payload();
  }

  public ReportComputedTask rct() {
    return report.payload();
  }
}
