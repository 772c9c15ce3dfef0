package org.jgolem.node.market.provider;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jgolem.protocol.messages.market.CannotComputeTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a provider does with the jobs a previous run left in its {@link ProviderStore}: a reported
 * result is reported again until the requestor's verdict comes (its files stay pinned in the
 * resource store); a subtask that was being fetched or computed when the node stopped is lost, and
 * the requestor is told so (CannotComputeTask), so that it can give the subtask to another provider
 * without waiting for the deadline. Like {@link ProviderCore} it does no I/O: it runs on the
 * agent's loop and asks for everything through {@link ProviderEffects}.
 *
 * <p>CannotComputeTask has no answer, and right after a start the session to the requestor may not
 * be up yet (or be replaced by the one discovery opens): so the notice is sent {@value #NOTICES}
 * times, {@code reportRetry} apart, once a session is up (the requestor ignores repeats); while
 * there is no session the requestor is dialled every {@code reportRetry}.
 */
final class ProviderRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(ProviderRecovery.class);

  static final int NOTICES = 5;

  /**
   * A job lost in a restart: how many notices are left, and when the last notice or dial was made.
   */
  private static final class LostJob {
    final ProviderJob job;
    int noticesLeft = NOTICES;
    long lastAttempt;

    LostJob(ProviderJob job) {
      this.job = job;
    }
  }

  private final ProviderEffects effects;
  private final Clock clock;
  private final Duration retry;

  /** Jobs lost in a restart, still to be reported as not computed. */
  private final List<LostJob> lost = new ArrayList<>();

  ProviderRecovery(ProviderEffects effects, Clock clock, Duration retry) {
    this.effects = effects;
    this.clock = clock;
    this.retry = retry;
  }

  /**
   * Takes up the store's rows: returns the reported jobs, to be reported again; the others are lost
   * (their files removed, the requestor to be told).
   *
   * @param jobsDir where each job's folder is ({@code jobsDir/<subtask id>})
   */
  List<ProviderJob> resume(List<ProviderStore.JobRow> rows, Path jobsDir) {
    List<ProviderJob> reported = new ArrayList<>();
    for (ProviderStore.JobRow row : rows) {
      ProviderJob job = new ProviderJob(row.ttc(), row.header());
      job.dir = jobsDir.resolve(job.idHex());
      if (row.report() != null) {
        job.report = row.report();
        job.state = "REPORTED";
        reported.add(job);
        LOG.info(
            "Subtask {}: reported before the restart; reporting again until the requestor decides",
            job.idHex());
      } else {
        LOG.info(
            "Subtask {}: was {} when the node stopped; telling the requestor it is not computed",
            job.idHex(),
            row.state());
        job.state = row.state();
        lost.add(new LostJob(job));
        effects.cleanup(job);
      }
    }
    return reported;
  }

  /** The lost jobs whose requestor is still being told. */
  List<ProviderJob> lost() {
    return lost.stream().map(l -> l.job).toList();
  }

  /**
   * On each tick: tells the requestors of lost jobs (or dials them), and forgets a lost job once it
   * is told {@value #NOTICES} times or is past its deadline.
   */
  void tick() {
    long now = clock.millis();
    for (var it = lost.iterator(); it.hasNext(); ) {
      LostJob l = it.next();
      if (now > l.job.ttc.deadline()) {
        // past its deadline the requestor has given up on it anyway
        it.remove();
        effects.settled(l.job);
        continue;
      }
      if (l.noticesLeft < NOTICES && now - l.lastAttempt < retry.toMillis()) continue;
      CannotComputeTask notice =
          new CannotComputeTask(
              l.job.ttc.taskId(),
              l.job.ttc.subtaskId(),
              CannotComputeTask.Reason.OTHER,
              "the provider restarted while the subtask was "
                  + l.job.state.toLowerCase(Locale.ROOT));
      if (!effects.sendIfConnected(l.job.ttc.requestor(), notice)) {
        if (now - l.lastAttempt >= retry.toMillis()) {
          l.lastAttempt = now;
          effects.dial(l.job.header);
        }
        continue;
      }
      l.lastAttempt = now;
      if (--l.noticesLeft == 0) {
        it.remove();
        effects.settled(l.job);
      }
    }
  }
}
