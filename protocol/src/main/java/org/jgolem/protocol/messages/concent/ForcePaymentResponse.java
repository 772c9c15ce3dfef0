package org.jgolem.protocol.messages.concent;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.math.BigInteger;
import java.util.List;
import java.util.Objects;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.market.Rules;

/**
 * Concent's answer to a ForcePayment (use case 4): what the accepted subtasks {@code subtaskIds}
 * were owed ({@code owed}), what the chain shows the requestor paid the provider for them since
 * their payment times ({@code paidOnChain}), and what Concent pays from the deposit ({@code
 * reimbursed}, zero with {@link Outcome#NO_UNSETTLED_TASKS}).
 */
@JsonPropertyOrder({
  "requestor",
  "provider",
  "subtaskIds",
  "owed",
  "paidOnChain",
  "reimbursed",
  "outcome"
})
public record ForcePaymentResponse(
    Address requestor,
    Address provider,
    List<byte[]> subtaskIds,
    BigInteger owed,
    BigInteger paidOnChain,
    BigInteger reimbursed,
    Outcome outcome)
    implements Payload {

  public enum Outcome {
    /** Something was missing; Concent pays it from the requestor's deposit. */
    PAYMENT_COMMITTED,
    /** The chain shows the subtasks paid: nothing is missing (Golem's NoUnsettledTasksFound). */
    NO_UNSETTLED_TASKS
  }

  @Override
  public MessageType type() {
    return MessageType.FORCE_PAYMENT_RESPONSE;
  }

  @Override
  public void validate() {
    Rules.address("requestor", requestor);
    Rules.address("provider", provider);
    if (subtaskIds == null || subtaskIds.isEmpty() || subtaskIds.size() > Frames.MAX_ITEMS) {
      throw InvalidMessageException.invalid("subtaskIds", "must hold 1.." + Frames.MAX_ITEMS);
    }
    for (int i = 0; i < subtaskIds.size(); i++) {
      Rules.id("subtaskIds[" + i + "]", subtaskIds.get(i));
    }
    Rules.uint256("owed", owed);
    Rules.uint256("paidOnChain", paidOnChain);
    Rules.uint256("reimbursed", reimbursed);
    Rules.present("outcome", outcome);
    if ((outcome == Outcome.NO_UNSETTLED_TASKS) != (reimbursed.signum() == 0)) {
      throw InvalidMessageException.invalid(
          "reimbursed", "must be zero exactly when the outcome is NO_UNSETTLED_TASKS");
    }
  }

  @Override
  public List<byte[]> subtaskIds() {
    return Frames.copy(subtaskIds);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ForcePaymentResponse r
        && Objects.equals(requestor, r.requestor)
        && Objects.equals(provider, r.provider)
        && Frames.equal(subtaskIds, r.subtaskIds)
        && Objects.equals(owed, r.owed)
        && Objects.equals(paidOnChain, r.paidOnChain)
        && Objects.equals(reimbursed, r.reimbursed)
        && outcome == r.outcome;
  }

  @Override
  public int hashCode() {
    return Frames.hash(subtaskIds) * 31 + Objects.hashCode(outcome);
  }

  @Override
  public String toString() {
    return "ForcePaymentResponse["
        + outcome
        + ", owed "
        + owed
        + ", paid "
        + paidOnChain
        + ", reimbursed "
        + reimbursed
        + "]";
  }
}
