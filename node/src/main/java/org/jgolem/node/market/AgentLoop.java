package org.jgolem.node.market;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * The one thread an agent's state lives on. Network callbacks, timers and finished background work are
 * queued onto it as events, so no two transitions interleave. After every event (and every {@link #call})
 * the agent's {@code afterEvent} hook runs on the same thread: the requestor saves what changed there, then
 * sends the messages the event produced.
 *
 * <p>Its executor comes from outside ({@link #singleThread} in a running node; a test may give a manual scheduler and
 * run events by driving it), and is the loop's own from then on: {@link #close} shuts it down. The loop thread is the
 * one that ran the latest event.
 */
public final class AgentLoop {
  private final String name;
  private final Logger log;
  private final Runnable afterEvent;
  private final ScheduledExecutorService executor;
  private volatile Thread thread;
  private volatile boolean closed;

  private final List<Future<?>> timers = new ArrayList<>();

  public AgentLoop(String name, Logger log, Runnable afterEvent, ScheduledExecutorService executor) {
    this.name = name;
    this.log = log;
    this.afterEvent = afterEvent;
    this.executor = executor;
  }

  /** An executor of one daemon thread named {@code name}: a loop's in a running node. */
  public static ScheduledExecutorService singleThread(String name) {
    return Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name(name).daemon().unstarted(r));
  }

  /** Whether the caller is on the loop thread. */
  public boolean onLoopThread() {
    return Thread.currentThread() == thread;
  }

  /** Queues an event; ignored once closing. */
  public void execute(Runnable event) {
    if (closed) return;
    try {
      executor.execute(() -> {
        thread = Thread.currentThread();
        safely("event", event);
      });
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  /** Runs {@code task} every {@code period} on the loop. */
  public void every(Duration period, String what, Runnable task) {
    timers.add(executor.scheduleWithFixedDelay(() -> {
      thread = Thread.currentThread();
      safely(what, task);
    }, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS));
  }

  /**
   * Runs {@code c} on the loop thread and waits for it. On the loop thread itself it runs at once: waiting
   * for the loop from the loop would wait forever.
   */
  public <T> T call(Callable<T> c) {
    if (onLoopThread()) {
      try {
        return c.call();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    try {
      return executor.submit(() -> {
        thread = Thread.currentThread();
        try {
          return c.call();
        } finally {
          afterEvent.run();
        }
      }).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) throw re;
      throw new IllegalStateException(e.getCause());
    }
  }

  private void safely(String what, Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      log.error("{} {} failed", name, what, e);
    } finally {
      afterEvent.run();
    }
  }

  public boolean isClosed() {
    return closed;
  }

  /** Lets the event under way finish (its changes saved, its messages sent); nothing queued after it runs. */
  public void close() {
    closed = true;
    timers.forEach(f -> f.cancel(false));
    executor.shutdown();
    try {
      if (!executor.awaitTermination(10, TimeUnit.SECONDS)) executor.shutdownNow();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      executor.shutdownNow();
    }
  }
}
