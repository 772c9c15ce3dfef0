package org.jgolem.it.harness;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.jgolem.eth.Address;

/**
 * What a node's REST API (docs/API.md) answers, as typed records: the only place that reads its
 * JSON. Amounts are {@link BigInteger}s of wei, node ids {@link Address}es, states enums; a field
 * the API does not send, or a state it did not document, fails the parse (and so the test) at once.
 */
public final class Views {
  private Views() {}

  /** {@code GET /v1/tasks/{id}}; {@link #equals} compares every field. */
  public record TaskView(
      String id,
      String name,
      String type,
      TaskState state,
      int subtasks,
      int subtasksAccepted,
      double progress,
      long createdAt,
      long deadline,
      String outputPath,
      BigInteger bidPerHour,
      BigInteger spent,
      long verificationMs) {
    public static TaskView of(JsonNode j) {
      return new TaskView(
          text(j, "id"),
          text(j, "name"),
          text(j, "type"),
          TaskState.valueOf(text(j, "state")),
          field(j, "subtasks").asInt(),
          field(j, "subtasksAccepted").asInt(),
          field(j, "progress").asDouble(),
          field(j, "createdAt").asLong(),
          field(j, "deadline").asLong(),
          text(j, "outputPath"),
          wei(j, "bidPerHour"),
          wei(j, "spent"),
          field(j, "verificationMs").asLong());
    }

    public boolean ended() {
      return state != TaskState.COMPUTING && state != TaskState.CREATED;
    }

    /** The short form failure messages use: its state and progress. */
    public String brief() {
      return state + ", " + subtasksAccepted + " of " + subtasks + " subtasks accepted";
    }
  }

  public enum TaskState {
    CREATED,
    COMPUTING,
    FINISHED,
    FAILED,
    ABORTED,
    TIMED_OUT
  }

  /**
   * One of {@code GET /v1/tasks/{id}/subtasks}: {@code providers} are those of all its assignments,
   * {@code attempts} how many.
   */
  public record SubtaskView(
      String taskId,
      String name,
      SubtaskState state,
      List<Address> providers,
      int attempts,
      String verification,
      String resultCid,
      List<String> covers) {
    public static SubtaskView of(JsonNode j) {
      return new SubtaskView(
          text(j, "taskId"),
          text(j, "name"),
          SubtaskState.valueOf(text(j, "state")),
          list(field(j, "providers"), p -> Address.of(p.asText())),
          field(j, "attempts").asInt(),
          text(j, "verification"),
          text(j, "resultCid"),
          list(field(j, "covers"), JsonNode::asText));
    }
  }

  public enum SubtaskState {
    PENDING,
    COMPUTING,
    VERIFYING,
    ACCEPTED,
    FAILED
  }

  /**
   * One of {@code GET /v1/tasks/{id}/assignments}: a computation of subtask {@code subtask} by
   * {@code provider}, as the requestor keeps it; {@code id} is its wire id (the ledger's and the
   * incomes' {@code subtaskId}).
   */
  public record Assignment(
      String id,
      String taskId,
      String subtask,
      Address provider,
      BigInteger price,
      long deadline,
      AssignmentState state,
      String detail,
      String resultCid,
      String concent) {
    public static Assignment of(JsonNode j) {
      return new Assignment(
          text(j, "id"),
          text(j, "taskId"),
          text(j, "subtask"),
          Address.of(text(j, "provider")),
          wei(j, "price"),
          field(j, "deadline").asLong(),
          AssignmentState.valueOf(text(j, "state")),
          text(j, "detail"),
          text(j, "resultCid"),
          optional(j, "concent"));
    }
  }

  public enum AssignmentState {
    ASSIGNED,
    REPORTED,
    CHECKED,
    ACCEPTED,
    REJECTED,
    TIMED_OUT,
    FAILED,
    CANCELLED
  }

  /**
   * One of {@code GET /v1/reputation}: the counters of node {@code nodeId} in one of the node's
   * rankings ({@code PROVIDER}: a provider it gave work to; {@code REQUESTOR}: a requestor it
   * worked for), and its score by them.
   */
  public record Ranking(
      RankingRole role,
      Address nodeId,
      double score,
      long accepted,
      long wrong,
      long timeouts,
      long failures,
      long paid,
      long late,
      long rejected) {
    public static Ranking of(JsonNode j) {
      return new Ranking(
          RankingRole.valueOf(text(j, "role")),
          Address.of(text(j, "nodeId")),
          field(j, "score").asDouble(),
          field(j, "accepted").asLong(),
          field(j, "wrong").asLong(),
          field(j, "timeouts").asLong(),
          field(j, "failures").asLong(),
          field(j, "paid").asLong(),
          field(j, "late").asLong(),
          field(j, "rejected").asLong());
    }
  }

  public enum RankingRole {
    PROVIDER,
    REQUESTOR
  }

