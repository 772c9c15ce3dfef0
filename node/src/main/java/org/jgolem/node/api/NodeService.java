package org.jgolem.node.api;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a running node offers its operator: the facade behind the REST API (and so the CLI). Every
 * amount is in token base units (wei) and travels as a decimal string. Failures are {@link
 * ApiException}s with an HTTP status and a message that names what is wrong.
 */
public interface NodeService {

  NodeStatus status();

  /**
   * Validates the task file and starts the task; an invalid file starts nothing (400, every problem
   * listed).
   */
  TaskSummary createTask(Path taskFile) throws ApiException;

  List<TaskSummary> tasks();

  TaskSummary task(String taskId) throws ApiException;

  List<SubtaskSummary> subtasks(String taskId) throws ApiException;

  /**
   * The task's assignments: every computation of one of its subtasks by a provider, whatever became
   * of it.
   */
  List<AssignmentSummary> assignments(String taskId) throws ApiException;

  /**
   * Starts a finished, failed or aborted task again: subtasks without an accepted result are
   * computed anew.
   */
  TaskSummary restartTask(String taskId) throws ApiException;

  /** Recomputes one subtask (its accepted result, if any, is dropped; what was paid stays paid). */
  SubtaskSummary restartSubtask(String taskId, String subtask) throws ApiException;

  /** Stops a task: no new assignments, running ones are cancelled; accepted work is still paid. */
  TaskSummary abortTask(String taskId) throws ApiException;

  List<PeerSummary> peers();

  List<PaymentSummary> payments();

  List<IncomeSummary> incomes();

  AccountSummary account() throws ApiException;

  /**
   * This node's rankings: of the providers it gave work to, then of the requestors it worked for;
   * best first.
   */
  List<ReputationSummary> reputation();

  /** The subtasks this node holds as a provider (empty if it is none). */
  List<JobSummary> providerJobs();

  Map<String, String> settings();

  /** The node's Concent deposit as the chain holds it (409 without a chain). */
  DepositSummary deposit() throws ApiException;

  /**
   * Adds {@code amountWei} (a positive whole number of wei, as a decimal string) of the node's GNT
   * to its Concent deposit, in one transaction; 400 for a malformed amount, 409 when the contract
   * refuses (its decoded reason in the message).
   */
  DepositSummary addToDeposit(String amountWei) throws ApiException;

  /**
   * Starts the withdrawal delay of the deposit; 409 when there is none or it is already unlocked.
   */
  DepositSummary unlockDeposit() throws ApiException;

  /**
   * Withdraws the whole deposit to the node's own address; 409 while it is still locked (the
   * message names the time it unlocks).
   */
  DepositSummary withdrawDeposit() throws ApiException;

  /** Changes one setting; unknown keys and malformed values are refused (400). */
  Map<String, String> updateSetting(String key, String value) throws ApiException;

  /** The node as a whole. */
  record NodeStatus(
      String nodeId,
      String version,
      List<String> roles,
      String p2pEndpoint,
      List<String> environments,
      int peers) {}

  /**
   * @param state CREATED, COMPUTING, FINISHED, FAILED, ABORTED or TIMED_OUT
   * @param progress accepted subtasks / all subtasks, 0..1
   * @param createdAt when the task was created, epoch milliseconds (UTC)
   * @param deadline when the task times out, epoch milliseconds (UTC)
   * @param spent wei paid or owed for accepted work so far
   * @param verificationMs what verifying the results has cost this node so far: wall time of its
   *     own re-renders (a Blender task's spot checks; 0 for task types whose checks only read the
   *     result files)
   */
  record TaskSummary(
      String id,
      String name,
      String type,
      String state,
      int subtasks,
      int subtasksAccepted,
      double progress,
      long createdAt,
      long deadline,
      String outputPath,
      String bidPerHour,
      String spent,
      long verificationMs) {}

  /**
   * @param state PENDING, COMPUTING, VERIFYING, ACCEPTED, FAILED
   * @param providers the providers that computed it (with redundancy, several)
   */
  /**
   * @param covers the task file's subtasks this one assigns together ({@code
   *     subtasks_per_assignment}), in order; empty when it is a single subtask of the file
   * @param concent the Concent state of its latest assignment that went to Concent ({@code STATE}
   *     or {@code STATE(detail)}, e.g. {@code FORCING_RESULT}, {@code REFUSED(TOO_LATE: ...)}),
   *     empty when none did
   */
  record SubtaskSummary(
      String taskId,
      String name,
      String state,
      List<String> providers,
      int attempts,
      String verification,
      String resultCid,
      List<String> covers,
      String concent) {}

