package org.jgolem.concent.http;

import org.jgolem.concent.service.ConcentStore;
import org.jgolem.eth.Address;

/**
 * The durable {@link NonceLedger}: each nonce is remembered in Concent's database, in a transaction
 * of its own, so a request captured before a restart is still refused after it.
 */
public final class StoreNonceLedger implements NonceLedger {
  private final ConcentStore store;

  public StoreNonceLedger(ConcentStore store) {
    this.store = store;
  }

  @Override
  public boolean remember(Address client, byte[] nonce, long expiresAt) {
    return store.transaction(tx -> tx.rememberNonce(client, nonce, expiresAt));
  }

  @Override
  public int forget(long now) {
    return store.transaction(tx -> tx.forgetNonces(now));
  }
}
