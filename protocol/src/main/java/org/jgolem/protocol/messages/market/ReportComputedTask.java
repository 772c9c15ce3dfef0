package org.jgolem.protocol.messages.market;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.Eip712;
import org.jgolem.protocol.messages.EvidencePayload;
import org.jgolem.protocol.messages.MessageType;

/**
 * The provider reports a computed subtask (evidence): the {@link TaskToCompute} it answers (by its
 * EIP-712 struct hash), where the result can be fetched ({@code resultCid}), the SHA-256 of the
 * result, its size in bytes, and how long the computation took.
 *
 * <p>As EIP-712 typed data it is {@link #TYPE}. Its {@link #structHash()} is the {@code reportHash}
 * the requestor's answers (ack, reject, accepted, rejected) refer to.
 */
@JsonPropertyOrder({
  "taskToComputeHash",
  "subtaskId",
  "provider",
  "resultCid",
  "resultHash",
  "size",
  "computeMillis"
})
public record ReportComputedTask(
    byte[] taskToComputeHash,
    byte[] subtaskId,
    Address provider,
    String resultCid,
    byte[] resultHash,
    long size,
    long computeMillis)
    implements EvidencePayload {

  public static final String TYPE =
      "ReportComputedTask(bytes32 taskToComputeHash,bytes32 subtaskId,address provider,string resultCid,"
          + "bytes32 resultHash,uint64 size,uint64 computeMillis)";
  private static final byte[] TYPE_HASH = Eip712.typeHash(TYPE);
  public static final int MAX_CID = 128;

  /** The report answering {@code ttc}, from its provider. */
  public static ReportComputedTask answering(
      TaskToCompute ttc, String resultCid, byte[] resultSha256, long size, long computeMillis) {
    return new ReportComputedTask(
        ttc.structHash(),
        ttc.subtaskId(),
        ttc.provider(),
        resultCid,
        resultSha256,
        size,
        computeMillis);
  }

  @Override
  public MessageType type() {
    return MessageType.REPORT_COMPUTED_TASK;
  }

  @Override
  public byte[] structHash() {
    return Eip712.hashStruct(
        TYPE_HASH,
        Eip712.fixedBytes(taskToComputeHash),
        Eip712.fixedBytes(subtaskId),
        Eip712.address(provider),
        Eip712.string(resultCid),
        Eip712.fixedBytes(resultHash),
        Eip712.uint(size),
        Eip712.uint(computeMillis));
  }

  /** The {@code reportHash} that answers to this report carry: {@link #structHash()}. */
  public byte[] reportHash() {
    return structHash();
  }

  /** True if this reports on exactly {@code ttc}: its struct hash, subtask and provider. */
  public boolean answers(TaskToCompute ttc) {
    return Arrays.equals(taskToComputeHash, ttc.structHash())
        && Arrays.equals(subtaskId, ttc.subtaskId())
        && Objects.equals(provider, ttc.provider());
  }

  @Override
  public void validate() {
    Rules.id("taskToComputeHash", taskToComputeHash);
    Rules.id("subtaskId", subtaskId);
    Rules.address("provider", provider);
    Rules.string("resultCid", resultCid, 1, MAX_CID);
    Rules.bytes32("resultHash", resultHash);
    Rules.nonNegative("size", size);
    Rules.nonNegative("computeMillis", computeMillis);
  }

  @Override
  public byte[] taskToComputeHash() {
    return Rules.copy(taskToComputeHash);
  }

  @Override
  public byte[] subtaskId() {
    return Rules.copy(subtaskId);
  }

  @Override
  public byte[] resultHash() {
    return Rules.copy(resultHash);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ReportComputedTask r
        && Arrays.equals(taskToComputeHash, r.taskToComputeHash)
        && Arrays.equals(subtaskId, r.subtaskId)
        && Objects.equals(provider, r.provider)
        && Objects.equals(resultCid, r.resultCid)
        && Arrays.equals(resultHash, r.resultHash)
        && size == r.size
        && computeMillis == r.computeMillis;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(taskToComputeHash) * 31 + Arrays.hashCode(resultHash);
  }

  @Override
  public String toString() {
    return "ReportComputedTask[subtask 0x"
        + (subtaskId == null ? "null" : HexFormat.of().formatHex(subtaskId))
        + " by "
        + provider
        + ", "
        + resultCid
        + ", "
        + size
        + " bytes]";
  }
}
