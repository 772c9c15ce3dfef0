package org.jgolem.node.p2p;

import java.util.List;
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

  /** What the peer announced in its Hello (at most {@code Hello.MAX_CAPABILITIES} entries). */
  List<String> capabilities();

  /** The value of the peer's capability {@code name:value}, if it announced one. */
  default java.util.Optional<String> capability(String name) {
    for (String c : capabilities()) {
      if (c.startsWith(name + ":")) return java.util.Optional.of(c.substring(name.length() + 1));
    }
    return java.util.Optional.empty();
  }

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
