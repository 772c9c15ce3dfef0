package org.jgolem.protocol.messages.concent;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Arrays;
import java.util.Objects;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.Rules;

/**
 * Use case 2, from Concent to the requestor: the provider uploaded the result; download {@code
 * resultCid} from Concent's storage before {@code downloadDeadline} (ms since the epoch).
 */
@JsonPropertyOrder({"subtaskId", "reportHash", "resultCid", "downloadDeadline"})
public record ForceGetTaskResultDownload(
    byte[] subtaskId, byte[] reportHash, String resultCid, long downloadDeadline)
    implements Payload {
  @Override
  public MessageType type() {
    return MessageType.FORCE_GET_TASK_RESULT_DOWNLOAD;
  }

  @Override
  public void validate() {
    Rules.id("subtaskId", subtaskId);
    Rules.id("reportHash", reportHash);
    Rules.string("resultCid", resultCid, 1, ReportComputedTask.MAX_CID);
    Rules.range("downloadDeadline", downloadDeadline, 1, Long.MAX_VALUE);
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
    return o instanceof ForceGetTaskResultDownload d
        && Arrays.equals(subtaskId, d.subtaskId)
        && Arrays.equals(reportHash, d.reportHash)
        && Objects.equals(resultCid, d.resultCid)
        && downloadDeadline == d.downloadDeadline;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(reportHash);
  }

  @Override
  public String toString() {
    return "ForceGetTaskResultDownload[" + resultCid + ", by " + downloadDeadline + "]";
  }
}
