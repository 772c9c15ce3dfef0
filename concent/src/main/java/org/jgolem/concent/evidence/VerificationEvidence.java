package org.jgolem.concent.evidence;

import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.SubtaskResultsRejected;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.messages.market.WireNote;

/**
 * The checked evidence of a SubtaskResultsVerify (use case 5): the requestor's TaskToCompute (both
 * notes signed by the requestor), the provider's report answering it, the requestor's
 * SubtaskResultsRejected of that report with reason VERIFICATION_NEGATIVE, and the provider's
 * VERIFICATION_COST note, signed by the provider in the deposit contract's domain.
 */
public record VerificationEvidence(
    Signed<TaskToCompute> task,
    Signed<ReportComputedTask> report,
    Signed<SubtaskResultsRejected> rejection,
    WireNote feeNote) {
  public TaskToCompute ttc() {
    return task.payload();
  }

  public ReportComputedTask rct() {
    return report.payload();
  }
}
