package org.jgolem.node.market.requestor;

import java.util.List;
import org.jgolem.node.market.requestor.RequestorModel.AssignmentState;
import org.jgolem.node.market.requestor.RequestorModel.SubtaskState;
import org.jgolem.protocol.messages.market.SubtaskRun;

/**
 * A subtask as it was at one moment (see {@link TaskSnapshot}).
 *
 * @param resourcesCid empty until its resources are published
 * @param recompute whether the requestor computes it too, to compare
 * @param covers the task file's subtasks this one assigns together ({@code
 *     subtasks_per_assignment})
 * @param assignments its computations by providers, oldest first
 */
public record SubtaskSnapshot(
    String name,
    SubtaskState state,
    String resourcesCid,
    boolean recompute,
    byte[] acceptedDigest,
    byte[] localDigest,
    String detail,
    List<String> covers,
    List<AssignmentSnapshot> assignments) {

  public SubtaskSnapshot {
    acceptedDigest = acceptedDigest == null ? null : acceptedDigest.clone();
    localDigest = localDigest == null ? null : localDigest.clone();
    covers = List.copyOf(covers);
    assignments = List.copyOf(assignments);
  }

  static SubtaskSnapshot of(RequestorModel.Subtask s) {
    return new SubtaskSnapshot(
        s.name(),
        s.state,
        s.resourcesCid,
        s.recompute,
        s.acceptedDigest,
        s.localDigest,
        s.detail,
        s.planned.runs().stream().map(SubtaskRun::name).toList(),
        s.assignments.stream().map(AssignmentSnapshot::of).toList());
  }

  @Override
  public byte[] acceptedDigest() {
    return acceptedDigest == null ? null : acceptedDigest.clone();
  }

  @Override
  public byte[] localDigest() {
    return localDigest == null ? null : localDigest.clone();
  }

  /** The accepted result kept for the merge, or null. */
  public AssignmentSnapshot acceptedResult() {
    return assignments.stream()
        .filter(a -> a.state() == AssignmentState.ACCEPTED && a.result() != null)
        .findFirst()
        .orElse(null);
  }
}
