package org.jgolem.node.market.provider;

import java.nio.file.Path;
import java.util.HexFormat;
import org.jgolem.compute.Execution;
import org.jgolem.compute.MemoryFolder;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskToCompute;

/**
 * One subtask this provider took on: the loop's own (readers get {@link JobSnapshot}s). Its states:
 * {@code FETCHING}, {@code COMPUTING} (set by the {@link SubtaskRunner} on its worker), {@code
 * REPORTED}, {@code ACKNOWLEDGED}, and at the end {@code ACCEPTED}, {@code REJECTED} or {@code
 * FAILED}.
 */
final class ProviderJob {
  final TaskToCompute ttc;
  final TaskHeader header;
  volatile String state = "FETCHING";
  ReportComputedTask report;
  long lastReportSent;
  Execution execution;
  Path dir;

  /**
   * The job's folders when they are in memory (a WASM subtask with small inputs), else null: they
   * are in dir.
   */
  volatile MemoryFolder memory;

  ProviderJob(TaskToCompute ttc, TaskHeader header) {
    this.ttc = ttc;
    this.header = header;
  }

  String idHex() {
    return HexFormat.of().formatHex(ttc.subtaskId());
  }

  /**
   * As readers see it: the runner marks a job COMPUTING just before it asks for the sandbox, the
   * loop saves it so once the sandbox has started ({@code execution} set); until then it is still
   * FETCHING.
   */
  JobSnapshot snapshot() {
    return JobSnapshot.of(
        this, "COMPUTING".equals(state) && execution == null ? "FETCHING" : state);
  }
}
