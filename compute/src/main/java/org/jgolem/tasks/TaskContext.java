package org.jgolem.tasks;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.jgolem.compute.TaskComputer;

/**
 * What the requestor lends a template for checking results on its own machine: its task computer
 * (the environments this node runs subtasks in, with their whitelists and limits), if it has one,
 * and a scratch folder of the task's own. A template whose check must compute something (Blender
 * re-renders crops of each tile) runs it here; templates whose check only looks at files ignore the
 * context.
 *
 * @param scratch a folder for the task's checks (created on demand; each check should use a
 *     sub-folder of its own, since checks of different results run concurrently)
 * @param computer the requestor's task computer, empty when this node computes nothing
 */
public record TaskContext(Path scratch, Optional<TaskComputer> computer) {

  public TaskContext {
    Objects.requireNonNull(scratch, "scratch");
    Objects.requireNonNull(computer, "computer");
  }

  /** A context without local computing (checks that need it cannot run). */
  public static TaskContext withoutComputer(Path scratch) {
    return new TaskContext(scratch, Optional.empty());
  }
}