  /**
   * One of {@code GET /v1/provider/jobs}: a subtask a provider holds; {@code subtaskId} is the
   * requestor's assignment id.
   */
  public record Job(
      String subtaskId,
      String taskId,
      Address requestor,
      BigInteger price,
      long deadline,
      JobState state,
      String resultCid,
      String concent) {
    public static Job of(JsonNode j) {
      return new Job(
          text(j, "subtaskId"),
          text(j, "taskId"),
          Address.of(text(j, "requestor")),
          wei(j, "price"),
          field(j, "deadline").asLong(),
          JobState.valueOf(text(j, "state")),
          text(j, "resultCid"),
          optional(j, "concent"));
    }
  }

  /**
   * {@code COMPUTING}: its sandbox has started; {@code LOST}: lost in a restart, the requestor
   * being told.
   */
  public enum JobState {
    FETCHING,
    COMPUTING,
    REPORTED,
    ACKNOWLEDGED,
    LOST
  }

  /**
   * A line of the requestor's payment ledger ({@code GET /v1/payments}); {@code subtaskId} is the
   * assignment's wire id.
   */
  public record Payment(
      String taskId,
      String subtaskId,
      Address payee,
      BigInteger amount,
      PaymentStatus status,
      String txHash,
      String detail) {
    public static Payment of(JsonNode j) {
      return new Payment(
          text(j, "taskId"),
          text(j, "subtaskId"),
          Address.of(text(j, "payee")),
          wei(j, "amount"),
          PaymentStatus.valueOf(text(j, "status")),
          text(j, "txHash"),
          text(j, "detail"));
    }

    public boolean paid() {
      return status == PaymentStatus.PAID;
    }
  }

  /**
   * The lines of a requestor's payment ledger for one task, and who paid them.
   *
   * @param payer the requestor (the {@code from} of the GNT {@code Transfer}s on chain)
   */
  public record Ledger(Address payer, String taskId, List<Payment> payments) {
    public static Ledger of(NodeProcess requestor, String taskId) {
      return new Ledger(
          requestor.id(),
          taskId,
          requestor.api().payments().stream().filter(p -> p.taskId().equals(taskId)).toList());
    }

    public boolean allPaid() {
      return payments.stream().allMatch(Payment::paid);
    }

    public List<Payment> paid() {
      return payments.stream().filter(Payment::paid).toList();
    }

    public BigInteger total() {
      return payments.stream().map(Payment::amount).reduce(BigInteger.ZERO, BigInteger::add);
    }

    /** The batch transactions that paid it. */
    public java.util.Set<String> transactions() {
      return payments.stream().map(Payment::txHash).collect(java.util.stream.Collectors.toSet());
    }

    public int size() {
      return payments.size();
    }
  }

  public enum PaymentStatus {
    PENDING,
    IN_BATCH,
    PAID,
    HELD_BACK
  }

  /**
   * A provider's income ({@code GET /v1/incomes}): {@code subtaskId} is the assignment's wire id,
   * as in the ledger.
   */
  public record Income(
      String subtaskId,
      Address payer,
      BigInteger amount,
      IncomeStatus status,
      String txHash,
      String concent) {
    public static Income of(JsonNode j) {
      return new Income(
          text(j, "subtaskId"),
          Address.of(text(j, "payer")),
          wei(j, "amount"),
          IncomeStatus.valueOf(text(j, "status")),
          text(j, "txHash"),
          optional(j, "concent"));
    }
  }

  public enum IncomeStatus {
    EXPECTED,
    RECEIVED
  }

  /** {@code GET /v1/status}. */
  public record NodeStatus(
      Address nodeId,
      String version,
      List<String> roles,
      String p2pEndpoint,
      List<String> environments,
      int peers) {
    public static NodeStatus of(JsonNode j) {
      return new NodeStatus(
          Address.of(text(j, "nodeId")),
          text(j, "version"),
          list(field(j, "roles"), JsonNode::asText),
          text(j, "p2pEndpoint"),
          list(field(j, "environments"), JsonNode::asText),
          field(j, "peers").asInt());
    }
  }

  /**
   * An error answer: {@code error} (e.g. {@code bad_request}), {@code message}, and {@code details}
   * (one per problem).
   */
  public record ApiError(String error, String message, List<String> details) {
    public static ApiError of(JsonNode j) {
      JsonNode d = j.get("details");
      return new ApiError(
          text(j, "error"), text(j, "message"), d == null ? List.of() : list(d, JsonNode::asText));
    }
  }

  /** Every element of a JSON array, read by {@code read}. */
  public static <T> List<T> list(JsonNode array, Function<JsonNode, T> read) {
    if (!array.isArray()) throw new AssertionError("expected a JSON array, got " + array);
    List<T> out = new ArrayList<>();
    array.forEach(e -> out.add(read.apply(e)));
    return List.copyOf(out);
  }

  private static JsonNode field(JsonNode j, String name) {
    JsonNode v = j.get(name);
    if (v == null || v.isNull())
      throw new AssertionError("the API sent no \"" + name + "\" in " + j);
    return v;
  }

  private static String text(JsonNode j, String name) {
    return field(j, name).asText();
  }

  /** A field the API leaves out or sends null when there is nothing to say (Concent's state). */
  private static String optional(JsonNode j, String name) {
    JsonNode v = j.get(name);
    return v == null || v.isNull() ? "" : v.asText();
  }

  private static BigInteger wei(JsonNode j, String name) {
    return new BigInteger(text(j, name));
  }
}
