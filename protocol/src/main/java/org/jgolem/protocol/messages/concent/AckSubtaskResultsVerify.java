package org.jgolem.protocol.messages.concent;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.Rules;
import org.jgolem.protocol.messages.market.SubtaskDefinition;
import org.jgolem.protocol.messages.market.TaskToCompute;

/**
 * Use case 5, from Concent to the provider (Golem's AckSubtaskResultsVerify): the dispute is
 * admitted, and {@code fee} is reserved on the provider's deposit. It is an upload order, shaped as
 * {@link ForceGetTaskResultUpload}: the provider uploads to Concent's content-addressed storage,
 * before {@code uploadDeadline} (ms since the epoch), the result {@code resultCid} ({@code size}
 * bytes, as its report says) and every one of {@code resourceCids}, the task's resources as the
 * requestor signed them in the TaskToCompute ({@link #resourceCidsOf}). The storage accepts only
 * bytes whose CID is one of these, so Concent re-computes on exactly what both parties signed, even
 * if the requestor does not cooperate.
 *
 * <p>{@code resourceCids} is a list so that a definition may one day name several; today it holds
 * the definition's {@code resourcesCid}, or nothing when the subtask has no resources.
 */
@JsonPropertyOrder({
  "subtaskId",
  "reportHash",
  "resultCid",
  "size",
  "resourceCids",
  "uploadDeadline",
  "fee"
})
public record AckSubtaskResultsVerify(
    byte[] subtaskId,
    byte[] reportHash,
    String resultCid,
    long size,
    List<String> resourceCids,
    long uploadDeadline,
    BigInteger fee)
    implements Payload {

  /** The most resource CIDs one order names. */
  public static final int MAX_RESOURCES = 16;

  public AckSubtaskResultsVerify {
    // a copy that keeps null elements, so that validate() can name them
    resourceCids =
        resourceCids == null ? null : Collections.unmodifiableList(new ArrayList<>(resourceCids));
  }

  /** The order for the dispute of {@code report} answering {@code ttc}. */
  public static AckSubtaskResultsVerify ordering(
      TaskToCompute ttc, ReportComputedTask report, long uploadDeadline, BigInteger fee) {
    return new AckSubtaskResultsVerify(
        ttc.subtaskId(),
        report.structHash(),
        report.resultCid(),
        report.size(),
        resourceCidsOf(ttc),
        uploadDeadline,
        fee);
  }

  /** The resources the requestor signed in {@code ttc}: its definition's, if it has any. */
  public static List<String> resourceCidsOf(TaskToCompute ttc) {
    String cid = ttc.definition().resourcesCid();
    return cid.isEmpty() ? List.of() : List.of(cid);
  }

  @Override
  public MessageType type() {
    return MessageType.ACK_SUBTASK_RESULTS_VERIFY;
  }

  @Override
  public void validate() {
    Rules.id("subtaskId", subtaskId);
    Rules.id("reportHash", reportHash);
    Rules.string("resultCid", resultCid, 1, ReportComputedTask.MAX_CID);
    Rules.nonNegative("size", size);
    resourceCids("resourceCids", resourceCids);
    Rules.range("uploadDeadline", uploadDeadline, 1, Long.MAX_VALUE);
    Rules.uint256("fee", fee);
  }

  /** At most {@link #MAX_RESOURCES} CIDs, each 1..128 characters, none twice. */
  static void resourceCids(String field, List<String> cids) {
    Rules.strings(field, cids, MAX_RESOURCES, 1, SubtaskDefinition.MAX_CID);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < cids.size(); i++) {
      if (!seen.add(cids.get(i))) {
        throw InvalidMessageException.invalid(field + "[" + i + "]", "repeats " + cids.get(i));
      }
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
  public boolean equals(Object o) {
    return o instanceof AckSubtaskResultsVerify a
        && Arrays.equals(subtaskId, a.subtaskId)
        && Arrays.equals(reportHash, a.reportHash)
        && Objects.equals(resultCid, a.resultCid)
        && size == a.size
        && Objects.equals(resourceCids, a.resourceCids)
        && uploadDeadline == a.uploadDeadline
        && Objects.equals(fee, a.fee);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(reportHash);
  }

  @Override
  public String toString() {
    return "AckSubtaskResultsVerify["
        + resultCid
        + " and "
        + resourceCids
        + ", by "
        + uploadDeadline
        + ", fee "
        + fee
        + "]";
  }
}
