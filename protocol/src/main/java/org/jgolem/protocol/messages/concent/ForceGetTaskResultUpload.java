package org.jgolem.protocol.messages.concent;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Arrays;
import java.util.Objects;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.Rules;

/**
 * Use case 2, from Concent to the provider: upload the result {@code resultCid} ({@code size}
 * bytes, as reported) to Concent's storage before {@code uploadDeadline} (ms since the epoch).
 * Concent's storage accepts only bytes whose CID is {@code resultCid}.
 */
@JsonPropertyOrder({"subtaskId", "reportHash", "resultCid", "size", "uploadDeadline"})
public record ForceGetTaskResultUpload(
    byte[] subtaskId, byte[] reportHash, String resultCid, long size, long uploadDeadline)
    implements Payload {
  @Override
  public MessageType type() {
    return MessageType.FORCE_GET_TASK_RESULT_UPLOAD;
  }

  @Override
  public void validate() {
    Rules.id("subtaskId", subtaskId);
    Rules.id("reportHash", reportHash);
    Rules.string("resultCid", resultCid, 1, ReportComputedTask.MAX_CID);
    Rules.nonNegative("size", size);
    Rules.range("uploadDeadline", uploadDeadline, 1, Long.MAX_VALUE);
  }

  @Override
  public byte[] subtaskId() {
    return Frames.copy(subtaskId);
  }

  @Override
  public byte[] reportHash() {
    return Frames.copy(reportHash);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ForceGetTaskResultUpload u
        && Arrays.equals(subtaskId, u.subtaskId)
        && Arrays.equals(reportHash, u.reportHash)
        && Objects.equals(resultCid, u.resultCid)
        && size == u.size
        && uploadDeadline == u.uploadDeadline;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(reportHash);
  }

  @Override
  public String toString() {
    return "ForceGetTaskResultUpload[" + resultCid + ", by " + uploadDeadline + "]";
  }
}
