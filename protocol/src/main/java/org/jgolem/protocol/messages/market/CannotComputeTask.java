package org.jgolem.protocol.messages.market;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;

/**
 * The provider declines a task or an assigned subtask. {@code subtaskId} is all zeros when the
 * refusal is about the task as a whole (before any subtask was assigned).
 */
@JsonPropertyOrder({"taskId", "subtaskId", "reason", "detail"})
public record CannotComputeTask(byte[] taskId, byte[] subtaskId, Reason reason, String detail)
    implements Payload {
  public enum Reason {
    WRONG_ENVIRONMENT,
    PRICE_TOO_LOW,
    NO_CAPACITY,
    REQUESTOR_REPUTATION,
    DEADLINE_TOO_CLOSE,
    RESOURCES_UNAVAILABLE,
    OTHER
  }

  /** The subtask id meaning "no subtask": 32 zero bytes. */
  public static byte[] noSubtask() {
    return new byte[32];
  }

  @Override
  public MessageType type() {
    return MessageType.CANNOT_COMPUTE_TASK;
  }

  @Override
  public void validate() {
    Rules.bytes32("taskId", taskId);
    Rules.bytes32("subtaskId", subtaskId);
    Rules.present("reason", reason);
    Rules.string("detail", detail, 0, Rules.MAX_DETAIL);
  }

  /** True if this refers to an assigned subtask rather than the whole task. */
  public boolean hasSubtask() {
    return subtaskId != null && !Rules.isZero(subtaskId);
  }

  @Override
  public byte[] taskId() {
    return Rules.copy(taskId);
  }

  @Override
  public byte[] subtaskId() {
    return Rules.copy(subtaskId);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CannotComputeTask c
        && Arrays.equals(taskId, c.taskId)
        && Arrays.equals(subtaskId, c.subtaskId)
        && reason == c.reason
        && Objects.equals(detail, c.detail);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(taskId) * 31 + Arrays.hashCode(subtaskId);
  }

  @Override
  public String toString() {
    return "CannotComputeTask[task 0x"
        + (taskId == null ? "null" : HexFormat.of().formatHex(taskId))
        + ", "
        + reason
        + ", "
        + detail
        + "]";
  }
}
