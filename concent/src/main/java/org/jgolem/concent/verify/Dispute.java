package org.jgolem.concent.verify;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.TaskToCompute;

/**
 * What Concent re-computes: the subtask as the requestor signed it, the provider's report, and the
 * uploaded files, each already checked against the CIDs the parties signed.
 *
 * @param taskToCompute the requestor's assignment (its definition says what to run and how to
 *     check)
 * @param report the provider's report (its result CID and size)
 * @param resources the task's resources as uploaded, unpacked into a folder (read only to the run)
 * @param result the provider's result as uploaded, unpacked into a folder
 * @param work a fresh folder the re-computation may write into (its own outputs, crops)
 * @param timeLimit how long the re-computation may take, all runs together
 * @param seed the seed of every random choice Concent makes (e.g. Blender's crops), recorded so an
 *     auditor can make the same choice again; chosen by Concent and shown to no party before the
 *     verdict
 */
public record Dispute(
    TaskToCompute taskToCompute,
    ReportComputedTask report,
    Path resources,
    Path result,
    Path work,
    Duration timeLimit,
    long seed) {
  public Dispute {
    Objects.requireNonNull(taskToCompute, "taskToCompute");
    Objects.requireNonNull(report, "report");
    Objects.requireNonNull(resources, "resources");
    Objects.requireNonNull(result, "result");
    Objects.requireNonNull(work, "work");
    Objects.requireNonNull(timeLimit, "timeLimit");
    if (timeLimit.isNegative() || timeLimit.isZero()) {
      throw new IllegalArgumentException("timeLimit must be positive: " + timeLimit);
    }
  }
}
