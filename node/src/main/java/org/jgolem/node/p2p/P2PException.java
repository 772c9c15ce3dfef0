package org.jgolem.node.p2p;

import org.jgolem.protocol.messages.p2p.Disconnect;

/**
 * A session refused during its handshake, by this node or by the peer. {@link #reason()} is the
 * Disconnect reason that was sent or received. Transport failures (nothing listening, connection
 * reset) are reported as {@link java.io.IOException}s instead.
 */
public final class P2PException extends RuntimeException {
  private final Disconnect.Reason reason;

  public P2PException(Disconnect.Reason reason, String message) {
    super(reason + ": " + message);
    this.reason = reason;
  }

  public Disconnect.Reason reason() {
    return reason;
  }
}
