package org.jgolem.compute;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A running subtask. {@link #result()} completes exactly once; {@link #cancel()} may be called at
 * any point, from any thread, any number of times: the environment stops the subtask, cleans up,
 * and the result completes with {@link FailureReason#CANCELLED} (unless it had already completed).
 */
public final class Execution {
  private final String subtaskId;
  private final CompletableFuture<ExecutionResult> result = new CompletableFuture<>();
  private final AtomicBoolean cancelled = new AtomicBoolean();
  private volatile Runnable onCancel = () -> {};

  public Execution(String subtaskId) {
    this.subtaskId = Objects.requireNonNull(subtaskId, "subtaskId");
  }

  /** An execution that has already ended, for requests refused before anything started. */
  public static Execution finished(ExecutionResult r) {
    Execution e = new Execution(r.subtaskId());
    e.complete(r);
    return e;
  }

  public String subtaskId() {
    return subtaskId;
  }

  /** A view of the result that callers cannot complete themselves. */
  public CompletableFuture<ExecutionResult> result() {
    return result.copy();
  }

  public boolean isCancelled() {
    return cancelled.get();
  }

  public boolean isDone() {
    return result.isDone();
  }

  /**
   * Asks the environment to stop the subtask. Returns at once; the result says when it has stopped.
   */
  public void cancel() {
    if (cancelled.compareAndSet(false, true) && !result.isDone()) onCancel.run();
  }

  // --- for environments ---

  /** Sets what {@link #cancel()} does; runs it at once if cancel was already asked for. */
  public void onCancel(Runnable action) {
    this.onCancel = Objects.requireNonNull(action, "action");
    if (cancelled.get() && !result.isDone()) action.run();
  }

  /** Completes the result; later calls are ignored. */
  public boolean complete(ExecutionResult r) {
    return result.complete(r);
  }
}
