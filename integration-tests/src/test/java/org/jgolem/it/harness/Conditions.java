package org.jgolem.it.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.jgolem.chain.contracts.GntToken;
import org.jgolem.eth.Address;
import org.jgolem.it.harness.Condition.Outcome;
import org.jgolem.it.harness.Views.Assignment;
import org.jgolem.it.harness.Views.AssignmentState;
import org.jgolem.it.harness.Views.Income;
import org.jgolem.it.harness.Views.IncomeStatus;
import org.jgolem.it.harness.Views.Job;
import org.jgolem.it.harness.Views.JobState;
import org.jgolem.it.harness.Views.Ledger;
import org.jgolem.it.harness.Views.NodeStatus;
import org.jgolem.it.harness.Views.Payment;
import org.jgolem.it.harness.Views.Ranking;
import org.jgolem.it.harness.Views.RankingRole;
import org.jgolem.it.harness.Views.SubtaskState;
import org.jgolem.it.harness.Views.SubtaskView;
import org.jgolem.it.harness.Views.TaskState;
import org.jgolem.it.harness.Views.TaskView;

/**
 * The conditions the whole-network tests speak in, on what a node's REST API and the chain tell:
 *
 * <pre>{@code
 * TaskView t = requestor.verify(task(id).finished().within(Duration.ofMinutes(2)));
 * requestor.verify(task(id).everySubtask(accepted(), verifiedAs("2 results agree"), assignedTimes(2)));
 * Ledger ledger = requestor.verify(allPaid(id).within(Duration.ofSeconds(60)));
 * net.chain().verify(paidExactlyOnce(ledger, before));
 * provider.verify(receivedItsIncomes(ledger).within(Duration.ofSeconds(60)));
 * requestor.verify(ranking(liar.id(), "counting a wrong result", r -> r.wrong() == 1));
 * String subtaskId = provider.verify(computingASubtask().within(Duration.ofSeconds(60)));
 * }</pre>
 *
 * No condition reads a node's database: the requestor's assignments, its ranking of providers and a
 * provider's jobs are in the API too. One looks at a node's data folder: {@link #holdsNoJob} (that
 * a job's folder was deleted).
 */
public final class Conditions {
  private Conditions() {}

  /** A named property of a {@code T}, for {@link TaskOf#everySubtask} and the like. */
  public record Expect<T>(String what, Predicate<? super T> test) {}

  // ------------------------------------------------------------------------------------------------ nodes

  /** The node knows at least {@code n} peers. */
  public static Condition<NodeProcess, NodeStatus> connectedTo(int n) {
    return Condition.that(
        "connected to " + n + " peers", node -> node.api().status(), s -> s.peers() >= n);
  }

  /**
   * The node's log holds {@code text} (e.g. what it says when it does something the API does not
   * show).
   */
  public static Condition<NodeProcess, Void> logged(String text) {
    return Condition.of(
        "a log line with \"" + text + "\"",
        n ->
            n.log().contains(text)
                ? Outcome.met(null)
                : Outcome.unmet(() -> "the last log lines:\n" + n.logTail(20)));
  }

  // ------------------------------------------------------------------------------------------------ tasks

  /** Conditions on the requestor's task {@code id}. */
  public static TaskOf task(String id) {
    return new TaskOf(id);
  }

  public static final class TaskOf {
    private final String id;

    TaskOf(String id) {
      this.id = id;
    }

    /**
     * It has ended FINISHED; a task that ends otherwise fails this at once, with its subtasks and
     * the requestor's log.
     */
    public Condition<NodeProcess, TaskView> finished() {
      return Condition.of(
          "task " + id + " FINISHED",
          r -> {
            TaskView t = r.api().task(id);
            if (t.state() == TaskState.FINISHED) return Outcome.met(t);
            if (t.ended())
              throw new AssertionError("task " + id + " expected FINISHED, ended " + t + story(r));
            return Outcome.unmet(() -> "was " + t.brief() + story(r));
          });
    }

    /** It has ended, whichever way (finished, failed, aborted, timed out). */
    public Condition<NodeProcess, TaskView> ended() {
      return Condition.of(
          "task " + id + " ended",
          r -> {
            TaskView t = r.api().task(id);
            return t.ended() ? Outcome.met(t) : Outcome.unmet(() -> "was " + t.brief() + story(r));
          });
    }

    /** It is {@code what} now: {@code test} holds of it. */
    public Condition<NodeProcess, TaskView> is(String what, Predicate<TaskView> test) {
      return Condition.that("task " + id + " " + what, r -> r.api().task(id), test);
    }

