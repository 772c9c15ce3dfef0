package org.jgolem.node.api;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a running node offers its operator: the facade behind the REST API (and so the CLI). Every
 * amount is in token base units (wei) and travels as a decimal string. Failures are {@link ApiException}s
 * with an HTTP status and a message that names what is wrong.
 */
public interface NodeService {

  NodeStatus status();

  /** Validates the task file and starts the task; an invalid file starts nothing (400, every problem listed). */
  TaskSummary createTask(Path taskFile) throws ApiException;

  List<TaskSummary> tasks();

  TaskSummary task(String taskId) throws ApiException;

  List<SubtaskSummary> subtasks(String taskId) throws ApiException;

  /** Starts a finished, failed or aborted task again: subtasks without an accepted result are computed anew. */
  TaskSummary restartTask(String taskId) throws ApiException;

  /** Recomputes one subtask (its accepted result, if any, is dropped; what was paid stays paid). */
  SubtaskSummary restartSubtask(String taskId, String subtask) throws ApiException;

  /** Stops a task: no new assignments, running ones are cancelled; accepted work is still paid. */
  TaskSummary abortTask(String taskId) throws ApiException;

  List<PeerSummary> peers();

  List<PaymentSummary> payments();

  List<IncomeSummary> incomes();

  AccountSummary account() throws ApiException;

  Map<String, String> settings();

  /** Changes one setting; unknown keys and malformed values are refused (400). */
  Map<String, String> updateSetting(String key, String value) throws ApiException;

  /** The node as a whole. */
  record NodeStatus(String nodeId, String version, List<String> roles, String p2pEndpoint, List<String> environments,
      int peers) {}

  /**
   * @param state CREATED, COMPUTING, FINISHED, FAILED, ABORTED or TIMED_OUT
   * @param progress accepted subtasks / all subtasks, 0..1
   * @param createdAt when the task was created, epoch milliseconds (UTC)
   * @param deadline when the task times out, epoch milliseconds (UTC)
   * @param spent wei paid or owed for accepted work so far
   * @param verificationMs what verifying the results has cost this node so far: wall time of its own re-renders
   *     (a Blender task's spot checks; 0 for task types whose checks only read the result files)
   */
  record TaskSummary(String id, String name, String type, String state, int subtasks, int subtasksAccepted,
      double progress, long createdAt, long deadline, String outputPath, String bidPerHour, String spent,
      long verificationMs) {}

  /**
   * @param state PENDING, COMPUTING, VERIFYING, ACCEPTED, FAILED
   * @param providers the providers that computed it (with redundancy, several)
   */
  /**
   * @param covers the task file's subtasks this one assigns together ({@code subtasks_per_assignment}), in order; empty
   *     when it is a single subtask of the file
   */
  record SubtaskSummary(String taskId, String name, String state, List<String> providers, int attempts,
      String verification, String resultCid, List<String> covers) {}

  record PeerSummary(String nodeId, String host, int port, boolean outbound) {}

  /** @param status PENDING, IN_BATCH, PAID, HELD_BACK (then {@code detail} says why) */
  record PaymentSummary(String taskId, String subtaskId, String payee, String amount, String status, String txHash,
      String detail) {}

  /** @param status EXPECTED, RECEIVED */
  record IncomeSummary(String subtaskId, String payer, String amount, String status, String txHash) {}

  /** @param reserved wei recorded for accepted work but not yet paid */
  record AccountSummary(String address, String gnt, String eth, String reserved) {}
}
