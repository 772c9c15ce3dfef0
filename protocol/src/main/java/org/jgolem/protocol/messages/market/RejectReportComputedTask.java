package org.jgolem.protocol.messages.market;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Arrays;
import java.util.HexFormat;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;

/** The requestor refuses a {@link ReportComputedTask} before verifying it, saying why. */
@JsonPropertyOrder({"reportHash", "subtaskId", "reason"})
public record RejectReportComputedTask(byte[] reportHash, byte[] subtaskId, Reason reason)
    implements Payload {
  public enum Reason {
    SUBTASK_TIMED_OUT,
    GOT_MESSAGE_TASK_FAILURE,
    CANNOT_COMPUTE,
    UNKNOWN_SUBTASK
  }

  @Override
  public MessageType type() {
    return MessageType.REJECT_REPORT_COMPUTED_TASK;
  }

  @Override
  public void validate() {
    Rules.id("reportHash", reportHash);
    Rules.id("subtaskId", subtaskId);
    Rules.present("reason", reason);
  }

  /** True if this rejects exactly {@code report}. */
  public boolean answers(ReportComputedTask report) {
    return Arrays.equals(reportHash, report.structHash())
        && Arrays.equals(subtaskId, report.subtaskId());
  }

  @Override
  public byte[] reportHash() {
    return Rules.copy(reportHash);
  }

  @Override
  public byte[] subtaskId() {
    return Rules.copy(subtaskId);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RejectReportComputedTask r
        && Arrays.equals(reportHash, r.reportHash)
        && Arrays.equals(subtaskId, r.subtaskId)
        && reason == r.reason;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(reportHash);
  }

  @Override
  public String toString() {
    return "RejectReportComputedTask[report 0x"
        + (reportHash == null ? "null" : HexFormat.of().formatHex(reportHash))
        + ", "
        + reason
        + "]";
  }
}
