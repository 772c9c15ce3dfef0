package org.jgolem.protocol.messages.market;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Arrays;
import java.util.HexFormat;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;

/** The requestor answers a {@link WantToComputeTask} with no subtask, saying why. */
@JsonPropertyOrder({"taskId", "reason"})
public record CannotAssignTask(byte[] taskId, Reason reason) implements Payload {
  public enum Reason {
    NO_MORE_SUBTASKS,
    TASK_FINISHED,
    OFFER_REJECTED,
    PROVIDER_REPUTATION,
    TASK_UNKNOWN
  }

  @Override
  public MessageType type() {
    return MessageType.CANNOT_ASSIGN_TASK;
  }

  @Override
  public void validate() {
    Rules.bytes32("taskId", taskId);
    Rules.present("reason", reason);
  }

  @Override
  public byte[] taskId() {
    return Rules.copy(taskId);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CannotAssignTask c && Arrays.equals(taskId, c.taskId) && reason == c.reason;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(taskId) * 31 + (reason == null ? 0 : reason.hashCode());
  }

  @Override
  public String toString() {
    return "CannotAssignTask[task 0x"
        + (taskId == null ? "null" : HexFormat.of().formatHex(taskId))
        + ", "
        + reason
        + "]";
  }
}
