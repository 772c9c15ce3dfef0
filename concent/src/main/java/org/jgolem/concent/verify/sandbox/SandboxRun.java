package org.jgolem.concent.verify.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jgolem.compute.Execution;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.FailureReason;
import org.jgolem.compute.Programs;
import org.jgolem.compute.TaskComputer;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled.NeutralReason;
import org.jgolem.protocol.messages.market.SubtaskDefinition;

/**
 * One run of a subtask in Concent's sandbox, the way a provider starts it ({@link
 * Programs#execute}, under the provider's id {@link Programs#runId}, so a WASM run sees the same
 * virtual clock and random), bounded by Concent's own time limit: past it the run is stopped.
 */
final class SandboxRun {
  private SandboxRun() {}

  /** Concent could not run the subtask for a reason of its own: the judgement is neutral. */
  static final class ConcentFailure extends Exception {
    private static final long serialVersionUID = 1L;
    final transient NeutralReason reason;

    ConcentFailure(NeutralReason reason, String message) {
      super(message);
      this.reason = reason;
    }
  }

  /**
   * Runs {@code d} with {@code resources}, {@code work} and {@code output}; returns its result, a
   * failure of the subtask's own included.
   *
   * @throws ConcentFailure when Concent's engine failed or {@code timeLimit} passed (the run is
   *     stopped first)
   */
  static ExecutionResult run(
      TaskComputer computer,
      byte[] subtaskId,
      SubtaskDefinition d,
      Path resources,
      Path work,
      Path output,
      Duration timeLimit)
      throws ConcentFailure {
    Execution x;
    try {
      x = Programs.execute(computer, Programs.runId(subtaskId), d, resources, work, output, null);
    } catch (IllegalArgumentException e) {
      // the requestor's definition cannot be run at all (its own rules passed): nothing to judge by
      throw new ConcentFailure(
          NeutralReason.CONCENT_ERROR, "the subtask cannot be started: " + e.getMessage());
    }
    ExecutionResult r;
    try {
      r = x.result().get(Math.max(1, timeLimit.toMillis()), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      stop(x);
      throw new ConcentFailure(
          NeutralReason.TIMEOUT,
          "Concent's re-computation did not end within its time limit of "
              + timeLimit.toMillis()
              + " ms; the run was stopped");
    } catch (InterruptedException e) {
      x.cancel();
      Thread.currentThread().interrupt();
      throw new ConcentFailure(NeutralReason.CONCENT_ERROR, "Concent was interrupted");
    } catch (ExecutionException e) {
      throw new ConcentFailure(
          NeutralReason.ENGINE_UNAVAILABLE, "the sandbox failed: " + e.getCause());
    }
    if (!r.succeeded() && concentsOwn(d, r.reason())) {
      throw new ConcentFailure(
          r.reason() == FailureReason.CANCELLED
              ? NeutralReason.TIMEOUT
              : NeutralReason.ENGINE_UNAVAILABLE,
          "Concent's sandbox could not run the subtask: " + r.failure().orElseThrow());
    }
    return r;
  }

  /** Cancels {@code x} and waits a little for it to end, so that its sandbox is gone. */
  private static void stop(Execution x) {
    x.cancel();
    try {
      x.result().get(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // it ends on its own; the judgement is neutral either way
    }
  }

  /** How long a stopped run is given to end. */
  static final Duration STOP_WAIT = Duration.ofSeconds(10);

  /**
   * Whether a failure is Concent's rather than the subtask's: its engine or image, its own
   * environment, or a run cancelled (only Concent cancels). A WASM binary missing from the
   * resources the requestor signed is the subtask's (a provider could not have run it either).
   */
  static boolean concentsOwn(SubtaskDefinition d, FailureReason reason) {
    return switch (reason) {
      case ENGINE_UNAVAILABLE, ENVIRONMENT_ERROR, IMAGE_NOT_ALLOWED, CANCELLED -> true;
      case IMAGE_MISSING -> d.environment().equals("docker");
      default -> false;
    };
  }
}
