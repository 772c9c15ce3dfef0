package org.jgolem.node.market.requestor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import org.jgolem.node.market.requestor.RequestorModel.Assignment;
import org.jgolem.node.market.requestor.RequestorModel.AssignmentState;
import org.jgolem.node.market.requestor.RequestorModel.Subtask;
import org.jgolem.node.market.requestor.RequestorModel.SubtaskState;
import org.jgolem.node.market.requestor.RequestorModel.Task;
import org.jgolem.node.market.requestor.RequestorModel.TaskState;
import org.jgolem.tasks.PlannedSubtask;
import org.jgolem.tasks.TaskPlan;
import org.jgolem.tasks.definition.TaskFile;
import org.jgolem.tasks.definition.TaskFileException;

/**
 * Reads back the tasks a previous run of this node left in the database: each task file is planned
 * again, an unfinished task's resources published again (and checked to be the same), and its
 * subtasks and assignments take the states they were saved in. {@link RequestorCore#resume} carries
 * on from there.
 */
final class RequestorRecovery {
  private final RequestorStore store;
  private final TaskPublisher publisher;

  RequestorRecovery(RequestorStore store, TaskPublisher publisher) {
    this.store = store;
    this.publisher = publisher;
  }

  /** A task read back, and where its reported results can be fetched from (by assignment id). */
  record Restored(Task task, Map<String, String> sources) {}

  Restored restore(RequestorStore.TaskRow row) throws TaskFileException, IOException {
    TaskFile file = publisher.parse(row.taskFile());
    TaskPlan plan = publisher.replan(file, row.workDir());
    TaskFile.Verification verification = file.verification().orElse(plan.defaultVerification());
    byte[] id = HexFormat.of().parseHex(row.id());
    Task t =
        new Task(
            id,
            file,
            plan,
            publisher.current(row.header()),
            verification,
            row.createdAt(),
            row.workDir());
    t.state = TaskState.valueOf(row.state());
    t.restored = true;
    t.detail = row.detail();
    t.output = row.output() == null ? null : Path.of(row.output());
    Map<String, RequestorStore.SubtaskRow> rows = new HashMap<>();
    for (var r : store.subtasks(row.id())) rows.put(r.name(), r);
    for (PlannedSubtask ps : plan.subtasks()) {
      var r = rows.get(ps.name());
      if (r == null)
        throw new IOException("subtask " + ps.name() + " of the task file is not in the database");
      String cid =
          t.state == TaskState.COMPUTING ? publisher.publish(plan, ps, row.id()) : r.resourcesCid();
      if (!r.resourcesCid().isEmpty() && !cid.equals(r.resourcesCid())) {
        throw new IOException(
            "inputs of subtask " + ps.name() + " changed since the task was created");
      }
      Subtask s = new Subtask(ps, cid, r.recompute());
      s.state = SubtaskState.valueOf(r.state());
      s.acceptedDigest = r.acceptedDigest();
      s.localDigest = r.localDigest();
      s.detail = r.detail();
      t.subtasks.put(ps.name(), s);
    }
    Map<String, String> sources = new HashMap<>();
    for (var r : store.assignments(row.id())) {
      Subtask s = t.subtasks.get(r.subtask());
      if (s == null) continue;
      Assignment a =
          new Assignment(r.id(), r.subtask(), r.provider(), r.price(), r.deadline(), r.ttc());
      a.state = AssignmentState.valueOf(r.state());
      a.report = r.report();
      a.digest = r.digest();
      a.result = r.result() == null ? null : Path.of(r.result());
      a.detail = r.detail();
      a.acceptedAt = r.acceptedAt();
      if (r.source() != null) sources.put(a.idHex(), r.source());
      if (a.state == AssignmentState.CHECKED && a.digest == null)
        a.state = AssignmentState.REPORTED;
      s.assignments.add(a);
    }
    return new Restored(t, sources);
  }
}
