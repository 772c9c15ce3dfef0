package org.jgolem.node.concent;

import java.util.Map;
import java.util.Optional;

/** Each subtask's Concent state, kept across restarts (SQLite in the node: {@code node.store}). */
public interface ConcentStates {
  /** Sets the subtask's state (the last one set is its state). */
  void set(String subtaskId, ConcentStatus status);

  Optional<ConcentStatus> get(String subtaskId);

  /** Every subtask that has a state, by its id (hex). */
  Map<String, ConcentStatus> all();
}
