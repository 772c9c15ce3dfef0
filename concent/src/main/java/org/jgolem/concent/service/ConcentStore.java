package org.jgolem.concent.service;

import java.util.function.Function;

/**
 * Concent's state, in a real database (SQLite by default, PostgreSQL for a server). Every change
 * happens in one {@link #transaction}: a case's transition, the messages it sends, the deposit it
 * reserves and the settlement it owes are written together or not at all, so a crash between two of
 * them loses nothing and doubles nothing.
 */
public interface ConcentStore extends AutoCloseable {
  /**
   * Runs {@code work} in one transaction and commits it; rolls back and rethrows if {@code work}
   * throws. A conflict with a concurrent transaction ({@link StaleCaseException}, a serialization
   * failure) may be retried by the store a bounded number of times before it is rethrown.
   */
  <T> T transaction(Function<ConcentTx, T> work);

  @Override
  void close();
}
