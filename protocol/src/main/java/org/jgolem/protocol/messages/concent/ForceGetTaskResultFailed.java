package org.jgolem.protocol.messages.concent;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Arrays;
import java.util.Objects;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.Rules;

/**
 * Use case 2, Concent's verdict for the requestor: the provider did not upload the result of the
 * report with struct hash {@code reportHash} in its window. The requestor may cite it when it
 * rejects the subtask.
 */
@JsonPropertyOrder({"subtaskId", "taskToComputeHash", "reportHash", "resultCid"})
public record ForceGetTaskResultFailed(
    byte[] subtaskId, byte[] taskToComputeHash, byte[] reportHash, String resultCid)
    implements Payload {
  @Override
  public MessageType type() {
    return MessageType.FORCE_GET_TASK_RESULT_FAILED;
  }

  @Override
  public void validate() {
    Rules.id("subtaskId", subtaskId);
    Rules.id("taskToComputeHash", taskToComputeHash);
    Rules.id("reportHash", reportHash);
    Rules.string("resultCid", resultCid, 1, ReportComputedTask.MAX_CID);
  }

  @Override
  public byte[] subtaskId() {
    return Frames.copy(subtaskId);
  }

  @Override
  public byte[] taskToComputeHash() {
    return Frames.copy(taskToComputeHash);
  }

  @Override
  public byte[] reportHash() {
    return Frames.copy(reportHash);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ForceGetTaskResultFailed f
        && Arrays.equals(subtaskId, f.subtaskId)
        && Arrays.equals(taskToComputeHash, f.taskToComputeHash)
        && Arrays.equals(reportHash, f.reportHash)
        && Objects.equals(resultCid, f.resultCid);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(reportHash);
  }

  @Override
  public String toString() {
    return "ForceGetTaskResultFailed[subtask " + Frames.hex(subtaskId) + ", " + resultCid + "]";
  }
}
