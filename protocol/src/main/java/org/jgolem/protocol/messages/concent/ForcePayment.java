package org.jgolem.protocol.messages.concent;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;

/**
 * Use case 4, from the provider: accepted work is unpaid after PDT. {@code accepted[i]} is a signed
 * SubtaskResultsAccepted frame and {@code taskToComputes[i]} the TaskToCompute frame of the same
 * subtask, whose promissory note backs a reimbursement. All name one requestor.
 */
@JsonPropertyOrder({"taskToComputes", "accepted"})
public record ForcePayment(List<byte[]> taskToComputes, List<byte[]> accepted) implements Payload {
  @Override
  public MessageType type() {
    return MessageType.FORCE_PAYMENT;
  }

  @Override
  public void validate() {
    Frames.frames("taskToComputes", taskToComputes, 1, Frames.MAX_ITEMS);
    Frames.frames("accepted", accepted, 1, Frames.MAX_ITEMS);
    if (taskToComputes.size() != accepted.size()) {
      throw InvalidMessageException.invalid("accepted", "must pair one to one with taskToComputes");
    }
  }

  @Override
  public List<byte[]> taskToComputes() {
    return Frames.copy(taskToComputes);
  }

  @Override
  public List<byte[]> accepted() {
    return Frames.copy(accepted);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ForcePayment f
        && Frames.equal(taskToComputes, f.taskToComputes)
        && Frames.equal(accepted, f.accepted);
  }

  @Override
  public int hashCode() {
    return Frames.hash(accepted);
  }

  @Override
  public String toString() {
    return "ForcePayment[" + (accepted == null ? 0 : accepted.size()) + " subtasks]";
  }
}