  /**
   * One computation of a subtask by a provider, as the requestor keeps it.
   *
   * @param id its wire subtask id (hex): what its promissory notes pay for, the payment's and the
   *     income's {@code subtaskId}
   * @param subtask the name of the subtask it computes
   * @param price the agreed price, wei
   * @param deadline when the requestor stops waiting for the report, epoch milliseconds (UTC)
   * @param state ASSIGNED, REPORTED, CHECKED, ACCEPTED, REJECTED, TIMED_OUT, FAILED, CANCELLED
   * @param detail why it failed, was rejected or cancelled (empty otherwise)
   * @param resultCid the CID its report named, empty before the report
   * @param concent its Concent state ({@code STATE} or {@code STATE(detail)}), empty if none
   */
  record AssignmentSummary(
      String id,
      String taskId,
      String subtask,
      String provider,
      String price,
      long deadline,
      String state,
      String detail,
      String resultCid,
      String concent) {}

  /**
   * The counters of one node in one of this node's rankings.
   *
   * @param role PROVIDER (a provider this node gave work to, as a requestor) or REQUESTOR (a
   *     requestor it worked for)
   * @param score {@code (1 + good) / (2 + good + bad)}, bad counts weighted (0.5 for a stranger)
   */
  record ReputationSummary(
      String role,
      String nodeId,
      double score,
      long accepted,
      long wrong,
      long timeouts,
      long failures,
      long paid,
      long late,
      long rejected) {}

  /**
   * A subtask this node holds as a provider.
   *
   * @param subtaskId the wire subtask id (hex): the requestor's assignment id
   * @param price the agreed price, wei
   * @param deadline when the requestor expects the report, epoch milliseconds (UTC)
   * @param state FETCHING, COMPUTING (its sandbox has started), REPORTED, ACKNOWLEDGED, LOST (lost
   *     in a restart of the node; the requestor is being told)
   * @param resultCid the reported result's CID, empty before the report
   * @param concent its Concent state ({@code STATE} or {@code STATE(detail)}: FORCING_REPORT,
   *     CONCENT_ACK, FORCING_ACCEPTANCE, ACCEPTED_BY_CONCENT, PAID_BY_CONCENT, REFUSED(reason)...),
   *     empty if none
   */
  record JobSummary(
      String subtaskId,
      String taskId,
      String requestor,
      String price,
      long deadline,
      String state,
      String resultCid,
      String concent) {}

  record PeerSummary(String nodeId, String host, int port, boolean outbound) {}

  /**
   * @param status PENDING, IN_BATCH, PAID, HELD_BACK (then {@code detail} says why)
   */
  record PaymentSummary(
      String taskId,
      String subtaskId,
      String payee,
      String amount,
      String status,
      String txHash,
      String detail) {}

  /**
   * @param status EXPECTED, RECEIVED
   * @param concent the subtask's Concent state (e.g. {@code PAID_BY_CONCENT(tx 0x...)}), empty if
   *     none
   */
  record IncomeSummary(
      String subtaskId,
      String payer,
      String amount,
      String status,
      String txHash,
      String concent) {}

  /**
   * The node's Concent deposit.
   *
   * @param balance wei
   * @param state LOCKED (backs tasks with Concent), UNLOCKING (a withdrawal was started; it can be
   *     withdrawn from {@code timelock}), UNLOCKED (it can be withdrawn now)
   * @param timelock 0 while locked, else when it can be withdrawn, seconds since the epoch
   * @param chainTime the latest block's timestamp, seconds: what {@code state} is judged on
   * @param withdrawalDelaySeconds how long after an unlock the deposit can be withdrawn
   * @param reserved wei that open Concent cases hold of the deposit; null while unknown (no Concent
   *     service is configured yet)
   * @param txHash the transaction of the action that answered this (empty for a read)
   */
  record DepositSummary(
      String owner,
      String balance,
      String state,
      long timelock,
      long chainTime,
      long withdrawalDelaySeconds,
      String reserved,
      String txHash) {}

  /**
   * @param reserved wei recorded for accepted work but not yet paid
   */
  record AccountSummary(String address, String gnt, String eth, String reserved) {}
}
