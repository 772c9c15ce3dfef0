package org.jgolem.node.market.provider;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jgolem.compute.Execution;
import org.jgolem.eth.Address;
import org.jgolem.node.market.MarketConfig;
import org.jgolem.node.market.Pricing;
import org.jgolem.protocol.messages.market.AckReportComputedTask;
import org.jgolem.protocol.messages.market.CannotComputeTask;
import org.jgolem.protocol.messages.market.RejectReportComputedTask;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.jgolem.protocol.messages.market.SubtaskResultsRejected;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.notes.NoteSigner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider's state machine: the life of each job it takes on (taken on, computed, reported and
 * reported again until acknowledged, settled: accepted, rejected, failed or given up). Events in
 * (assignments, the runner's outcomes, the requestor's answers, timer ticks), decisions and
 * messages out through {@link ProviderEffects}. It does no I/O and starts no thread: the agent runs
 * it on its loop, a unit test calls it directly. The jobs lost in a restart are {@link
 * ProviderRecovery}'s.
 */
final class ProviderCore {
  private static final Logger LOG = LoggerFactory.getLogger(ProviderCore.class);

  /** A reported job with no verdict this long after its deadline is given up. */
  static final Duration VERDICT_GRACE = Duration.ofHours(1);

  /** What an assignment (TaskToCompute) came to. */
  enum Taken {
    /** The same assignment again: nothing new (its report, if any, is sent again). */
    AGAIN,
    /** Refused: the requestor must be told why ({@link Assignment#refusal}). */
    REFUSED,
    /** Taken on: the job is to be fetched and computed ({@link Assignment#job}). */
    TAKEN
  }

  /** The outcome of {@link #assigned}. */
  record Assignment(Taken outcome, String refusal, ProviderJob job) {}

  /** What this provider can take on: its slots and the limits of one subtask. */
  record Capacity(int slots, int cpuCores, long memoryMib) {}

  private final ProviderEffects effects;
  private final ProviderRecovery recovery;
  private final NoteSigner notes;
  private final Address self;
  private final Capacity capacity;
  private final Clock clock;
  private final Duration reportRetry;
  private final Path jobsDir;

  private final Map<String, ProviderJob> jobs = new LinkedHashMap<>();

  /**
   * @param self this provider's node id: the provider an assignment must be addressed to
   * @param jobsDir where each job's folder is ({@code jobsDir/<subtask id>})
   */
  ProviderCore(
      ProviderEffects effects,
      MarketConfig config,
      Address self,
      Capacity capacity,
      Clock clock,
      Path jobsDir) {
    this.effects = effects;
    this.notes = new NoteSigner(config.chainId(), config.depositContract());
    this.self = self;
    this.capacity = capacity;
    this.clock = clock;
    this.reportRetry = config.timings().reportRetry();
    this.jobsDir = jobsDir;
    this.recovery = new ProviderRecovery(effects, clock, reportRetry);
  }

  /** Takes up the jobs a previous run left in the store ({@link ProviderRecovery}). */
  void resume(List<ProviderStore.JobRow> rows) {
    for (ProviderJob job : recovery.resume(rows, jobsDir)) jobs.put(job.idHex(), job);
  }

  /** Jobs taken on and not reported yet: each holds a slot. */
  long computing() {
    return jobs.values().stream().filter(j -> j.report == null).count();
  }

  /**
   * Jobs not yet settled, oldest first: those being computed or reported, then those lost in a
   * restart (state {@code LOST}).
   */
  List<JobSnapshot> snapshots() {
    List<JobSnapshot> out = new ArrayList<>();
    jobs.values().forEach(j -> out.add(j.snapshot()));
    recovery.lost().forEach(j -> out.add(JobSnapshot.of(j, JobSnapshot.LOST)));
    return List.copyOf(out);
  }

  // ------------------------------------------------------------------ taken on

