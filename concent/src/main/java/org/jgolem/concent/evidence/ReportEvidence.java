package org.jgolem.concent.evidence;

import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.TaskToCompute;

/**
 * The checked evidence of a ForceReportComputedTask (use case 1) or a ForceGetTaskResult (use case
 * 2): the requestor's TaskToCompute, with both notes signed by the requestor, and the provider's
 * report answering exactly that TaskToCompute.
 */
public record ReportEvidence(Signed<TaskToCompute> task, Signed<ReportComputedTask> report) {
  public TaskToCompute ttc() {
    return task.payload();
  }

  public ReportComputedTask rct() {
    return report.payload();
  }
}
