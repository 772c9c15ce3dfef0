package org.jgolem.protocol.messages.concent;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Arrays;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;

/**
 * Use case 2, from the requestor: it cannot download the result that {@code report} (a signed
 * ReportComputedTask frame, answering the embedded TaskToCompute frame) names. Concent asks the
 * provider to upload the result to Concent's content-addressed storage.
 */
@JsonPropertyOrder({"taskToCompute", "report"})
public record ForceGetTaskResult(byte[] taskToCompute, byte[] report) implements Payload {
  @Override
  public MessageType type() {
    return MessageType.FORCE_GET_TASK_RESULT;
  }

  @Override
  public void validate() {
    Frames.frame("taskToCompute", taskToCompute);
    Frames.frame("report", report);
  }

  @Override
  public byte[] taskToCompute() {
    return Frames.copy(taskToCompute);
  }

  @Override
  public byte[] report() {
    return Frames.copy(report);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ForceGetTaskResult f
        && Arrays.equals(taskToCompute, f.taskToCompute)
        && Arrays.equals(report, f.report);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(report);
  }

  @Override
  public String toString() {
    return "ForceGetTaskResult[" + ForceReportComputedTask.lengths(taskToCompute, report) + "]";
  }
}