    /**
     * It is still computing, and {@code test} holds of it; a task that has ended fails this at
     * once.
     */
    public Condition<NodeProcess, TaskView> computing(String what, Predicate<TaskView> test) {
      return Condition.of(
          "task " + id + " computing, " + what,
          r -> {
            TaskView t = r.api().task(id);
            if (t.state() != TaskState.COMPUTING)
              throw new AssertionError("task " + id + " ended before " + what + ": " + t);
            return test.test(t) ? Outcome.met(t) : Outcome.unmet("was " + t.brief());
          });
    }

    /** Every subtask meets every expectation; gives the subtasks. */
    @SafeVarargs
    public final Condition<NodeProcess, List<SubtaskView>> everySubtask(
        Expect<SubtaskView>... expectations) {
      List<Expect<SubtaskView>> all = List.of(expectations);
      String what = String.join(", ", all.stream().map(Expect::what).toList());
      return Condition.of(
          "every subtask of task " + id + " " + what,
          r -> {
            List<SubtaskView> subtasks = r.api().subtasks(id);
            List<String> wrong = new ArrayList<>();
            for (SubtaskView s : subtasks) {
              for (Expect<SubtaskView> e : all)
                if (!e.test().test(s)) wrong.add(s.name() + " not " + e.what() + ": " + s);
            }
            if (subtasks.isEmpty()) wrong.add("the task has no subtasks");
            return wrong.isEmpty()
                ? Outcome.met(subtasks)
                : Outcome.unmet(String.join("\n", wrong));
          });
    }

    /** Its subtasks (taken together) meet {@code test}. */
    public Condition<NodeProcess, List<SubtaskView>> subtasks(
        String what, Predicate<List<SubtaskView>> test) {
      return Condition.that(
          "the subtasks of task " + id + " " + what, r -> r.api().subtasks(id), test);
    }

    private String story(NodeProcess requestor) {
      return "\nsubtasks: "
          + requestor.api().subtasks(id)
          + "\nthe requestor's last log lines:\n"
          + requestor.logTail(15);
    }
  }

  public static Expect<SubtaskView> accepted() {
    return new Expect<>("ACCEPTED", s -> s.state() == SubtaskState.ACCEPTED);
  }

  /** Its verification note starts with {@code prefix} (e.g. "2 results agree"). */
  public static Expect<SubtaskView> verifiedAs(String prefix) {
    return new Expect<>(
        "verified as \"" + prefix + "...\"", s -> s.verification().startsWith(prefix));
  }

  /** Its verification note is exactly {@code note}. */
  public static Expect<SubtaskView> verifiedExactlyAs(String note) {
    return new Expect<>("verified as \"" + note + "\"", s -> s.verification().equals(note));
  }

  /** It was assigned {@code n} times (its assignments, whatever became of them). */
  public static Expect<SubtaskView> assignedTimes(int n) {
    return new Expect<>("assigned " + n + " times", s -> s.attempts() == n);
  }

  /** {@code n} distinct providers were given it. */
  public static Expect<SubtaskView> givenTo(int n) {
    return new Expect<>("given to " + n + " providers", s -> s.providers().size() == n);
  }

  /** An accepted result, by its CID. */
  public static Expect<SubtaskView> withResult() {
    return new Expect<>("with a result CID", s -> !s.resultCid().isEmpty());
  }

  // ------------------------------------------------------------------------------------------------ assignments

  /**
   * The requestor's assignments of task {@code taskId} ({@code GET /v1/tasks/{id}/assignments})
   * meet {@code test}.
   */
  public static Condition<NodeProcess, List<Assignment>> assignments(
      String taskId, String what, Predicate<List<Assignment>> test) {
    return Condition.that(
        "the assignments of task " + taskId + " " + what, r -> r.api().assignments(taskId), test);
  }

  /** The assignment with wire id {@code id} meets {@code test}; gives it. */
  public static Condition<NodeProcess, Assignment> assignment(
      String taskId, String id, String what, Predicate<Assignment> test) {
    return Condition.that(
        "assignment " + id + " " + what,
        r ->
            r.api().assignments(taskId).stream()
                .filter(a -> a.id().equals(id))
                .findFirst()
                .orElse(null),
        a -> a != null && test.test(a));
  }

  /** The (first) other assignment of {@code lost}'s subtask meets {@code test}; gives it. */
  public static Condition<NodeProcess, Assignment> reassignmentOf(
      Assignment lost, String what, Predicate<Assignment> test) {
    return Condition.that(
        "subtask " + lost.subtask() + " given again, " + what,
        r ->
            r.api().assignments(lost.taskId()).stream()
                .filter(a -> a.subtask().equals(lost.subtask()) && !a.id().equals(lost.id()))
                .findFirst()
                .orElse(null),
        a -> a != null && test.test(a));
  }

