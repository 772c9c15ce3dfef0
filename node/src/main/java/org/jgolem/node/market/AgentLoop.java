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
 * The one thread an agent's state lives on. Network callbacks, timers and finished background work
 * are queued onto it as events, so no two transitions interleave. After every event (and every
 * {@link #call}) the agent's {@code afterEvent} hook runs on the same thread: the requestor saves
 * what changed there, then sends the messages the event produced.
 *
 * <p>Its executor comes from outside ({@link #singleThread} in a running node; a test may give a
 * manual scheduler and run events by driving it), and is the loop's own from then on: {@link
 * #close} shuts it down. The loop thread is the one running an event of this loop.
 *
 * <p>An executor that runs nothing by itself ({@link CallerDriven}: its tasks run when its caller
 * drives it, as a test's manual scheduler) is driven by {@link #call} itself: the call is queued
 * behind the events before it and the executor driven until it has run, on the caller's thread.
 * Waiting for it instead would wait for ever.
 */
public final class AgentLoop {
  private final String name;
  private final Logger log;
  private final Runnable afterEvent;
  private final ScheduledExecutorService executor;

  /** The thread running an event of this loop, null between events. */
  private volatile Thread thread;

  private volatile boolean closed;

  /**
   * An executor whose tasks run only when its caller drives it, on the caller's thread: nothing
   * waiting for one of its tasks will see it run unless it drives the executor itself.
   */
  public interface CallerDriven {
    /** Runs every task due now (and those they make due now), on the caller's thread. */
    void runDue();
  }

  private final List<Future<?>> timers = new ArrayList<>();

  public AgentLoop(
      String name, Logger log, Runnable afterEvent, ScheduledExecutorService executor) {
    this.name = name;
    this.log = log;
    this.afterEvent = afterEvent;
    this.executor = executor;
  }

  /** An executor of one daemon thread named {@code name}: a loop's in a running node. */
  public static ScheduledExecutorService singleThread(String name) {
    return Executors.newSingleThreadScheduledExecutor(
        r -> Thread.ofPlatform().name(name).daemon().unstarted(r));
  }

  /** Whether the caller is on the loop thread. */
  public boolean onLoopThread() {
    return Thread.currentThread() == thread;
  }

  /** Queues an event; ignored once closing. */
  public void execute(Runnable event) {
    if (closed) return;
    try {
      executor.execute(() -> safely("event", event));
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  /** Runs {@code task} every {@code period} on the loop. */
  public void every(Duration period, String what, Runnable task) {
    timers.add(
        executor.scheduleWithFixedDelay(
            () -> safely(what, task), period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS));
  }

  /**
   * Runs {@code c} on the loop thread and waits for it. On the loop thread itself it runs at once:
   * waiting for the loop from the loop would wait forever.
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
      Future<T> f =
          executor.submit(() -> {
            Thread outer = enter();
            try {
              return c.call();
            } finally {
              try {
                afterEvent.run();
              } finally {
                thread = outer;
              }
            }
          });
      if (executor instanceof CallerDriven driven) {
        driven.runDue();
        if (!f.isDone())
          throw new RejectedExecutionException(name + " did not run the call: closed");
      }
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) throw re;
      throw new IllegalStateException(e.getCause());
    }
  }

  /**
   * Marks the current thread as the loop's for an event; returns the mark it replaces (restored
   * after the event).
   */
  private Thread enter() {
    Thread outer = thread;
    thread = Thread.currentThread();
    return outer;
  }

  private void safely(String what, Runnable r) {
    Thread outer = enter();
    try {
      r.run();
    } catch (RuntimeException e) {
      log.error("{} {} failed", name, what, e);
    } finally {
      try {
        afterEvent.run();
      } finally {
        thread = outer;
      }
    }
  }

  public boolean isClosed() {
    return closed;
  }

  /**
   * Lets the event under way finish (its changes saved, its messages sent); nothing queued after it
   * runs.
   */
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