  /**
   * A TaskToCompute from {@code sender}, for the candidate task {@code h} (null if none is known).
   *
   * @param minPrice this provider's price now, wei per hour
   */
  Assignment assigned(Address sender, TaskToCompute ttc, TaskHeader h, BigInteger minPrice) {
    ProviderJob held = jobs.get(HexFormat.of().formatHex(ttc.subtaskId()));
    if (held != null && sender.equals(held.ttc.requestor()) && held.ttc.equals(ttc)) {
      // the same assignment again (a requestor restarted after a crash sends what it may not have
      // sent)
      LOG.debug("Subtask {}: TaskToCompute received again; already {}", held.idHex(), held.state);
      if (held.report != null) sendReport(held);
      return new Assignment(Taken.AGAIN, null, held);
    }
    String refusal = refusal(sender, ttc, h, minPrice);
    if (refusal != null) {
      LOG.warn(
          "TaskToCompute from {} for task {} refused: {}",
          sender,
          HexFormat.of().formatHex(ttc.taskId()),
          refusal);
      return new Assignment(Taken.REFUSED, refusal, null);
    }
    ProviderJob job = new ProviderJob(ttc, h);
    jobs.put(job.idHex(), job);
    job.dir = jobsDir.resolve(job.idHex());
    effects.save(job);
    return new Assignment(Taken.TAKEN, null, job);
  }

  /** Why a TaskToCompute cannot be taken, or null if it can. */
  private String refusal(Address sender, TaskToCompute ttc, TaskHeader h, BigInteger minPrice) {
    if (h == null)
      return "no announced task " + HexFormat.of().formatHex(ttc.taskId()) + " is known here";
    if (!sender.equals(h.requestor()) || !ttc.requestor().equals(h.requestor())) {
      return "not sent by the task's requestor " + h.requestor();
    }
    if (!ttc.provider().equals(self)) return "addressed to another provider";
    if (!ttc.notesSignedByRequestor(notes)) return "promissory notes not signed by the requestor";
    if (jobs.containsKey(HexFormat.of().formatHex(ttc.subtaskId()))) return "subtask already taken";
    var d = ttc.definition();
    if (!d.environment().equals(h.environment()) || !d.image().equals(h.image())) {
      return "definition's environment differs from the announced one";
    }
    BigInteger least = Pricing.subtaskPrice(minPrice, d.limits().timeoutSeconds());
    if (ttc.price().compareTo(least) < 0)
      return "price " + ttc.price() + " below this provider's " + least;
    if (ttc.deadline() < clock.millis() + Math.min(5_000, d.limits().timeoutSeconds() * 1000))
      return "deadline too close";
    if (computing() >= capacity.slots()) return "no free capacity";
    if (d.limits().cpuCores() > capacity.cpuCores()
        || d.limits().memoryMib() > capacity.memoryMib()) return "limits beyond this provider";
    return null;
  }

  /** A task withdrawn: its subtasks being computed are cancelled. */
  void withdrawn(String taskId) {
    for (ProviderJob j : jobs.values()) {
      if (HexFormat.of().formatHex(j.ttc.taskId()).equals(taskId)
          && j.execution != null
          && "COMPUTING".equals(j.state)) {
        LOG.info("Task {} withdrawn: cancelling subtask {}", taskId, j.idHex());
        effects.cancel(j);
      }
    }
  }

  // ------------------------------------------------------------------ computed

  /** The job's sandbox has started. */
  void started(ProviderJob job, Execution execution) {
    job.execution = execution;
    effects.save(job);
  }

  /** The job is computed and its result published: reported (and again, until acknowledged). */
  void reported(ProviderJob job, ReportComputedTask report) {
    job.report = report;
    job.state = "REPORTED";
    effects.save(job);
    sendReport(job);
    effects.offer();
  }

  /** The job could not be fetched or computed: the requestor is told so. */
  void failed(ProviderJob job, CannotComputeTask.Reason reason, String detail) {
    job.state = "FAILED";
    jobs.remove(job.idHex());
    effects.settled(job);
    LOG.info("Subtask {} failed: {} {}", job.idHex(), reason, detail);
    effects.send(
        job.header, new CannotComputeTask(job.ttc.taskId(), job.ttc.subtaskId(), reason, detail));
    effects.cleanup(job);
    effects.offer();
  }

  private void sendReport(ProviderJob job) {
    job.lastReportSent = clock.millis();
    effects.send(job.header, job.report);
  }

  // ------------------------------------------------------------------ reported, settled

  /**
   * The requestor has the report: no more reporting again.
   *
   * @return whether {@code ack} is the requestor's acknowledgement of the job's report (evidence)
   */
  boolean acknowledged(Address sender, AckReportComputedTask ack) {
    ProviderJob job = jobs.get(HexFormat.of().formatHex(ack.subtaskId()));
    if (job != null && job.report != null && sender.equals(job.ttc.requestor())) {
      job.state = "ACKNOWLEDGED";
      return ack.answers(job.report);
    }
    return false;
  }

