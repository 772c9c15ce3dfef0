package org.jgolem.protocol.messages.concent;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Arrays;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;

/**
 * Use case 1, from the provider: its {@code report} (a signed ReportComputedTask frame) got no
 * answer. It embeds the exact TaskToCompute frame the report answers. Concent relays it to the
 * requestor, who must acknowledge or reject it within the window, or Concent acknowledges it.
 */
@JsonPropertyOrder({"taskToCompute", "report"})
public record ForceReportComputedTask(byte[] taskToCompute, byte[] report) implements Payload {
  @Override
  public MessageType type() {
    return MessageType.FORCE_REPORT_COMPUTED_TASK;
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
    return o instanceof ForceReportComputedTask f
        && Arrays.equals(taskToCompute, f.taskToCompute)
        && Arrays.equals(report, f.report);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(report);
  }

  @Override
  public String toString() {
    return "ForceReportComputedTask[" + lengths(taskToCompute, report) + "]";
  }

  static String lengths(byte[]... frames) {
    StringBuilder sb = new StringBuilder();
    for (byte[] f : frames) {
      sb.append(sb.isEmpty() ? "" : ", ").append(f == null ? 0 : f.length).append(" bytes");
    }
    return sb.toString();
  }
}
