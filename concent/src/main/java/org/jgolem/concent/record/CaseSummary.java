package org.jgolem.concent.record;

import java.util.HexFormat;
import java.util.Objects;
import org.jgolem.eth.Address;

/**
 * One case of the record, as listed: a subtask's case (use cases 1–3, and later 5), or one
 * ForcePayment (use case 4), which names several subtasks and is led by its first.
 *
 * @param id the record's id of the case: stable, increasing in the order cases were opened
 * @param kind {@link Kind#SUBTASK} or {@link Kind#PAYMENT}
 * @param state the case's state of Golem's ten, or null (a ForcePayment, or a subtask Concent
 *     answered without opening a case, e.g. SUBTASK_TIMEOUT)
 * @param verdict the last verdict's outcome, or null while undecided
 * @param settlementTx the settlement's transaction hash once mined, else null
 */
public record CaseSummary(
    long id,
    Kind kind,
    Address requestor,
    Address provider,
    byte[] taskId,
    byte[] subtaskId,
    String state,
    String verdict,
    String settlementTx,
    long openedAt,
    long updatedAt) {

  public enum Kind {
    SUBTASK,
    PAYMENT
  }

  public CaseSummary {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(requestor, "requestor");
    Objects.requireNonNull(provider, "provider");
    taskId = taskId.clone();
    subtaskId = subtaskId.clone();
  }

  @Override
  public byte[] taskId() {
    return taskId.clone();
  }

  @Override
  public byte[] subtaskId() {
    return subtaskId.clone();
  }

  public String taskIdHex() {
    return "0x" + HexFormat.of().formatHex(taskId);
  }

  public String subtaskIdHex() {
    return "0x" + HexFormat.of().formatHex(subtaskId);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CaseSummary c
        && id == c.id
        && kind == c.kind
        && requestor.equals(c.requestor)
        && provider.equals(c.provider)
        && java.util.Arrays.equals(taskId, c.taskId)
        && java.util.Arrays.equals(subtaskId, c.subtaskId)
        && Objects.equals(state, c.state)
        && Objects.equals(verdict, c.verdict)
        && Objects.equals(settlementTx, c.settlementTx)
        && openedAt == c.openedAt
        && updatedAt == c.updatedAt;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(id);
  }

  @Override
  public String toString() {
    return "CaseSummary["
        + id
        + " "
        + kind
        + " "
        + subtaskIdHex()
        + " "
        + state
        + " "
        + verdict
        + "]";
  }
}