  /** The job of subtask {@code subtaskId} if it is held (not settled), else null. */
  ProviderJob held(String subtaskId) {
    return jobs.get(subtaskId);
  }

  /** Concent acknowledged the report in the requestor's place: no more reporting again. */
  void acknowledgedByConcent(String subtaskId) {
    ProviderJob job = jobs.get(subtaskId);
    if (job != null && job.report != null) job.state = "ACKNOWLEDGED";
  }

  /**
   * Concent accepted the result in the silent requestor's place: the job is forgotten, and no
   * income is expected from the requestor (Concent pays from its deposit).
   */
  void acceptedByConcent(String subtaskId) {
    ProviderJob job = jobs.remove(subtaskId);
    if (job == null) return;
    effects.settled(job);
    job.state = "ACCEPTED";
    effects.cleanup(job);
    effects.offer();
  }

  /**
   * The result is accepted: the agreed price is recorded as an expected income, then the job is
   * forgotten (in that order: a crash in between reports again, and the income is recorded once by
   * its subtask id).
   */
  boolean accepted(Address sender, SubtaskResultsAccepted a) {
    ProviderJob job = jobs.get(HexFormat.of().formatHex(a.subtaskId()));
    if (job == null
        || job.report == null
        || !sender.equals(job.ttc.requestor())
        || !a.answers(job.report)) return false;
    if (a.price().compareTo(job.ttc.price()) != 0) {
      LOG.warn(
          "Subtask {} accepted at {} instead of the agreed {}: the agreed price is expected",
          job.idHex(),
          a.price(),
          job.ttc.price());
    }
    effects.incomeExpected(job, a.paymentTs() * 1000);
    jobs.remove(job.idHex());
    effects.settled(job);
    job.state = "ACCEPTED";
    effects.cleanup(job);
    effects.offer();
    return true;
  }

  /** The result is rejected: counted against the requestor, and the job forgotten. */
  boolean rejected(Address sender, SubtaskResultsRejected r) {
    ProviderJob job = jobs.get(HexFormat.of().formatHex(r.subtaskId()));
    if (job == null
        || job.report == null
        || !sender.equals(job.ttc.requestor())
        || !r.answers(job.report)) return false;
    LOG.info("Subtask {} rejected: {} {}", job.idHex(), r.reason(), r.detail());
    endRejected(job);
    return true;
  }

  /**
   * The requestor rejected the report itself (its RejectReportComputedTask, which only Concent
   * relays: use case 1): as a rejected result, counted against the requestor and the job forgotten
   * at once.
   */
  boolean reportRejected(Address sender, RejectReportComputedTask r) {
    ProviderJob job = jobs.get(HexFormat.of().formatHex(r.subtaskId()));
    if (job == null
        || job.report == null
        || !sender.equals(job.ttc.requestor())
        || !r.answers(job.report)) return false;
    LOG.info("Subtask {}: report rejected: {}", job.idHex(), r.reason());
    endRejected(job);
    return true;
  }

  /** A rejected job: counted against its requestor, forgotten, its files removed. */
  private void endRejected(ProviderJob job) {
    effects.rejected(job);
    jobs.remove(job.idHex());
    effects.settled(job);
    job.state = "REJECTED";
    effects.cleanup(job);
    effects.offer();
  }

  // ------------------------------------------------------------------ timers

  /**
   * Every tick: lost jobs told, unacknowledged reports sent again every {@code reportRetry}, jobs
   * with no verdict {@link #VERDICT_GRACE} after their deadline given up, and offers made.
   */
  void tick() {
    recovery.tick();
    long now = clock.millis();
    for (ProviderJob j : List.copyOf(jobs.values())) {
      if (j.report != null
          && !"ACKNOWLEDGED".equals(j.state)
          && now - j.lastReportSent > reportRetry.toMillis()) {
        sendReport(j);
      }
      if (j.report != null && now > j.ttc.deadline() + VERDICT_GRACE.toMillis()) {
        LOG.info("Subtask {}: no verdict an hour after its deadline; giving up on it", j.idHex());
        jobs.remove(j.idHex());
        effects.settled(j);
        effects.cleanup(j);
      }
    }
    effects.offer();
  }
}
