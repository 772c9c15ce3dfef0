package org.jgolem.node.p2p;

import org.jgolem.protocol.messages.p2p.Disconnect;

/** Session events; called on the network's threads, must not block. */
public interface PeerListener {
  /** A session was authenticated and admitted. */
  default void onConnected(Peer peer) {}

  /**
   * A session ended, once per session. {@code reason} is the one this node sent, or the one the
   * peer sent; a connection that ended without a Disconnect message (closed, reset, silent past the
   * idle timeout) is reported as TIMEOUT.
   */
  default void onDisconnected(Peer peer, Disconnect.Reason reason) {}
}
