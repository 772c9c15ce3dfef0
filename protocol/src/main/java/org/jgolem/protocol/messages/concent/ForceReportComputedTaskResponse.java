package org.jgolem.protocol.messages.concent;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Arrays;
import java.util.Objects;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.market.Rules;

/**
 * Concent's answer to the provider in use case 1, about the report with struct hash {@code
 * reportHash}. With {@link Outcome#ACK_FROM_REQUESTOR} or {@link Outcome#REJECT_FROM_REQUESTOR},
 * {@code answer} is the requestor's own signed frame; with {@link Outcome#CONCENT_ACK} this message
 * is Concent's verdict, acknowledging in the silent requestor's place, and {@code answer} is empty.
 */
@JsonPropertyOrder({"subtaskId", "reportHash", "outcome", "answer"})
public record ForceReportComputedTaskResponse(
    byte[] subtaskId, byte[] reportHash, Outcome outcome, byte[] answer) implements Payload {

  public enum Outcome {
    ACK_FROM_REQUESTOR,
    REJECT_FROM_REQUESTOR,
    /** The subtask's deadline had passed when the provider asked. */
    SUBTASK_TIMEOUT,
    CONCENT_ACK
  }

  @Override
  public MessageType type() {
    return MessageType.FORCE_REPORT_COMPUTED_TASK_RESPONSE;
  }

  @Override
  public void validate() {
    Rules.id("subtaskId", subtaskId);
    Rules.id("reportHash", reportHash);
    Rules.present("outcome", outcome);
    boolean fromRequestor =
        outcome == Outcome.ACK_FROM_REQUESTOR || outcome == Outcome.REJECT_FROM_REQUESTOR;
    if (fromRequestor) {
      Frames.frame("answer", answer);
    } else if (answer == null || answer.length != 0) {
      throw InvalidMessageException.invalid("answer", "must be empty for " + outcome);
    }
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
  public byte[] answer() {
    return Frames.copy(answer);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ForceReportComputedTaskResponse r
        && Arrays.equals(subtaskId, r.subtaskId)
        && Arrays.equals(reportHash, r.reportHash)
        && outcome == r.outcome
        && Arrays.equals(answer, r.answer);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(reportHash) * 31 + Objects.hashCode(outcome);
  }

  @Override
  public String toString() {
    return "ForceReportComputedTaskResponse["
        + outcome
        + ", subtask "
        + Frames.hex(subtaskId)
        + "]";
  }
}
