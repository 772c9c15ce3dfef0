package org.jgolem.tasks.definition;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A task file that cannot be used; nothing was started. The message lists every problem with its
 * JSON path.
 */
public final class TaskFileException extends Exception {
  private final transient List<Problems.Problem> problems;

  public TaskFileException(String file, List<Problems.Problem> problems) {
    super(
        "invalid task file "
            + file
            + ":\n  "
            + problems.stream()
                .map(Problems.Problem::toString)
                .collect(Collectors.joining("\n  ")));
    this.problems = List.copyOf(problems);
  }

  public List<Problems.Problem> problems() {
    return problems;
  }
}
