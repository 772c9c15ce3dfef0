package org.jgolem.tasks;

import java.nio.file.Path;
import org.jgolem.tasks.definition.TaskFile;
import org.jgolem.tasks.definition.TaskFileException;

/**
 * A task type (the service-provider interface; implementations are listed in {@code
 * META-INF/services/org.jgolem.tasks.TaskTemplate} and found by {@link TaskTemplates}). A template
 * validates its {@code options}, splits the task into subtasks with their resources, checks results
 * and merges them.
 */
public interface TaskTemplate {

  /** The task file's {@code type} this template handles. */
  String type();

  /**
   * Validates the task file's options (every problem named by JSON path) and plans the subtasks.
   *
   * @param staging a folder of the requestor's where the template may lay out per-subtask resources
   */
  TaskPlan plan(TaskFile file, Path staging) throws TaskFileException;

  /**
   * As {@link #plan(TaskFile, Path)}, with what the requestor lends the plan's checks: its task
   * computer and a scratch folder. The requestor calls this one; templates whose check only looks
   * at the result's files need not override it.
   */
  default TaskPlan plan(TaskFile file, Path staging, TaskContext context) throws TaskFileException {
    return plan(file, staging);
  }
}
