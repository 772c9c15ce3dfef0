package org.jgolem.compute.docker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Test kit: follows a Docker environment's warm-ups through {@link DockerEnvironment#onWarmUp}. A
 * warm-up runs in a real container, so waiting for its end is waiting in real time for something
 * that does happen; that something did not happen is seen in {@link #reports()} after a fake clock
 * was moved on.
 */
public final class WarmWatch {
  private final DockerEnvironment env;
  private final LinkedBlockingQueue<WarmUpReport> queue = new LinkedBlockingQueue<>();
  private final List<WarmUpReport> all = new java.util.concurrent.CopyOnWriteArrayList<>();

  public WarmWatch(DockerEnvironment env) {
    this.env = env;
    env.onWarmUp(r -> {
      all.add(r);
      queue.add(r);
    });
  }

  /** Every report so far. */
  public List<WarmUpReport> reports() {
    return new ArrayList<>(all);
  }

  /** Takes the reports not taken yet. */
  public List<WarmUpReport> drain() {
    List<WarmUpReport> out = new ArrayList<>();
    queue.drainTo(out);
    return out;
  }

  /** The next report not taken yet, waiting for it up to {@code timeout}; null if none came. */
  public WarmUpReport next(Duration timeout) throws InterruptedException {
    return queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The next report of a warm-up's end (not {@code STARTED}) within {@code timeout}; null if none
   * came.
   */
  public WarmUpReport nextEnd(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      WarmUpReport r = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (r == null || r.outcome() != WarmUpReport.Outcome.STARTED) return r;
    }
  }

  /**
   * Waits until a warm sandbox is ready (one is already, or a warm-up reports READY) for an
   * environment on the real clock, which starts its warm-ups by itself; false if none is within
   * {@code timeout}.
   */
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (env.warmSessions() == 0) {
      WarmUpReport r = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (r == null) return env.warmSessions() > 0;
    }
    return true;
  }
}
