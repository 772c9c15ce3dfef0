package org.jgolem.node.concent;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.jgolem.eth.Address;
import org.jgolem.node.concent.Deposits.Deposit;

/**
 * A provider's checks of requestors' deposits before it offers for a task with Concent on ({@link
 * DepositRule}). A deposit is read from the chain on an I/O executor, never on the caller's thread;
 * the reading is kept for {@link #DEFAULT_FRESHNESS} (on the injected clock) so that offers for
 * several tasks of one requestor, or offers repeated on every tick, do not each read the chain.
 *
 * <p>Confined to one thread (the provider's loop): readings arrive through {@code loop}.
 */
public final class DepositChecks {
  /** How long a deposit read from the chain is trusted. */
  public static final Duration DEFAULT_FRESHNESS = Duration.ofSeconds(10);

  private final Deposits deposits;
  private final Clock clock;
  private final Duration freshness;
  private final Executor io;
  private final Consumer<Runnable> loop;
  private final Map<Address, Reading> readings = new HashMap<>();
  private final Set<Address> inFlight = new HashSet<>();

  /** A deposit as read at {@code at} (ms), or why it could not be read. */
  private record Reading(Deposit deposit, String failure, long at) {}

  /** Whether the requestor's deposit backs the task; {@code reason} says why not. */
  public record Verdict(boolean ok, String reason) {
    static final Verdict OK = new Verdict(true, "");
  }

  /**
   * @param io where the chain is read
   * @param loop the thread the checks are confined to: readings are handed back through it
   */
  public DepositChecks(
      Deposits deposits, Clock clock, Duration freshness, Executor io, Consumer<Runnable> loop) {
    this.deposits = deposits;
    this.clock = clock;
    this.freshness = freshness;
    this.io = io;
    this.loop = loop;
  }

  /**
   * The verdict on {@code requestor}'s deposit for a task of maximum cost {@code maxCost}, from a
   * fresh reading. Empty while the deposit is being read: then {@code whenRead} runs on the loop
   * once the reading is in.
   */
  public Optional<Verdict> verdict(Address requestor, BigInteger maxCost, Runnable whenRead) {
    Reading r = readings.get(requestor);
    long now = clock.millis();
    if (r != null && now - r.at() < freshness.toMillis()) {
      if (r.failure() != null) {
        return Optional.of(
            new Verdict(
                false, "the Concent deposit of " + requestor + " cannot be read: " + r.failure()));
      }
      return Optional.of(
          DepositRule.refusal(requestor, r.deposit(), maxCost)
              .map(why -> new Verdict(false, why))
              .orElse(Verdict.OK));
    }
    if (inFlight.add(requestor)) {
      try {
        io.execute(() -> read(requestor, whenRead));
      } catch (RejectedExecutionException e) {
        inFlight.remove(requestor); // shutting down
      }
    }
    return Optional.empty();
  }

  private void read(Address requestor, Runnable whenRead) {
    Deposit d = null;
    String failure = null;
    try {
      d = deposits.depositOf(requestor);
    } catch (RuntimeException e) {
      failure = e.getMessage() == null ? e.toString() : e.getMessage();
    }
    Deposit deposit = d;
    String why = failure;
    loop.accept(() -> {
      inFlight.remove(requestor);
      readings.put(requestor, new Reading(deposit, why, clock.millis()));
      whenRead.run();
    });
  }
}
