package org.jgolem.ipfs.exchange;

import java.util.List;
import org.jgolem.ipfs.multiformats.Cid;

/**
 * The peer directory: which peers announced having a resource. The node implements it from the
 * announcements it receives; the exchange asks it again while it waits, so peers announced later
 * are used too.
 */
@FunctionalInterface
public interface Providers {
  List<Peer> providers(Cid root);

  static Providers of(List<Peer> peers) {
    List<Peer> copy = List.copyOf(peers);
    return root -> copy;
  }

  static Providers none() {
    return root -> List.of();
  }
}
