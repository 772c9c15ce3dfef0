package org.jgolem.protocol.messages.market;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.Eip712;
import org.jgolem.protocol.messages.EvidencePayload;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;

/**
 * The requestor rejects the results of a subtask after verifying them (evidence), with a reason and
 * a free-text detail. The provider may take it to Concent for additional verification. As EIP-712
 * typed data it is {@link #TYPE}; the reason is its ordinal ({@code uint8}).
 */
@JsonPropertyOrder({"reportHash", "subtaskId", "requestor", "provider", "reason", "detail"})
public record SubtaskResultsRejected(
    byte[] reportHash,
    byte[] subtaskId,
    Address requestor,
    Address provider,
    Reason reason,
    String detail)
    implements EvidencePayload {
  /** The order is part of the EIP-712 encoding: append only. */
  public enum Reason {
    VERIFICATION_NEGATIVE,
    RESOURCES_FAILURE,
    TIMEOUT,
    OTHER
  }

  public static final String TYPE =
      "SubtaskResultsRejected(bytes32 reportHash,bytes32 subtaskId,address requestor,address provider,uint8 reason,"
          + "string detail)";
  private static final byte[] TYPE_HASH = Eip712.typeHash(TYPE);

  @Override
  public MessageType type() {
    return MessageType.SUBTASK_RESULTS_REJECTED;
  }

  @Override
  public byte[] structHash() {
    return Eip712.hashStruct(
        TYPE_HASH,
        Eip712.fixedBytes(reportHash),
        Eip712.fixedBytes(subtaskId),
        Eip712.address(requestor),
        Eip712.address(provider),
        Eip712.uint(reason.ordinal()),
        Eip712.string(detail));
  }

  @Override
  public void validate() {
    Rules.id("reportHash", reportHash);
    Rules.id("subtaskId", subtaskId);
    Rules.address("requestor", requestor);
    Rules.address("provider", provider);
    if (requestor.equals(provider)) {
      throw InvalidMessageException.invalid("provider", "must not be the requestor");
    }
    Rules.present("reason", reason);
    Rules.string("detail", detail, 0, Rules.MAX_DETAIL);
  }

  /** True if this rejects exactly {@code report}. */
  public boolean answers(ReportComputedTask report) {
    return Arrays.equals(reportHash, report.structHash())
        && Arrays.equals(subtaskId, report.subtaskId())
        && Objects.equals(provider, report.provider());
  }

  @Override
  public byte[] reportHash() {
    return Rules.copy(reportHash);
  }

  @Override
  public byte[] subtaskId() {
    return Rules.copy(subtaskId);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SubtaskResultsRejected r
        && Arrays.equals(reportHash, r.reportHash)
        && Arrays.equals(subtaskId, r.subtaskId)
        && Objects.equals(requestor, r.requestor)
        && Objects.equals(provider, r.provider)
        && reason == r.reason
        && Objects.equals(detail, r.detail);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(reportHash);
  }

  @Override
  public String toString() {
    return "SubtaskResultsRejected[subtask 0x"
        + (subtaskId == null ? "null" : HexFormat.of().formatHex(subtaskId))
        + ", "
        + reason
        + ", "
        + detail
        + "]";
  }
}
