package org.jgolem.protocol.messages.concent;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Arrays;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;

/**
 * Use case 3, from the provider: the requestor acknowledged its report but neither accepted nor
 * rejected the result within SVT. It embeds the TaskToCompute, the report, and the acknowledgement:
 * the requestor's AckReportComputedTask frame, or Concent's own ForceReportComputedTaskResponse
 * verdict acknowledging in the requestor's place.
 */
@JsonPropertyOrder({"taskToCompute", "report", "ack"})
public record ForceSubtaskResults(byte[] taskToCompute, byte[] report, byte[] ack)
    implements Payload {
  @Override
  public MessageType type() {
    return MessageType.FORCE_SUBTASK_RESULTS;
  }

  @Override
  public void validate() {
    Frames.frame("taskToCompute", taskToCompute);
    Frames.frame("report", report);
    Frames.frame("ack", ack);
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
  public byte[] ack() {
    return Frames.copy(ack);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ForceSubtaskResults f
        && Arrays.equals(taskToCompute, f.taskToCompute)
        && Arrays.equals(report, f.report)
        && Arrays.equals(ack, f.ack);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(report);
  }

  @Override
  public String toString() {
    return "ForceSubtaskResults["
        + ForceReportComputedTask.lengths(taskToCompute, report, ack)
        + "]";
  }
}
