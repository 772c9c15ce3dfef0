package org.jgolem.concent.cases;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.MessageType;

/**
 * One subtask's case at Concent: who, where it stands, until when, and the signed frames it rests
 * on. Unique on (requestor, subtaskId), as in Golem. Immutable; a transition makes a new value with
 * {@code version + 1}, and the store refuses a save whose version is stale.
 *
 * @param subtaskId the subtask, 32 bytes
 * @param taskId its task, 32 bytes
 * @param requestor who assigned it
 * @param provider who computed it
 * @param state where the case stands
 * @param nextDeadline ms since the epoch by which someone must act; 0 in a passive state
 * @param assignedAt the TaskToCompute's timestamp (ms)
 * @param computeDeadline the subtask's deadline from the TaskToCompute (ms)
 * @param price the price in the TaskToCompute (token base units)
 * @param resultCid the result's CID from the report
 * @param resultSize the result's size from the report (bytes)
 * @param reportHash the report's EIP-712 struct hash
 * @param evidence the signed frames of the case, by message type (TaskToCompute, the report, the
 *     answers, Concent's own verdicts)
 * @param version optimistic-locking counter, 0 for a case not yet stored
 */
public record SubtaskCase(
    byte[] subtaskId,
    byte[] taskId,
    Address requestor,
    Address provider,
    CaseState state,
    long nextDeadline,
    long assignedAt,
    long computeDeadline,
    BigInteger price,
    String resultCid,
    long resultSize,
    byte[] reportHash,
    Map<MessageType, byte[]> evidence,
    long version) {

  public SubtaskCase {
    Objects.requireNonNull(subtaskId, "subtaskId");
    Objects.requireNonNull(taskId, "taskId");
    Objects.requireNonNull(requestor, "requestor");
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(price, "price");
    Objects.requireNonNull(resultCid, "resultCid");
    Objects.requireNonNull(reportHash, "reportHash");
    subtaskId = subtaskId.clone();
    taskId = taskId.clone();
    reportHash = reportHash.clone();
    EnumMap<MessageType, byte[]> copy = new EnumMap<>(MessageType.class);
    evidence.forEach((k, v) -> copy.put(k, v.clone()));
    evidence = Collections.unmodifiableMap(copy);
    if (state.isActive() != (nextDeadline > 0)) {
      throw new IllegalArgumentException(
          state + (state.isActive() ? " needs a next deadline" : " has no next deadline"));
    }
  }

  /**
   * This case moved to {@code next} (which must be allowed to follow the current state), waiting
   * until {@code nextDeadline} (0 for a passive state), with {@code frames} added to its evidence.
   */
  public SubtaskCase moveTo(CaseState next, long nextDeadline, Map<MessageType, byte[]> frames) {
    if (!next.canFollow(state)) {
      throw new IllegalStateException("a case cannot move from " + state + " to " + next);
    }
    EnumMap<MessageType, byte[]> merged = new EnumMap<>(MessageType.class);
    merged.putAll(evidence);
    merged.putAll(frames);
    return new SubtaskCase(
        subtaskId,
        taskId,
        requestor,
        provider,
        next,
        nextDeadline,
        assignedAt,
        computeDeadline,
        price,
        resultCid,
        resultSize,
        reportHash,
        merged,
        version + 1);
  }

  /** The frame of {@code type} in the evidence, or null. */
  public byte[] frame(MessageType type) {
    byte[] f = evidence.get(type);
    return f == null ? null : f.clone();
  }

  @Override
  public byte[] subtaskId() {
    return subtaskId.clone();
  }

  @Override
  public byte[] taskId() {
    return taskId.clone();
  }

  @Override
  public byte[] reportHash() {
    return reportHash.clone();
  }

  public String subtaskIdHex() {
    return "0x" + HexFormat.of().formatHex(subtaskId);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof SubtaskCase c)) {
      return false;
    }
    if (!Arrays.equals(subtaskId, c.subtaskId)
        || !requestor.equals(c.requestor)
        || state != c.state
        || version != c.version
        || nextDeadline != c.nextDeadline
        || evidence.size() != c.evidence.size()) {
      return false;
    }
    for (Map.Entry<MessageType, byte[]> e : evidence.entrySet()) {
      if (!Arrays.equals(e.getValue(), c.evidence.get(e.getKey()))) {
        return false;
      }
    }
    return Arrays.equals(taskId, c.taskId)
        && provider.equals(c.provider)
        && assignedAt == c.assignedAt
        && computeDeadline == c.computeDeadline
        && price.equals(c.price)
        && resultCid.equals(c.resultCid)
        && resultSize == c.resultSize
        && Arrays.equals(reportHash, c.reportHash);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(subtaskId) * 31 + requestor.hashCode();
  }

  @Override
  public String toString() {
    return "SubtaskCase["
        + subtaskIdHex()
        + " "
        + requestor
        + " -> "
        + provider
        + ", "
        + state
        + (nextDeadline > 0 ? " until " + nextDeadline : "")
        + ", v"
        + version
        + "]";
  }
}
