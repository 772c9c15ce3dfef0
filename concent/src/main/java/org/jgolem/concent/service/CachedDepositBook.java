package org.jgolem.concent.service;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import org.jgolem.eth.Address;

/**
 * A {@link DepositBook} that keeps each owner's status for {@code freshness} on the injected clock,
 * so that a burst of cases against one requestor reads the chain once, not twice a case. Safe
 * because a deposit shrinks only by Concent's own reimbursements, after which the settler calls
 * {@link #forget}, or by a withdrawal, which needs an unlock and then the contract's withdrawal
 * delay, far longer than {@code freshness}; a stale "locked" lets a case open at most {@code
 * freshness} after an unlock, while the contract still lets Concent pay from the deposit.
 */
public final class CachedDepositBook implements DepositBook {
  private record Entry(DepositStatus status, long readAt) {}

  private final DepositBook chain;
  private final Clock clock;
  private final long freshnessMillis;
  private final ConcurrentHashMap<Address, Entry> entries = new ConcurrentHashMap<>();

  public CachedDepositBook(DepositBook chain, Clock clock, Duration freshness) {
    this.chain = chain;
    this.clock = clock;
    this.freshnessMillis = freshness.toMillis();
  }

  @Override
  public DepositStatus status(Address owner) {
    long now = clock.millis();
    Entry e = entries.get(owner);
    if (e != null && now - e.readAt() < freshnessMillis && now >= e.readAt()) {
      return e.status();
    }
    DepositStatus fresh = chain.status(owner);
    entries.put(owner, new Entry(fresh, now));
    return fresh;
  }

  /** Drops what is kept of {@code owner}'s deposit: Concent has just paid from it. */
  public void forget(Address owner) {
    entries.remove(owner);
  }
}
