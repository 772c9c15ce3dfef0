package org.jgolem.concent.http;

import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jgolem.eth.Address;

/** A {@link NonceLedger} in memory: it survives nothing, so it is for tests and tools. */
public final class InMemoryNonceLedger implements NonceLedger {
  private final Map<String, Long> seen = new ConcurrentHashMap<>();

  @Override
  public boolean remember(Address client, byte[] nonce, long expiresAt) {
    return seen.putIfAbsent(client.hex() + ":" + HexFormat.of().formatHex(nonce), expiresAt)
        == null;
  }

  @Override
  public int forget(long now) {
    int n = 0;
    for (Iterator<Long> it = seen.values().iterator(); it.hasNext(); ) {
      if (it.next() < now) {
        it.remove();
        n++;
      }
    }
    return n;
  }

  public int size() {
    return seen.size();
  }
}