  /**
   * The requestor's ranking of {@code provider} ({@code GET /v1/reputation}, role PROVIDER) meets
   * {@code test}.
   */
  public static Condition<NodeProcess, Ranking> ranking(
      Address provider, String what, Predicate<Ranking> test) {
    return Condition.that(
        "the ranking of " + provider + " " + what,
        r ->
            r.api().reputation().stream()
                .filter(k -> k.role() == RankingRole.PROVIDER && k.nodeId().equals(provider))
                .findFirst()
                .orElse(null),
        k -> k != null && test.test(k));
  }

  // ------------------------------------------------------------------------------------------------ provider jobs

  /**
   * The provider has a job COMPUTING: its sandbox has started on it. Gives the job's subtask id
   * (the wire id).
   */
  public static Condition<NodeProcess, String> computingASubtask() {
    return Condition.of(
        "a subtask computing in the sandbox",
        p -> {
          List<Job> jobs = p.api().providerJobs();
          return jobs.stream()
              .filter(j -> j.state() == JobState.COMPUTING)
              .findFirst()
              .map(j -> Outcome.met(j.subtaskId()))
              .orElseGet(() -> Outcome.unmet("jobs " + jobs));
        });
  }

  /**
   * The provider holds no job: its API lists none, and no job folder is left on disk. The folders
   * are the one fact a test reads from a node's data folder: a job is forgotten at once, its folder
   * deleted afterwards on a worker, and the API has nothing to say about a folder that is gone.
   */
  public static Condition<NodeProcess, Void> holdsNoJob() {
    return Condition.of(
        "no job held (API and folders)",
        p -> {
          List<Job> jobs = p.api().providerJobs();
          List<Path> folders = jobFolders(p);
          return jobs.isEmpty() && folders.isEmpty()
              ? Outcome.met(null)
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

  // ------------------------------------------------------------------------------------------------ payments

  /**
   * Every accepted assignment of task {@code taskId} is in the requestor's ledger and PAID: every
   * line PAID, and together they come to what the task says it spent (the agreed prices of its
   * accepted assignments). Gives the ledger.
   */
  public static Condition<NodeProcess, Ledger> allPaid(String taskId) {
    return Condition.of(
        "every accepted subtask of " + taskId + " paid",
        r -> {
          Ledger l = Ledger.of(r, taskId);
          BigInteger spent = r.api().task(taskId).spent();
          return l.allPaid() && l.total().equals(spent)
              ? Outcome.met(l)
              : Outcome.unmet("the task spent " + spent + "; the ledger " + l.payments());
        });
  }

  /**
   * The requestor's side of "paid exactly once": its ledger for the task pays exactly its accepted
   * assignments, each once, to its provider, at its agreed (positive) price, and is PAID with a
   * transaction. The chain's side is {@link #paidExactlyOnce}. Gives the accepted assignments.
   */
  public static Condition<NodeProcess, List<Assignment>> paysExactlyTheAcceptedAssignments(
      Ledger ledger) {
    return Condition.of(
        "the ledger of task " + ledger.taskId() + " paying exactly its accepted assignments",
        r -> {
          List<Assignment> accepted =
              r.api().assignments(ledger.taskId()).stream()
                  .filter(a -> a.state() == AssignmentState.ACCEPTED)
                  .toList();
          assertThat(accepted).as("accepted assignments").isNotEmpty();
          List<String> paidIds = ledger.payments().stream().map(Payment::subtaskId).toList();
          assertThat(paidIds).as("no subtask is in the ledger twice").doesNotHaveDuplicates();
          assertThat(paidIds)
              .as("the ledger pays exactly the accepted assignments")
              .containsExactlyInAnyOrderElementsOf(accepted.stream().map(Assignment::id).toList());
          Map<String, Assignment> byId = new HashMap<>();
          accepted.forEach(a -> byId.put(a.id(), a));
          for (Payment p : ledger.payments()) {
            Assignment a = byId.get(p.subtaskId());
            assertThat(p.payee()).as("payee of " + p.subtaskId()).isEqualTo(a.provider());
            assertThat(p.amount())
                .as("amount of " + p.subtaskId())
                .isEqualTo(a.price())
                .isPositive();
            assertThat(p.paid()).as("status of " + p).isTrue();
            assertThat(p.txHash()).startsWith("0x");
          }
          return Outcome.met(accepted);
        });
  }

  /**
   * Some accepted work of task {@code taskId} is PAID (its batch confirmed on chain). Gives the
   * ledger.
   */
  public static Condition<NodeProcess, Ledger> someWorkPaid(String taskId) {
    return Condition.that(
        "some work of task " + taskId + " paid",
        r -> Ledger.of(r, taskId),
        l -> !l.paid().isEmpty());
  }

  /** The requestor's ledger for {@code taskId} has grown to {@code size} lines, every one PAID. */
  public static Condition<NodeProcess, Ledger> ledgerPaid(String taskId, int size) {
    return Condition.that(
        size + " payments for task " + taskId + ", all PAID",
        r -> Ledger.of(r, taskId),
        l -> l.size() == size && l.allPaid());
  }

  /**
   * On chain: no subtask twice in the ledger, every payment PAID, and each provider's GNT balance
   * rise and {@code Transfer} logs from the requestor equal what the ledger says it was paid, one
   * {@code Transfer} per (payee, batch transaction). The ledger must hold everything the requestor
   * paid these providers since {@code before} was read (one task at a time). Gives what each
   * provider was paid.
   *
   * @param before each provider's GNT balance before the task
   */
  public static Condition<TestChain, Map<Address, BigInteger>> paidExactlyOnce(
      Ledger ledger, Map<Address, BigInteger> before) {
    return Condition.of(
        "the ledger of task " + ledger.taskId() + " paid exactly once on chain",
        chain -> {
          List<Payment> lines = ledger.payments();
          assertThat(lines.stream().map(Payment::subtaskId).toList())
              .as("no subtask is in the ledger twice")
              .doesNotHaveDuplicates();
          assertThat(lines)
              .as("every payment paid")
              .allMatch(p -> p.paid() && p.txHash().startsWith("0x"));
          Map<Address, BigInteger> paid = new TreeMap<>();
          lines.forEach(p -> paid.merge(p.payee(), p.amount(), BigInteger::add));
          assertThat(paid.keySet()).as("payees").isSubsetOf(before.keySet());
          for (Address provider : before.keySet()) {
            BigInteger expected = paid.getOrDefault(provider, BigInteger.ZERO);
            assertThat(chain.gnt(provider).subtract(before.get(provider)))
                .as("GNT balance rise of " + provider)
                .isEqualTo(expected);
            List<GntToken.IncomingTransfer> in =
                chain.transfersTo(provider).stream()
                    .filter(t -> t.from().equals(ledger.payer()))
                    .toList();
            assertThat(
                    in.stream()
                        .map(GntToken.IncomingTransfer::value)
                        .reduce(BigInteger.ZERO, BigInteger::add))
                .as("Transfer logs from the requestor to " + provider)
                .isEqualTo(expected);
            Set<String> txs = new HashSet<>();
            lines.stream()
                .filter(p -> p.payee().equals(provider))
                .forEach(p -> txs.add(p.txHash()));
            assertThat(in.stream().map(GntToken.IncomingTransfer::transactionHash).toList())
                .as("one Transfer to " + provider + " per batch transaction of the ledger")
                .containsExactlyInAnyOrderElementsOf(txs);
          }
          return Outcome.met(paid);
        });
  }

  /**
   * The provider's incomes for the ledger's lines paid to it are all RECEIVED, each of the ledger's
   * amount (an income of another amount fails this at once). Gives those incomes.
   */
  public static Condition<NodeProcess, List<Income>> receivedItsIncomes(Ledger ledger) {
    return Condition.of(
        "the incomes of task " + ledger.taskId() + " received",
        provider -> {
          List<Payment> mine =
              ledger.payments().stream().filter(p -> p.payee().equals(provider.id())).toList();
          List<Income> incomes = provider.api().incomes();
          List<Income> out = new ArrayList<>();
          for (Payment p : mine) {
            Income i =
                incomes.stream()
                    .filter(x -> x.subtaskId().equals(p.subtaskId()))
                    .findFirst()
                    .orElse(null);
            if (i == null || i.status() != IncomeStatus.RECEIVED)
              return Outcome.unmet("incomes " + incomes);
            if (!i.amount().equals(p.amount()))
              throw new AssertionError("income " + i + " differs from the ledger's " + p);
            out.add(i);
          }
          return Outcome.met(out);
        });
  }

  /**
   * The provider's income for the subtask {@code subtaskId} (the wire id) is {@code what}: {@code
   * test} holds of it. Gives the income.
   */
  public static Condition<NodeProcess, Income> income(
      String subtaskId, String what, Predicate<Income> test) {
    return Condition.of(
        "the income of " + subtaskId + " " + what,
        provider -> {
          List<Income> incomes = provider.api().incomes();
          return incomes.stream()
              .filter(i -> i.subtaskId().equals(subtaskId) && test.test(i))
              .findFirst()
              .map(Outcome::met)
              .orElseGet(() ->
                  Outcome.unmet(() ->
                      "incomes "
                          + incomes
                          + ", jobs "
                          + provider.api().providerJobs()
                          + "\nthe last log lines:\n"
                          + provider.logTail(15)));
        });
  }
}
