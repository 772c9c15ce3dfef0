package org.jgolem.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jgolem.node.api.NodeService.TaskSummary;

/**
 * Follows a task until it ends ({@link TasksCommand#ENDED}): one read of it every {@code interval},
 * each a timer on the injected scheduler, so that a test drives the polls with a manual scheduler
 * instead of waiting.
 */
final class TaskWatch {
  private final ScheduledExecutorService scheduler;
  private final long intervalMillis;

  TaskWatch(ScheduledExecutorService scheduler, Duration interval) {
    this.scheduler = scheduler;
    this.intervalMillis = Math.max(1, interval.toMillis());
  }

  /**
   * Shows {@code first} (the task as created) to {@code view}, then each answer of {@code read},
   * until one says the task has ended; completes with that answer, or with the first error of a
   * read. Cancelling the result stops the polls.
   */
  CompletableFuture<JsonNode> until(
      JsonNode first, Supplier<JsonNode> read, Consumer<TaskSummary> view) {
    CompletableFuture<JsonNode> done = new CompletableFuture<>();
    step(first, read, view, done);
    return done;
  }

  private void step(
      JsonNode answer,
      Supplier<JsonNode> read,
      Consumer<TaskSummary> view,
      CompletableFuture<JsonNode> done) {
    TaskSummary t = ApiClient.read(answer, TaskSummary.class);
    view.accept(t);
    if (TasksCommand.ENDED.contains(t.state())) {
      done.complete(answer);
      return;
    }
    scheduler.schedule(
        () -> {
          if (done.isDone()) {
            return;
          }
          try {
            step(read.get(), read, view, done);
          } catch (RuntimeException e) {
            done.completeExceptionally(e);
          }
        },
        intervalMillis,
        TimeUnit.MILLISECONDS);
  }

  /** Waits for {@code watch}; an interruption cancels it (the task itself goes on). */
  static JsonNode await(CompletableFuture<JsonNode> watch) throws InterruptedException {
    try {
      return watch.get();
    } catch (InterruptedException e) {
      watch.cancel(false);
      throw e;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    }
  }
}
