package org.jgolem.node.market.requestor;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskToCompute;

/**
 * Where the requestor keeps its tasks, subtasks and assignments, written on every transition so
 * that a requestor killed at any point resumes where it was; signed messages are kept whole, so
 * what was sent can be shown again (to the provider, or to Concent). The SQLite adapter is {@code
 * org.jgolem.node.store.SqliteRequestorStore}.
 */
public interface RequestorStore {
  /** A stored task's row. */
  record TaskRow(
      String id,
      Path taskFile,
      Path workDir,
      String state,
      String detail,
      long createdAt,
      TaskHeader header,
      String output) {}

  record SubtaskRow(
      String name,
      String state,
      String resourcesCid,
      boolean recompute,
      byte[] acceptedDigest,
      byte[] localDigest,
      String detail) {}

  record AssignmentRow(
      byte[] id,
      String subtask,
      Address provider,
      BigInteger price,
      long deadline,
      String state,
      TaskToCompute ttc,
      ReportComputedTask report,
      byte[] digest,
      String result,
      String source,
      String detail,
      long acceptedAt) {}

  /** Writes the task, the given subtasks and assignments in one transaction. */
  void save(TaskRow task, List<SubtaskRow> subtasks, List<AssignmentRow> assignments);

  /** A subtask restarted by the operator forgets its assignments. */
  void forgetAssignments(String taskId, String subtask);

  /** Deletes the named assignments (hex wire ids) of a task. */
  void forgetAssignmentsById(String taskId, Collection<String> assignmentIds);

  /** Every stored task, oldest first. */
  List<TaskRow> tasks();

  List<SubtaskRow> subtasks(String taskId);

  /** A task's assignments in the order they were made. */
  List<AssignmentRow> assignments(String taskId);
}
