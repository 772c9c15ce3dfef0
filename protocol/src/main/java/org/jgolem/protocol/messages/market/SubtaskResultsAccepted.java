package org.jgolem.protocol.messages.market;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.Eip712;
import org.jgolem.protocol.messages.EvidencePayload;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;

/**
 * The requestor accepts the results of a subtask (evidence): the report they answer, the parties,
 * the price owed, and {@code paymentTs} (seconds since the epoch) by which payment is due — the
 * time Concent's ForcePayment judges against. As EIP-712 typed data it is {@link #TYPE}.
 */
@JsonPropertyOrder({"reportHash", "subtaskId", "requestor", "provider", "price", "paymentTs"})
public record SubtaskResultsAccepted(
    byte[] reportHash,
    byte[] subtaskId,
    Address requestor,
    Address provider,
    BigInteger price,
    long paymentTs)
    implements EvidencePayload {

  public static final String TYPE =
      "SubtaskResultsAccepted(bytes32 reportHash,bytes32 subtaskId,address requestor,address provider,uint256 price,"
          + "uint64 paymentTs)";
  private static final byte[] TYPE_HASH = Eip712.typeHash(TYPE);

  /** Above this, {@code paymentTs} is surely milliseconds, not seconds (year 5138). */
  public static final long MAX_PAYMENT_TS = 100_000_000_000L;

  @Override
  public MessageType type() {
    return MessageType.SUBTASK_RESULTS_ACCEPTED;
  }

  @Override
  public byte[] structHash() {
    return Eip712.hashStruct(
        TYPE_HASH,
        Eip712.fixedBytes(reportHash),
        Eip712.fixedBytes(subtaskId),
        Eip712.address(requestor),
        Eip712.address(provider),
        Eip712.uint(price),
        Eip712.uint(paymentTs));
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
    Rules.uint256("price", price);
    Rules.range("paymentTs", paymentTs, 1, MAX_PAYMENT_TS - 1);
  }

  /** True if this accepts exactly {@code report}. */
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
    return o instanceof SubtaskResultsAccepted a
        && Arrays.equals(reportHash, a.reportHash)
        && Arrays.equals(subtaskId, a.subtaskId)
        && Objects.equals(requestor, a.requestor)
        && Objects.equals(provider, a.provider)
        && Objects.equals(price, a.price)
        && paymentTs == a.paymentTs;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(reportHash);
  }

  @Override
  public String toString() {
    return "SubtaskResultsAccepted[subtask 0x"
        + (subtaskId == null ? "null" : HexFormat.of().formatHex(subtaskId))
        + ", "
        + requestor
        + " -> "
        + provider
        + ", price "
        + price
        + ", paymentTs "
        + paymentTs
        + "]";
  }
}
