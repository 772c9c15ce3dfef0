package org.jgolem.protocol.messages.concent;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Arrays;
import java.util.Objects;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.market.Rules;

/**
 * Concent refuses a request, with a reason and a detail a person can read. {@code requestId} is the
 * message id of the refused request's envelope; {@code subtaskId} is all zeros when the request
 * named no readable subtask.
 */
@JsonPropertyOrder({"subtaskId", "requestId", "reason", "detail"})
public record ServiceRefused(byte[] subtaskId, byte[] requestId, Reason reason, String detail)
    implements Payload {

  /**
   * Why; Golem's reasons, split where ours says more. Their names are the wire form: append only,
   * never rename or remove. The deposit reasons without PROVIDER name the requestor's deposit.
   */
  public enum Reason {
    /** The request came before its window opened (Golem's RequestPremature). */
    TOO_EARLY,
    /** The request came after its window closed (Golem's RequestTooLate). */
    TOO_LATE,
    /** The payer's deposit cannot cover the claim in full, beside the claims already open. */
    DEPOSIT_TOO_SMALL,
    /** The payer's deposit is being withdrawn (unlocked or time-locked). */
    DEPOSIT_BEING_WITHDRAWN,
    /** A signature, a field or a link of the evidence chain is wrong. */
    INVALID_EVIDENCE,
    /** The same request for this subtask is already open. */
    DUPLICATE_REQUEST,
    /** The subtask's case is already settled. */
    ALREADY_SETTLED,
    /** The subtask was already paid (by Concent's record or the contract's). */
    ALREADY_PAID,
    /** The case is in a state where this request has no meaning. */
    INVALID_STATE,
    /** The request is malformed, not addressed to this Concent, or not signed by its party. */
    INVALID_REQUEST,
    /** Concent cannot take the request now; try again later. */
    SYSTEM_OVERLOADED,
    /**
     * Use case 5: the rejection cannot be disputed: its reason is not VERIFICATION_NEGATIVE. (A
     * SubtaskResultsVerify carrying one does not even decode; its decode error names {@code
     * rejection.reason}: this is the reason to refuse it with.)
     */
    REJECTION_NOT_DISPUTABLE,
    /** Use case 5: the provider's verification-cost note promises less than Concent's fee. */
    FEE_NOTE_TOO_SMALL,
    /**
     * Use case 5: the provider's deposit cannot cover the verification fee beside the claims
     * already open on it (Golem's TooSmallProviderDeposit).
     */
    PROVIDER_DEPOSIT_TOO_SMALL,
    /** Use case 5: the provider's deposit is being withdrawn (unlocked or time-locked). */
    PROVIDER_DEPOSIT_BEING_WITHDRAWN
  }

  @Override
  public MessageType type() {
    return MessageType.SERVICE_REFUSED;
  }

  @Override
  public void validate() {
    Rules.bytes32("subtaskId", subtaskId);
    if (requestId == null || requestId.length != Envelope.MESSAGE_ID_LENGTH) {
      throw InvalidMessageException.invalid("requestId", "must have 16 bytes");
    }
    Rules.present("reason", reason);
    Rules.string("detail", detail, 0, 1024);
  }

  @Override
  public byte[] subtaskId() {
    return Frames.copy(subtaskId);
  }

  @Override
  public byte[] requestId() {
    return Frames.copy(requestId);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ServiceRefused r
        && Arrays.equals(subtaskId, r.subtaskId)
        && Arrays.equals(requestId, r.requestId)
        && reason == r.reason
        && Objects.equals(detail, r.detail);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(requestId) * 31 + Objects.hashCode(reason);
  }

  @Override
  public String toString() {
    return "ServiceRefused[" + reason + ", subtask " + Frames.hex(subtaskId) + ": " + detail + "]";
  }
}
