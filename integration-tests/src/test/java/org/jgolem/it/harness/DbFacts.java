package org.jgolem.it.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.jgolem.eth.Address;
import org.jgolem.it.harness.Condition.Outcome;
import org.jgolem.it.harness.Views.Ledger;
import org.jgolem.it.harness.Views.Payment;
import org.jgolem.node.reputation.Reputation;

/**
 * The facts a test needs that only a node's own database holds: the REST API does not expose them. Each is a
 * named condition here, and no test reads a database otherwise (the queries are in {@link NodeDb}):
 *
 * <ul>
 *   <li>the requestor's <b>assignments</b> (one per computation of a subtask by a provider): their wire ids (the
 *       ledger's and the incomes' {@code subtaskId}), provider, agreed price, deadline, state ({@code TIMED_OUT},
 *       {@code REJECTED}, {@code CANCELLED}...) and detail. {@code GET /v1/tasks/{id}/subtasks} tells per subtask
 *       only its distinct providers and how many assignments it had;
 *   <li>the requestor's <b>ranking</b> of providers (the reputation counters: accepted, wrong, timeouts, failures);
 *   <li>a provider's <b>jobs</b> and their states (e.g. {@code COMPUTING} once its sandbox has started).
 * </ul>
 */
public final class DbFacts {
  private DbFacts() {}

  /** One assignment of a subtask to a provider, as the requestor keeps it; {@code id} is its wire id. */
  public record Assignment(String id, String taskId, String subtask, Address provider, BigInteger price, long deadline,
      AssignmentState state, String detail) {}

  /** The states of an assignment in the requestor's database. */
  public enum AssignmentState { ASSIGNED, REPORTED, CHECKED, ACCEPTED, REJECTED, TIMED_OUT, FAILED, CANCELLED }

  /** The counters of the requestor's ranking of a provider. */
  public record Ranking(long accepted, long wrong, long timeouts, long failures) {
    /** The requestor's score of the provider, by the node's own formula. */
    public double score() {
      return new Reputation.Counters(accepted, wrong, timeouts, failures, 0, 0, 0).score();
    }
  }

  // ------------------------------------------------------------------------------------------------ requestor

  /** The requestor's assignments of task {@code taskId} (in the order made) meet {@code test}; gives them. */
  public static Condition<NodeProcess, List<Assignment>> assignments(String taskId, String what,
      Predicate<List<Assignment>> test) {
    return Condition.that("the assignments of task " + taskId + " " + what, r -> new NodeDb(r).assignments(taskId), test);
  }

  /** The assignment with wire id {@code id} meets {@code test}; gives it. */
  public static Condition<NodeProcess, Assignment> assignment(String taskId, String id, String what,
      Predicate<Assignment> test) {
    return Condition.that("assignment " + id + " " + what, r -> new NodeDb(r).assignments(taskId).stream()
        .filter(a -> a.id().equals(id)).findFirst().orElse(null), a -> a != null && test.test(a));
  }

  /** The (first) other assignment of {@code lost}'s subtask meets {@code test}; gives it. */
  public static Condition<NodeProcess, Assignment> reassignmentOf(Assignment lost, String what,
      Predicate<Assignment> test) {
    return Condition.that("subtask " + lost.subtask() + " given again, " + what, r -> new NodeDb(r)
        .assignments(lost.taskId()).stream().filter(a -> a.subtask().equals(lost.subtask()) && !a.id().equals(lost.id()))
        .findFirst().orElse(null), a -> a != null && test.test(a));
  }

  /**
   * The requestor's side of "paid exactly once": its ledger for the task pays exactly its accepted assignments,
   * each once, to its provider, at its agreed (positive) price, and is PAID with a transaction. The chain's side is
   * {@link Conditions#paidExactlyOnce}. Gives the accepted assignments.
   */
  public static Condition<NodeProcess, List<Assignment>> paysExactlyTheAcceptedAssignments(Ledger ledger) {
    return Condition.of("the ledger of task " + ledger.taskId() + " paying exactly its accepted assignments", r -> {
      List<Assignment> accepted = new NodeDb(r).assignments(ledger.taskId()).stream()
          .filter(a -> a.state() == AssignmentState.ACCEPTED).toList();
      assertThat(accepted).as("accepted assignments").isNotEmpty();
      List<String> paidIds = ledger.payments().stream().map(Payment::subtaskId).toList();
      assertThat(paidIds).as("no subtask is in the ledger twice").doesNotHaveDuplicates();
      assertThat(paidIds).as("the ledger pays exactly the accepted assignments")
          .containsExactlyInAnyOrderElementsOf(accepted.stream().map(Assignment::id).toList());
      Map<String, Assignment> byId = new HashMap<>();
      accepted.forEach(a -> byId.put(a.id(), a));
      for (Payment p : ledger.payments()) {
        Assignment a = byId.get(p.subtaskId());
        assertThat(p.payee()).as("payee of " + p.subtaskId()).isEqualTo(a.provider());
        assertThat(p.amount()).as("amount of " + p.subtaskId()).isEqualTo(a.price()).isPositive();
        assertThat(p.paid()).as("status of " + p).isTrue();
        assertThat(p.txHash()).startsWith("0x");
      }
      return Outcome.met(accepted);
    });
  }

  /** The requestor's ranking of {@code provider} meets {@code test}; gives it. */
  public static Condition<NodeProcess, Ranking> ranking(Address provider, String what, Predicate<Ranking> test) {
    return Condition.that("the ranking of " + provider + " " + what, r -> new NodeDb(r).providerReputation(provider)
        .orElse(null), k -> k != null && test.test(k));
  }

  // ------------------------------------------------------------------------------------------------ provider

  /** The provider has a job COMPUTING: its sandbox has started on it. Gives the job's subtask id (the wire id). */
  public static Condition<NodeProcess, String> computingASubtask() {
    return Condition.of("a subtask computing in the sandbox", p -> {
      NodeDb db = new NodeDb(p);
      String computing = db.providerJobs("COMPUTING").stream().findFirst().orElse(null);
      return computing != null ? Outcome.met(computing) : Outcome.unmet(() -> "jobs " + db.providerJobs());
    });
  }

  /** The provider holds no job: none in its database, no job folder on disk. Gives nothing. */
  public static Condition<NodeProcess, Void> holdsNoJob() {
    return Condition.of("no job held (database and folders)", p -> {
      List<String> jobs = new NodeDb(p).providerJobs();
      List<Path> folders = jobFolders(p);
      return jobs.isEmpty() && folders.isEmpty() ? Outcome.met(null)
          : Outcome.unmet("folders " + folders + ", jobs " + jobs);
    });
  }

  /** The provider's job folders (one per subtask it holds). */
  private static List<Path> jobFolders(NodeProcess provider) {
    Path jobs = provider.dataDir().resolve("provider").resolve("jobs");
    if (!Files.isDirectory(jobs)) return List.of();
    try (Stream<Path> s = Files.list(jobs)) {
      return s.toList();
    } catch (IOException e) {
      return List.of(jobs);
    }
  }
}
