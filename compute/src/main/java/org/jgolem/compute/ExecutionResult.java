package org.jgolem.compute;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How a subtask's execution ended.
 *
 * @param failure empty when the program exited 0 within its limits and its output was collected
 * @param exitCode the program's exit status, or empty when it never exited by itself (timeout,
 *     kill, trap)
 * @param outputs the files collected into the spec's output folder, relative paths, sorted
 */
public record ExecutionResult(
    String subtaskId,
    String environment,
    Optional<Failure> failure,
    Optional<Integer> exitCode,
    CapturedLog stdout,
    CapturedLog stderr,
    List<OutputFile> outputs,
    ResourceUsage usage,
    Duration wallTime) {

  /** A typed reason and a message saying what exactly happened. */
  public record Failure(FailureReason reason, String message) {
    public Failure {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
      return reason + ": " + message;
    }
  }

  /** A file in the output folder, its path relative to it ('/' separated) and its size. */
  public record OutputFile(String path, long size) {}

  /**
   * What the subtask used.
   *
   * @param peakMemoryBytes the highest memory use seen, or -1 if the environment cannot tell
   * @param cpuNanos CPU time, or -1 if the environment cannot tell
   */
  public record ResourceUsage(long peakMemoryBytes, long cpuNanos) {
    public static final ResourceUsage UNKNOWN = new ResourceUsage(-1, -1);
  }

  public ExecutionResult {
    Objects.requireNonNull(subtaskId, "subtaskId");
    Objects.requireNonNull(environment, "environment");
    Objects.requireNonNull(failure, "failure");
    Objects.requireNonNull(exitCode, "exitCode");
    Objects.requireNonNull(stdout, "stdout");
    Objects.requireNonNull(stderr, "stderr");
    outputs = List.copyOf(outputs);
    Objects.requireNonNull(usage, "usage");
    Objects.requireNonNull(wallTime, "wallTime");
  }

  public boolean succeeded() {
    return failure.isEmpty();
  }

  /** The failure reason, or null on success. */
  public FailureReason reason() {
    return failure.map(Failure::reason).orElse(null);
  }

  /** A failed result for something that stopped the execution before or while it ran. */
  public static ExecutionResult failed(
      ExecutionSpec spec, String environment, ComputeException e, Duration wallTime) {
    return new ExecutionResult(
        spec.subtaskId(),
        environment,
        Optional.of(new Failure(e.reason(), e.getMessage())),
        Optional.empty(),
        CapturedLog.EMPTY,
        CapturedLog.EMPTY,
        List.of(),
        ResourceUsage.UNKNOWN,
        wallTime);
  }

  @Override
  public String toString() {
    return "ExecutionResult["
        + subtaskId
        + " in "
        + environment
        + ": "
        + failure.map(Failure::toString).orElse("ok")
        + exitCode.map(c -> ", exit " + c).orElse("")
        + ", "
        + outputs.size()
        + " output files, "
        + wallTime.toMillis()
        + " ms]";
  }
}
