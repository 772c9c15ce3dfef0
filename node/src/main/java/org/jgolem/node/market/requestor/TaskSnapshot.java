package org.jgolem.node.market.requestor;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jgolem.node.market.requestor.RequestorModel.AssignmentState;
import org.jgolem.node.market.requestor.RequestorModel.SubtaskState;
import org.jgolem.node.market.requestor.RequestorModel.TaskState;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.tasks.definition.TaskFile;

/**
 * A task as it was at one moment, for readers on other threads (the REST API, the CLI through it,
 * tests): copied on the agent's loop, never changed afterwards.
 *
 * @param id the task's id (hex); its current header may announce it under another (a restarted
 *     task)
 * @param output the merged output, or null until the task finished
 * @param verificationTime what the task's checks have spent computing on this node so far
 * @param subtasks in the task's order
 */
public record TaskSnapshot(
    String id,
    TaskHeader header,
    TaskFile file,
    TaskState state,
    String detail,
    long createdAt,
    Path output,
    TaskFile.Verification verification,
    Duration verificationTime,
    List<SubtaskSnapshot> subtasks) {

  public TaskSnapshot {
    subtasks = List.copyOf(subtasks);
  }

  static TaskSnapshot of(RequestorModel.Task t) {
    return new TaskSnapshot(
        t.idHex(),
        t.header,
        t.file,
        t.state,
        t.detail,
        t.createdAt,
        t.output,
        t.verification,
        t.plan.verificationTime(),
        t.subtasks.values().stream().map(SubtaskSnapshot::of).toList());
  }

  public String idHex() {
    return id;
  }

  public Optional<SubtaskSnapshot> subtask(String name) {
    return subtasks.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  public List<String> subtaskNames() {
    return subtasks.stream().map(SubtaskSnapshot::name).toList();
  }

  public List<AssignmentSnapshot> assignments() {
    return subtasks.stream().flatMap(s -> s.assignments().stream()).toList();
  }

  public long accepted() {
    return subtasks.stream().filter(s -> s.state() == SubtaskState.ACCEPTED).count();
  }

  /** Wei paid or owed for the accepted results. */
  public BigInteger spent() {
    return assignments().stream()
        .filter(a -> a.state() == AssignmentState.ACCEPTED)
        .map(AssignmentSnapshot::price)
        .reduce(BigInteger.ZERO, BigInteger::add);
  }
}
