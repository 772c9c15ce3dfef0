package org.jgolem.node.p2p;

import java.util.concurrent.CompletableFuture;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.p2p.Disconnect;
import org.jgolem.protocol.messages.p2p.NodeRecord;

/** An authenticated session with another node. */
public interface Peer {
  /** The peer's node id, proven in the handshake. */
  Address id();

  /** The endpoint the peer advertised (where others can dial it). */
  NodeRecord record();

  /** True if this node dialled the peer. */
  boolean outbound();

  boolean isActive();

  /** Sends an envelope (signed by this node, or forwarded verbatim). Completes when written. */
  CompletableFuture<Void> send(Envelope envelope);

  /** Seals with the node key and sends. */
  CompletableFuture<Void> send(Payload payload);

  /**
   * Sends Disconnect(reason) and closes. PROTOCOL_ERROR and BANNED also ban the peer's node id for
   * {@link P2PConfig#banDuration()}: use them for a peer caught misbehaving by a layer above.
   */
  void disconnect(Disconnect.Reason reason);
}
