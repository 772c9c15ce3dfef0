package org.jgolem.node.market.requestor;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.tasks.PlannedSubtask;
import org.jgolem.tasks.TaskPlan;
import org.jgolem.tasks.definition.TaskFile;

/**
 * The requestor's live view of its tasks: mutated only on the agent's loop thread, and so
 * package-private. Readers on other threads get {@link TaskSnapshot}s; the states below are public
 * for them.
 */
public final class RequestorModel {
  private RequestorModel() {}

  public enum TaskState {
    COMPUTING,
    FINISHED,
    FAILED,
    ABORTED,
    TIMED_OUT
  }

  public enum SubtaskState {
    PENDING,
    COMPUTING,
    VERIFYING,
    ACCEPTED,
    FAILED
  }

  public enum AssignmentState {
    /** TaskToCompute sent; waiting for the report. */
    ASSIGNED,
    /** Reported; the result is being fetched and checked. */
    REPORTED,
    /** Fetched and checked by the template; its digest waits for agreement. */
    CHECKED,
    ACCEPTED,
    REJECTED,
    TIMED_OUT,
    FAILED,
    CANCELLED;

    public boolean open() {
      return this == ASSIGNED || this == REPORTED || this == CHECKED;
    }
  }

  /**
   * One computation of one subtask by one provider; its id is the wire subtaskId its notes pay for.
   */
  static final class Assignment {
    final byte[] id;
    final String subtask;
    final Address provider;
    final BigInteger price;
    final long deadline;
    final TaskToCompute ttc;
    AssignmentState state = AssignmentState.ASSIGNED;
    ReportComputedTask report;
    byte[] digest;

    /**
     * Where the result is kept on disk (persisted); while {@link #memory} holds it, it is not
     * written there.
     */
    Path result;

    /**
     * A small checked result kept in memory instead of on disk until the task is merged (null when
     * on disk, or freed): writing every file and folder of a small result to disk costs more CPU
     * than the rest of its handling. A restarted requestor writes it to {@link #result} again from
     * its CID.
     */
    org.jgolem.compute.MemoryFolder memory;

    String detail = "";

    /**
     * When it was accepted, in ms (0 until then): the payment_ts its SubtaskResultsAccepted
     * carries.
     */
    long acceptedAt;

    Assignment(
        byte[] id,
        String subtask,
        Address provider,
        BigInteger price,
        long deadline,
        TaskToCompute ttc) {
      this.id = id;
      this.subtask = subtask;
      this.provider = provider;
      this.price = price;
      this.deadline = deadline;
      this.ttc = ttc;
    }

    String idHex() {
      return HexFormat.of().formatHex(id);
    }

    /** The checked copy of the result: in memory, or at {@link #result}. */
    Path copy() {
      return memory != null ? memory.root().resolve("result") : result;
    }

    /** Frees the in-memory copy, if any (only when nothing will read it again). */
    void freeMemory() {
      if (memory != null) memory.close();
      memory = null;
    }
  }

  static final class Subtask {
    final PlannedSubtask planned;

    /**
     * The CID of its resources; empty until they are published (see {@code RequestorAgent.create}).
     */
    String resourcesCid;

    boolean recompute;
    SubtaskState state = SubtaskState.PENDING;
    final List<Assignment> assignments = new ArrayList<>();
    byte[] acceptedDigest;
    byte[] localDigest;
    String detail = "";

    /** Its place in the task's order (set when the task first lists them in order). */
    int index = -1;

    Subtask(PlannedSubtask planned, String resourcesCid, boolean recompute) {
      this.planned = planned;
      this.resourcesCid = resourcesCid;
      this.recompute = recompute;
    }

    String name() {
      return planned.name();
    }

    /** Whether its resources are published, so that it can be assigned. */
    boolean published() {
      return !resourcesCid.isEmpty();
    }

    /**
     * Whether {@code provider} is done with this subtask: it holds it or gave a result for it
     * (results must come from distinct providers), timed out on it, or said twice that it cannot
     * compute it. After one reported failure (a restart, a lost download) it may take the subtask
     * again.
     */
    boolean computedBy(Address provider) {
      long failed = 0;
      for (Assignment a : assignments) {
        if (!a.provider.equals(provider)) continue;
        if (a.state != AssignmentState.FAILED) return true;
        failed++;
      }
      return failed >= 2;
    }

    long open() {
      return assignments.stream().filter(a -> a.state.open()).count();
    }

    Assignment acceptedResult() {
      return assignments.stream()
          .filter(a -> a.state == AssignmentState.ACCEPTED && a.result != null)
          .findFirst()
          .orElse(null);
    }
  }

  static final class Task {
    final byte[] id;
    final TaskFile file;
    final TaskPlan plan;
    TaskHeader header;
    final TaskFile.Verification verification;
    final long createdAt;
    final Path workDir;
    final Map<String, Subtask> subtasks = new LinkedHashMap<>();
    TaskState state = TaskState.COMPUTING;
    Path output;
    String detail = "";

    /**
     * A merge of the accepted results has been started: a later event (a redundant result checked
     * after its subtask was accepted, a report said again after a restart) must not start a second
     * one, which would rewrite the output files under the first (seen: a file missing just as the
     * task was reported finished).
     */
    boolean merging;

    /**
     * Read back from the database after a restart: its result folders, written as scratch copies,
     * are checked against their digests before the merge, and written again from the store (or the
     * provider) if damaged.
     */
    boolean restored;

    /** The subtasks in order, once all are added. */
    private List<Subtask> order;

    /**
     * How many leading subtasks (in order) are settled, accepted or failed, as far as the agent has
     * looked: where the search for a subtask that needs a provider starts, so that it does not walk
     * past thousands of settled subtasks for every offer. Lowered whenever a subtask at or before
     * it is open again.
     */
    int settledPrefix;

    Task(
        byte[] id,
        TaskFile file,
        TaskPlan plan,
        TaskHeader header,
        TaskFile.Verification verification,
        long createdAt,
        Path workDir) {
      this.id = id;
      this.file = file;
      this.plan = plan;
      this.header = header;
      this.verification = verification;
      this.createdAt = createdAt;
      this.workDir = workDir;
    }

    String idHex() {
      return HexFormat.of().formatHex(id);
    }

    /** The subtasks in their order (fixed once the task is planned or restored). */
    List<Subtask> ordered() {
      if (order == null || order.size() != subtasks.size()) {
        order = List.copyOf(subtasks.values());
        for (int i = 0; i < order.size(); i++) order.get(i).index = i;
      }
      return order;
    }

    /** Moves the settled prefix past every subtask now accepted or failed; returns it. */
    int advanceSettled() {
      List<Subtask> o = ordered();
      int i = Math.min(settledPrefix, o.size());
      while (i < o.size()
          && (o.get(i).state == SubtaskState.ACCEPTED || o.get(i).state == SubtaskState.FAILED))
        i++;
      settledPrefix = i;
      return i;
    }

    /**
     * Called when a subtask is open again (restarted, or not accepted after all): the search must
     * see it.
     */
    void reopened(Subtask s) {
      ordered();
      settledPrefix = Math.min(settledPrefix, Math.max(0, s.index));
    }

    long accepted() {
      return subtasks.values().stream().filter(s -> s.state == SubtaskState.ACCEPTED).count();
    }

    BigInteger spent() {
      return subtasks.values().stream()
          .flatMap(s -> s.assignments.stream())
          .filter(a -> a.state == AssignmentState.ACCEPTED)
          .map(a -> a.price)
          .reduce(BigInteger.ZERO, BigInteger::add);
    }
  }
}
