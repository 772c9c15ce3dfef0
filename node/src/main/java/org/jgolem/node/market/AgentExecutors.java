package org.jgolem.node.market;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The threads a market agent runs on: its {@link AgentLoop}'s executor (events and timers, one at a
 * time) and its worker pool (fetching, checking, computing). Given to an agent they are its own:
 * closing the agent shuts them down. A test may give executors that run only when it drives them
 * ({@link AgentLoop.CallerDriven}): the agent then runs on the test's thread, its time on the
 * test's clock.
 */
public record AgentExecutors(ScheduledExecutorService loop, ExecutorService workers) {

  /**
   * A requestor's: its loop thread, and a worker for each core (at least two) for fetches, checks
   * and merges.
   */
  public static AgentExecutors requestor() {
    return new AgentExecutors(
        AgentLoop.singleThread("requestor-loop"),
        Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()),
            r -> Thread.ofPlatform().name("requestor-work").daemon().unstarted(r)));
  }

  /** A provider's: its loop thread, and a thread for each fetch or computation under way. */
  public static AgentExecutors provider() {
    return new AgentExecutors(
        AgentLoop.singleThread("provider-loop"),
        Executors.newCachedThreadPool(
            r -> Thread.ofPlatform().name("provider-work").daemon().unstarted(r)));
  }
}
