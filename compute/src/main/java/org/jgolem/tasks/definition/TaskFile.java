package org.jgolem.tasks.definition;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A task file's common part, validated (Golem's format: {@code type}, {@code name}, {@code
 * timeout}, {@code subtask_timeout}, {@code subtasks_count}, {@code bid}, {@code resources}, {@code
 * options}). The {@code options} object is the task type's own and is validated by its template.
 *
 * @param file the task file, absolute
 * @param bidPerHour the most the requestor pays per hour of a provider's work, in token base units
 *     (GNT wei)
 * @param subtasksCount as written, if written (a gWASM file may derive it from its subtasks)
 * @param resources resource paths, resolved against the task file's folder and known to exist
 * @param verification as written, if written; the template's defaults apply otherwise
 */
public record TaskFile(
    Path file,
    String type,
    String name,
    Duration timeout,
    Duration subtaskTimeout,
    Optional<Integer> subtasksCount,
    BigInteger bidPerHour,
    List<Path> resources,
    ObjectNode options,
    boolean concentEnabled,
    Optional<Verification> verification) {

  /**
   * How results are checked.
   *
   * @param redundancy providers that compute each subtask (1 = no redundancy; k ≥ 2 compares output
   *     hashes)
   * @param recomputeFraction the share of subtasks the requestor recomputes itself (0..1)
   */
  public record Verification(int redundancy, double recomputeFraction) {
    public static final int MAX_REDUNDANCY = 8;

    public Verification {
      if (redundancy < 1 || redundancy > MAX_REDUNDANCY) {
        throw new IllegalArgumentException(
            "redundancy must be 1.." + MAX_REDUNDANCY + ", got " + redundancy);
      }
      if (!(recomputeFraction >= 0 && recomputeFraction <= 1)) {
        throw new IllegalArgumentException(
            "recomputeFraction must be in 0..1, got " + recomputeFraction);
      }
    }
  }

  public TaskFile {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(subtaskTimeout, "subtaskTimeout");
    Objects.requireNonNull(subtasksCount, "subtasksCount");
    Objects.requireNonNull(bidPerHour, "bidPerHour");
    resources = List.copyOf(resources);
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(verification, "verification");
  }

  /** The folder relative paths in the file are resolved against. */
  public Path baseDir() {
    return file.getParent();
  }
}
