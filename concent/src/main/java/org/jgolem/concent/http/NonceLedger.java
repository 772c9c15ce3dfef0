package org.jgolem.concent.http;

import org.jgolem.eth.Address;

/**
 * Where the HTTP adapter remembers the nonces (ConcentAuth envelope message ids) of the requests it
 * authorized, so that a captured request cannot be replayed, not even after a restart of Concent.
 * The in-process {@link org.jgolem.protocol.messages.FreshnessGuard} answers first; this ledger is
 * the durable second line. {@link InMemoryNonceLedger} serves tests and a process without a store;
 * in the assembled service it is {@link StoreNonceLedger}, over the store's {@code rememberNonce}
 * and {@code forgetNonces}.
 */
public interface NonceLedger {
  /**
   * Remembers {@code nonce} of {@code client} until {@code expiresAt} (epoch ms); false if it is
   * remembered already (a replay).
   */
  boolean remember(Address client, byte[] nonce, long expiresAt);

  /** Forgets the nonces that expired before {@code now}; returns how many. */
  int forget(long now);
}
