package org.jgolem.concent.service;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import org.jgolem.concent.cases.CaseState;
import org.jgolem.concent.cases.SubtaskCase;
import org.jgolem.concent.verify.Dispute;
import org.jgolem.concent.verify.Judgement;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled.Method;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled.NeutralReason;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the re-computations of the cases in ADDITIONAL_VERIFICATION on the executor given from
 * outside, never on a request thread, each case at most once at a time in this process. The
 * judgement is applied in one transaction, and only to the case as it was when the run started
 * (same version): a timeout applied meanwhile (NEUTRAL, TIMEOUT) wins and the late judgement is
 * dropped. {@link #resume} re-runs, after a restart, every case left in ADDITIONAL_VERIFICATION:
 * nothing was decided for them, so nothing is lost and nothing paid twice.
 */
final class VerificationRuns {
  private static final Logger LOG = LoggerFactory.getLogger(VerificationRuns.class);
  private static final SecureRandom SEEDS = new SecureRandom();

  private final Parts p;
  private final AdditionalVerification av;
  private final VerificationVerdicts verdicts;
  private final Set<String> running = ConcurrentHashMap.newKeySet();

  VerificationRuns(Parts parts, AdditionalVerification av, VerificationVerdicts verdicts) {
    this.p = parts;
    this.av = av;
    this.verdicts = verdicts;
  }

  /** Submits every case in ADDITIONAL_VERIFICATION that is not running here. */
  int resume() {
    List<SubtaskCase> waiting =
        p.store().transaction(tx -> tx.casesIn(CaseState.ADDITIONAL_VERIFICATION, 1000));
    int n = 0;
    for (SubtaskCase c : waiting) {
      if (submit(c)) {
        n++;
      }
    }
    return n;
  }

  /** Submits the re-computation of {@code c}; false if it runs already. */
  boolean submit(SubtaskCase c) {
    String key = key(c);
    if (!running.add(key)) {
      return false;
    }
    try {
      av.executor()
          .execute(() -> {
            try {
              run(c);
            } finally {
              running.remove(key);
            }
          });
      return true;
    } catch (RejectedExecutionException e) {
      running.remove(key);
      LOG.warn("the re-computation of {} is not taken now; retried at the next tick", c, e);
      return false;
    }
  }

  private void run(SubtaskCase c) {
    Judgement j;
    try {
      TaskToCompute ttc = p.stored(c, MessageType.TASK_TO_COMPUTE, TaskToCompute.class);
      ReportComputedTask rct =
          p.stored(c, MessageType.REPORT_COMPUTED_TASK, ReportComputedTask.class);
      VerificationFiles.Folders f =
          av.files()
              .prepare(
                  c.subtaskIdHex(),
                  c.resultCid(),
                  org.jgolem.protocol.messages.concent.AckSubtaskResultsVerify.resourceCidsOf(ttc));
      Duration limit = p.windows().verificationTime(c.assignedAt(), c.computeDeadline());
      j =
          av.recomputer()
              .judge(
                  new Dispute(
                      ttc, rct, f.resources(), f.result(), f.work(), limit, SEEDS.nextLong()));
    } catch (Exception | StackOverflowError e) {
      LOG.warn("the re-computation of {} failed on Concent's side", c, e);
      j =
          Judgement.neutral(
              Method.NONE,
              NeutralReason.CONCENT_ERROR,
              "Concent's re-computation failed: " + e.getClass().getSimpleName(),
              List.of());
    }
    Judgement judged = j;
    try {
      p.store()
          .transaction(tx -> {
            Optional<SubtaskCase> now = tx.findCase(c.requestor(), c.subtaskId());
            if (now.isEmpty()
                || now.get().state() != CaseState.ADDITIONAL_VERIFICATION
                || now.get().version() != c.version()) {
              LOG.info("{} was decided meanwhile; its late judgement is dropped", c);
              return null;
            }
            verdicts.apply(tx, now.get(), judged, p.now());
            return null;
          });
    } catch (RuntimeException e) {
      LOG.warn("the judgement of {} is not applied now; it is re-run", c, e);
    }
  }

  /** The re-computation ran out of its time (plus a CMT): NEUTRAL, TIMEOUT. */
  void timeout(ConcentTx tx, SubtaskCase c, long now) {
    verdicts.apply(
        tx,
        c,
        Judgement.neutral(
            Method.NONE,
            NeutralReason.TIMEOUT,
            "the re-computation did not end by " + c.nextDeadline(),
            List.of()),
        now);
  }

  private static String key(SubtaskCase c) {
    return c.requestor() + "/" + c.subtaskIdHex();
  }
}
