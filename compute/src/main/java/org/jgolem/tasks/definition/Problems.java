package org.jgolem.tasks.definition;

import java.util.ArrayList;
import java.util.List;

/** Collects every problem found in a task file, each with the JSON path of the value at fault. */
public final class Problems {
  /** One problem: where ({@code $.options.subtasks.s1.exec_args[0]}) and what is wrong. */
  public record Problem(String path, String reason) {
    @Override
    public String toString() {
      return path + ": " + reason;
    }
  }

  private final List<Problem> problems = new ArrayList<>();

  public void add(String path, String reason) {
    problems.add(new Problem(path, reason));
  }

  public boolean isEmpty() {
    return problems.isEmpty();
  }

  public List<Problem> list() {
    return List.copyOf(problems);
  }

  /** Throws if anything was found. */
  public void throwIfAny(String file) throws TaskFileException {
    if (!problems.isEmpty()) throw new TaskFileException(file, list());
  }
}
