package org.jgolem.protocol.messages.market;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Arrays;
import java.util.HexFormat;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;

/**
 * The requestor acknowledges a {@link ReportComputedTask} ({@code reportHash} is its struct hash):
 * it will fetch and verify the result.
 */
@JsonPropertyOrder({"reportHash", "subtaskId"})
public record AckReportComputedTask(byte[] reportHash, byte[] subtaskId) implements Payload {
  @Override
  public MessageType type() {
    return MessageType.ACK_REPORT_COMPUTED_TASK;
  }

  @Override
  public void validate() {
    Rules.id("reportHash", reportHash);
    Rules.id("subtaskId", subtaskId);
  }

  /** True if this acknowledges exactly {@code report}. */
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
    return o instanceof AckReportComputedTask a
        && Arrays.equals(reportHash, a.reportHash)
        && Arrays.equals(subtaskId, a.subtaskId);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(reportHash);
  }

  @Override
  public String toString() {
    return "AckReportComputedTask[report 0x"
        + (reportHash == null ? "null" : HexFormat.of().formatHex(reportHash))
        + "]";
  }
}
