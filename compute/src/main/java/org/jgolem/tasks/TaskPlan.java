package org.jgolem.tasks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jgolem.tasks.definition.TaskFile;

/**
 * A validated task, split into subtasks, with the template's checks and merge. The task manager
 * drives it: publishes each subtask's resources, assigns, collects results, compares redundant
 * results, calls {@link #check} and finally {@link #merge}.
 */
public interface TaskPlan {

  TaskFile file();

  List<PlannedSubtask> subtasks();

  /**
   * Makes the resources folder of {@code subtask} ready, for templates that stage it only when it
   * is needed (its inputs were checked at planning, so this fails only on a file system error). The
   * task manager calls it before it publishes or computes a subtask; it may be called again, from
   * any thread.
   */
  default void prepare(PlannedSubtask subtask) throws IOException {}

  /**
   * How results are verified when the task file does not say (redundancy, local recompute share).
   */
  TaskFile.Verification defaultVerification();

  /**
   * The template's own check of one result folder (the files the provider sent back): the expected
   * files are there, nothing else is, and they are well-formed for this kind of task. A check that
   * must compute (Blender re-renders crops) does so through the {@link TaskContext} given at
   * planning. It runs on a worker thread, concurrently with other checks; an IOException means the
   * check could not be done.
   */
  Verdict check(PlannedSubtask subtask, Path result) throws IOException;

  /**
   * The wall time this task's checks have spent computing on the requestor so far (Blender's
   * re-rendered crops); zero for templates whose checks only look at files.
   */
  default java.time.Duration verificationTime() {
    return java.time.Duration.ZERO;
  }

  /**
   * Writes the task's output from the accepted result folder of every subtask (by subtask name).
   */
  Path merge(Map<String, Path> accepted) throws IOException;
}
