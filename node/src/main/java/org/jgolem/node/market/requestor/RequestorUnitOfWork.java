package org.jgolem.node.market.requestor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jgolem.node.market.requestor.RequestorModel.Assignment;
import org.jgolem.node.market.requestor.RequestorModel.Subtask;
import org.jgolem.node.market.requestor.RequestorModel.Task;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one loop event changed and produced: the changed tasks, subtasks and assignments are written
 * in one transaction at the event's end, and only then do the messages it produced leave (its
 * outbox), so that nothing a provider receives (an assignment, a verdict) is unknown to a requestor
 * restarted after a crash.
 */
final class RequestorUnitOfWork {
  private static final Logger LOG = LoggerFactory.getLogger(RequestorUnitOfWork.class);

  private static final class Dirty {
    final Set<Subtask> subtasks = new LinkedHashSet<>();
    final Set<Assignment> assignments = new LinkedHashSet<>();
  }

  /** Null: nothing is saved (a requestor without a database). */
  private final RequestorStore store;

  /** Where reported results can be fetched from, by assignment id: saved with their assignments. */
  private final Map<String, String> sources;

  private final Map<Task, Dirty> dirty = new LinkedHashMap<>();
  private final List<Runnable> outbox = new ArrayList<>();

  RequestorUnitOfWork(RequestorStore store, Map<String, String> sources) {
    this.store = store;
    this.sources = sources;
  }

  /** Marks what must be saved (a null subtask or assignment: only the task). */
  void changed(Task t, Subtask s, Assignment a) {
    Dirty d = dirty.computeIfAbsent(t, x -> new Dirty());
    if (s != null) d.subtasks.add(s);
    if (a != null) d.assignments.add(a);
  }

  /** Queues a message (or any send) until the event's changes are saved. */
  void queue(Runnable send) {
    outbox.add(send);
  }

  /** At the end of every event: saves what it changed, then sends what it produced. */
  void commit() {
    flush();
    if (outbox.isEmpty()) return;
    List<Runnable> out = List.copyOf(outbox);
    outbox.clear();
    for (Runnable r : out) r.run();
  }

  /**
   * Writes what the event changed; a failed write is logged loudly and retried with the next
   * change.
   */
  private void flush() {
    if (store == null || dirty.isEmpty()) {
      dirty.clear();
      return;
    }
    for (var it = dirty.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      try {
        store.save(
            row(e.getKey()),
            e.getValue().subtasks.stream().map(RequestorUnitOfWork::row).toList(),
            e.getValue().assignments.stream().map(this::row).toList());
        it.remove();
      } catch (RuntimeException ex) {
        LOG.error("Could not save task {}: {}", e.getKey().idHex(), ex.toString());
      }
    }
  }

  private static RequestorStore.TaskRow row(Task t) {
    return new RequestorStore.TaskRow(
        t.idHex(),
        t.file.file(),
        t.workDir,
        t.state.name(),
        t.detail,
        t.createdAt,
        t.header,
        t.output == null ? null : t.output.toString());
  }

  private static RequestorStore.SubtaskRow row(Subtask s) {
    return new RequestorStore.SubtaskRow(
        s.name(),
        s.state.name(),
        s.resourcesCid,
        s.recompute,
        s.acceptedDigest,
        s.localDigest,
        s.detail);
  }

  private RequestorStore.AssignmentRow row(Assignment a) {
    return new RequestorStore.AssignmentRow(
        a.id,
        a.subtask,
        a.provider,
        a.price,
        a.deadline,
        a.state.name(),
        a.ttc,
        a.report,
        a.digest,
        a.result == null ? null : a.result.toString(),
        sources.get(a.idHex()),
        a.detail,
        a.acceptedAt);
  }
}
