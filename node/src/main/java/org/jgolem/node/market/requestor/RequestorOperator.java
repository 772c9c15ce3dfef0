package org.jgolem.node.market.requestor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HexFormat;
import java.util.List;
import org.jgolem.node.market.requestor.RequestorModel.Assignment;
import org.jgolem.node.market.requestor.RequestorModel.AssignmentState;
import org.jgolem.node.market.requestor.RequestorModel.Subtask;
import org.jgolem.node.market.requestor.RequestorModel.SubtaskState;
import org.jgolem.node.market.requestor.RequestorModel.Task;
import org.jgolem.node.market.requestor.RequestorModel.TaskState;

/**
 * The operator's actions on tasks (abort, restart a task, restart one subtask), run on the loop
 * against the core.
 */
final class RequestorOperator {
  private final RequestorCore core;
  private final RequestorEffects effects;
  private final TaskPublisher publisher;

  /** Forgets the given assignments of a task in the database (null: no database). */
  private final RequestorStore store;

  RequestorOperator(
      RequestorCore core, RequestorEffects effects, TaskPublisher publisher, RequestorStore store) {
    this.core = core;
    this.effects = effects;
    this.publisher = publisher;
    this.store = store;
  }

  /**
   * Stops a task: no new assignments; results still in flight are rejected; accepted work stays
   * paid.
   */
  Task abort(String idHex) {
    Task t = core.known(idHex);
    if (t.state == TaskState.COMPUTING)
      core.judge().end(t, TaskState.ABORTED, "aborted by the operator");
    effects.changed(t, null, null);
    return t;
  }

  /** Computes again every subtask of an ended task that has no accepted result. */
  Task restart(String idHex) {
    Task t = core.known(idHex);
    if (t.state == TaskState.COMPUTING)
      throw new IllegalStateException("task " + idHex + " is still computing");
    for (Subtask s : t.subtasks.values()) {
      if (s.state != SubtaskState.ACCEPTED) {
        s.state = SubtaskState.PENDING;
        t.reopened(s);
        s.detail = "";
        List<Assignment> dropped =
            s.assignments.stream()
                .filter(a -> !a.state.open() && a.state != AssignmentState.ACCEPTED)
                .toList();
        s.assignments.removeAll(dropped);
        // and from the database: restored after a restart, they would count as attempts again and
        // keep
        // their providers from this subtask for good
        if (store != null && !dropped.isEmpty()) {
          store.forgetAssignmentsById(t.idHex(), dropped.stream().map(Assignment::idHex).toList());
        }
        effects.changed(t, s, null);
      }
    }
    reopen(t);
    core.judge()
        .maybeFinish(
            t); // nothing to compute again (every subtask accepted): the output is merged again
    return t;
  }

  /** Computes one subtask again; its accepted result is dropped (what was paid stays paid). */
  Subtask restartSubtask(String idHex, String name) {
    Task t = core.known(idHex);
    Subtask s = t.subtasks.get(name);
    if (s == null) throw new IllegalArgumentException("task " + idHex + " has no subtask " + name);
    s.state = SubtaskState.PENDING;
    t.reopened(s);
    s.acceptedDigest = null;
    s.detail = "restarted";
    s.assignments.forEach(Assignment::freeMemory);
    s.assignments.clear();
    if (store != null) store.forgetAssignments(t.idHex(), name);
    effects.changed(t, s, null);
    if (t.state != TaskState.COMPUTING) reopen(t);
    return s;
  }

  /**
   * An ended task computes again: its unpublished resources are published, and it is announced
   * under a fresh id.
   */
  private void reopen(Task t) {
    for (Subtask s : t.subtasks.values()) {
      if (s.published()) continue;
      // the task ended while its resources were still being published
      try {
        s.resourcesCid = publisher.publish(t.plan, s.planned, t.idHex());
      } catch (IOException e) {
        throw new UncheckedIOException(
            "the resources of subtask " + s.name() + " cannot be published", e);
      }
      effects.changed(t, s, null);
    }
    t.state = TaskState.COMPUTING;
    t.detail = "";
    t.merging = false;
    t.header = publisher.reannounced(t);
    core.byWireId.put(HexFormat.of().formatHex(t.header.taskId()), t);
    effects.changed(t, null, null);
    effects.announce(t.header);
  }
}
