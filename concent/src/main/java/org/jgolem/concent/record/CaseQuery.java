package org.jgolem.concent.record;

import java.util.Objects;
import java.util.Optional;
import org.jgolem.eth.Address;

/**
 * Which cases to list, a page at a time: every filter given must match (a node is the requestor or
 * the provider). Cases come in id order; a page starts after {@code afterId} (0: from the first)
 * and holds at most {@code limit}.
 */
public record CaseQuery(
    Optional<Address> node,
    Optional<byte[]> taskId,
    Optional<String> state,
    Optional<String> verdict,
    long afterId,
    int limit) {

  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 500;

  public CaseQuery {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(taskId, "taskId");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(verdict, "verdict");
    if (afterId < 0) {
      throw new IllegalArgumentException("the cursor must not be negative");
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT + ", got " + limit);
    }
  }

  /** Every case, the first page. */
  public static CaseQuery all() {
    return new CaseQuery(
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 0, DEFAULT_LIMIT);
  }
}
