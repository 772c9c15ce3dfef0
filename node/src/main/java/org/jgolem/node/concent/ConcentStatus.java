package org.jgolem.node.concent;

import java.util.Objects;

/**
 * A subtask's Concent state with what it says more: a refusal's reason, an amount, a transaction.
 *
 * @param detail empty, or the reason, amount or transaction of the state
 * @param at when the state was reached, epoch milliseconds
 */
public record ConcentStatus(ConcentState state, String detail, long at) {
  public static final ConcentStatus NONE = new ConcentStatus(ConcentState.NONE, "", 0);

  public ConcentStatus {
    Objects.requireNonNull(state, "state");
    detail = detail == null ? "" : detail;
  }

  /** {@code STATE} or {@code STATE(detail)}: what the CLI and the API show. */
  public String label() {
    return detail.isEmpty() ? state.name() : state.name() + "(" + detail + ")";
  }
}
