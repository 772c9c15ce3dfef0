package org.jgolem.node.market;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jgolem.node.p2p.memory.MemoryNetworkHub;
import org.jgolem.testkit.FakeClock;
import org.jgolem.testkit.ManualScheduler;

/**
 * Market time for a test, all on the test's thread: a fake clock, one manual scheduler that every
 * agent loop, worker pool and node timer runs on (each through a {@link Lane} of its own, which its
 * owner may shut down), and a manual in-memory network. {@link #settle()} runs what is due and
 * delivered until nothing is left; {@link #until} moves the clock a millisecond at a time until a
 * condition holds.
 */
public final class MarketTime implements AutoCloseable {
  public final FakeClock clock;
  public final ManualScheduler scheduler;
  public final MemoryNetworkHub hub = MemoryNetworkHub.manual();

  public MarketTime(long startMillis) {
    clock = new FakeClock(startMillis);
    scheduler = new ManualScheduler(clock);
  }

  /** An executor on the shared scheduler, with a life of its own. */
  public Lane lane() {
    return new Lane(Duration.ZERO);
  }

  /**
   * An executor on the shared scheduler that starts each task it is given {@code late} after it was
   * given.
   */
  public Lane lane(Duration late) {
    return new Lane(late);
  }

  /** A loop and a worker pool, each a lane. */
  public AgentExecutors executors() {
    return new AgentExecutors(lane(), lane());
  }

  /**
   * Delivers every message and runs every task due now, and what they cause now, until nothing is
   * left.
   */
  public void settle() {
    while (hub.deliverAll() + scheduler.runDue() > 0) {
      // again: a task may have sent a message, a delivery queued an event
    }
  }

  /** Moves the clock by {@code d}, one millisecond at a time, settling at each. */
  public void advance(Duration d) {
    settle();
    for (long i = 0; i < d.toMillis(); i++) {
      clock.advance(1);
      settle();
    }
  }

  /**
   * Settles and moves the clock a millisecond at a time until {@code done}; fails after {@code
   * bound} of fake time.
   */
  public void until(Duration bound, BooleanSupplier done, Supplier<String> what) {
    long end = clock.millis() + bound.toMillis();
    settle();
    while (!done.getAsBoolean()) {
      if (clock.millis() >= end)
        throw new AssertionError("not within " + bound + " (fake time): " + what.get());
      clock.advance(1);
      settle();
    }
  }

  @Override
  public void close() {
    hub.close();
  }

  /**
   * An executor on the shared scheduler whose tasks run when the test drives it ({@link
   * AgentLoop.CallerDriven}), that its owner shuts down alone; while {@link #hold held} it keeps
   * what it is given, to run after {@link #release}.
   */
  public final class Lane extends AbstractExecutorService
      implements ScheduledExecutorService, AgentLoop.CallerDriven {
    private final List<ScheduledFuture<?>> futures = new ArrayList<>();
    private final long late;
    private List<Runnable> held;
    private boolean shutdown;

    private Lane(Duration late) {
      this.late = late.toMillis();
    }

    /** From now on, what this lane is given waits for {@link #release}. */
    public synchronized void hold() {
      if (held == null) held = new ArrayList<>();
    }

    /** How many tasks wait for {@link #release}. */
    public synchronized int heldCount() {
      return held == null ? 0 : held.size();
    }

    /** Runs what was held (at the next settle) and holds nothing more. */
    public void release() {
      List<Runnable> out;
      synchronized (this) {
        out = held == null ? List.of() : held;
        held = null;
      }
      out.forEach(this::execute);
    }

    private synchronized <F extends ScheduledFuture<?>> F track(F f) {
      futures.removeIf(ScheduledFuture::isDone);
      futures.add(f);
      return f;
    }

    private synchronized void open() {
      if (shutdown) throw new RejectedExecutionException("lane shut down");
    }

    @Override
    public void execute(Runnable command) {
      synchronized (this) {
        open();
        if (held != null) {
          held.add(command);
          return;
        }
      }
      track(scheduler.schedule(command, late, TimeUnit.MILLISECONDS));
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      open();
      return track(scheduler.schedule(command, delay, unit));
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
      open();
      return track(scheduler.schedule(callable, delay, unit));
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(
        Runnable command, long initialDelay, long period, TimeUnit unit) {
      open();
      return track(scheduler.scheduleAtFixedRate(command, initialDelay, period, unit));
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(
        Runnable command, long initialDelay, long delay, TimeUnit unit) {
      open();
      return track(scheduler.scheduleWithFixedDelay(command, initialDelay, delay, unit));
    }

    @Override
    public void runDue() {
      scheduler.runDue();
    }

    /** Like a thread pool's: what is queued still runs, nothing new is taken. */
    @Override
    public synchronized void shutdown() {
      shutdown = true;
    }

    /** Like a thread pool's: what is queued or held never runs. */
    @Override
    public List<Runnable> shutdownNow() {
      List<ScheduledFuture<?>> all;
      synchronized (this) {
        shutdown = true;
        all = List.copyOf(futures);
        futures.clear();
        held = null;
      }
      all.forEach(f -> f.cancel(false));
      return List.of();
    }

    @Override
    public synchronized boolean isShutdown() {
      return shutdown;
    }

    @Override
    public synchronized boolean isTerminated() {
      return shutdown && futures.stream().allMatch(ScheduledFuture::isDone);
    }

    /**
     * Runs what is due now (the queued tasks a pool would finish), then cancels what is left
     * (timers).
     */
    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      scheduler.runDue();
      List<ScheduledFuture<?>> all;
      synchronized (this) {
        all = List.copyOf(futures);
      }
      all.forEach(f -> f.cancel(false));
      return true;
    }
  }
}
