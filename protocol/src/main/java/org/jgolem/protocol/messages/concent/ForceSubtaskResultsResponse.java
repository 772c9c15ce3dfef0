package org.jgolem.protocol.messages.concent;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Objects;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.market.Rules;

/**
 * Concent's answer to the provider in use case 3. With an outcome from the requestor, {@code
 * answer} is the requestor's own SubtaskResultsAccepted or SubtaskResultsRejected frame. With
 * {@link Outcome#ACCEPTED_BY_CONCENT} this is Concent's verdict: it accepts in the silent
 * requestor's place and pays {@code amount} from the requestor's deposit.
 */
@JsonPropertyOrder({"subtaskId", "reportHash", "outcome", "amount", "answer"})
public record ForceSubtaskResultsResponse(
    byte[] subtaskId, byte[] reportHash, Outcome outcome, BigInteger amount, byte[] answer)
    implements Payload {

  public enum Outcome {
    ACCEPTED_BY_REQUESTOR,
    REJECTED_BY_REQUESTOR,
    ACCEPTED_BY_CONCENT
  }

  @Override
  public MessageType type() {
    return MessageType.FORCE_SUBTASK_RESULTS_RESPONSE;
  }

  @Override
  public void validate() {
    Rules.id("subtaskId", subtaskId);
    Rules.id("reportHash", reportHash);
    Rules.present("outcome", outcome);
    Rules.uint256("amount", amount);
    if (outcome == Outcome.ACCEPTED_BY_CONCENT) {
      if (answer == null || answer.length != 0) {
        throw InvalidMessageException.invalid("answer", "must be empty for " + outcome);
      }
      if (amount.signum() == 0) {
        throw InvalidMessageException.invalid("amount", "must be positive for " + outcome);
      }
    } else {
      Frames.frame("answer", answer);
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
    return o instanceof ForceSubtaskResultsResponse r
        && Arrays.equals(subtaskId, r.subtaskId)
        && Arrays.equals(reportHash, r.reportHash)
        && outcome == r.outcome
        && Objects.equals(amount, r.amount)
        && Arrays.equals(answer, r.answer);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(reportHash) * 31 + Objects.hashCode(outcome);
  }

  @Override
  public String toString() {
    return "ForceSubtaskResultsResponse["
        + outcome
        + ", subtask "
        + Frames.hex(subtaskId)
        + ", amount "
        + amount
        + "]";
  }
}
