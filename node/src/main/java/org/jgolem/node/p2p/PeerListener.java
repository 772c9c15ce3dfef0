package org.jgolem.node.p2p;

import org.jgolem.protocol.messages.p2p.Disconnect;

public interface PeerListener {
  default void onConnected(Peer peer) {}

  default void onDisconnected(Peer peer, Disconnect.Reason reason) {}
}
