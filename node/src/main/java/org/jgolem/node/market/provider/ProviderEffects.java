package org.jgolem.node.market.provider;

import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.market.TaskHeader;

/**
 * What the provider's state machine ({@link ProviderCore}, {@link ProviderRecovery}) asks of the
 * world: messages to requestors, the job store, the income and reputation books, the files and the
 * sandboxes. The agent implements it on its loop; a unit test records it.
 */
interface ProviderEffects {
  /**
   * Sends {@code p} to the requestor who announced {@code task}, dialling it if there is no session
   * (an unreachable requestor is logged, not retried here).
   */
  void send(TaskHeader task, Payload p);

  /**
   * Sends {@code p} to {@code requestor} if it has an active session; false (nothing sent) if not.
   */
  boolean sendIfConnected(Address requestor, Payload p);

  /** Dials the requestor who announced {@code task}, in case no session comes up by itself. */
  void dial(TaskHeader task);

  /** Keeps the job's state across a restart ({@link ProviderStore}). */
  void save(ProviderJob job);

  /** Forgets the job in the store: it is settled, failed, lost or given up. */
  void settled(ProviderJob job);

  /** Records the accepted job's price as an expected income (idempotent by subtask id). */
  void incomeExpected(ProviderJob job, long paymentAtMillis);

  /** Counts the rejection against the job's requestor. */
  void rejected(ProviderJob job);

  /** Releases the job's published result and removes its folders. */
  void cleanup(ProviderJob job);

  /** Cancels the job's running sandbox. */
  void cancel(ProviderJob job);

  /** Offers for announced tasks while there is free capacity. */
  void offer();
}
