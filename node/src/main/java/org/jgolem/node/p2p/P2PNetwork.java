package org.jgolem.node.p2p;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.p2p.NodeRecord;

/**
 * The node's sessions with other nodes. Every message that reaches a listener has been decoded, its
 * signature checked, its sender bound to the session's authenticated peer, and its freshness and
 * uniqueness checked. Implementations: Netty ({@code p2p.netty}) and in-memory ({@code p2p.memory},
 * in the node's test kit, for tests of the layers above).
 */
public interface P2PNetwork extends AutoCloseable {
  /** This node: its id and the endpoint it advertises (known once started). */
  NodeRecord self();

  /**
   * Sets the capabilities this node announces in its Hello (for example {@code "gateway:40180"},
   * where its resource gateway listens). Sessions opened afterwards carry them.
   */
  void setCapabilities(List<String> capabilities);

  /** Binds and starts accepting sessions. Starting twice fails. */
  void start();

  /**
   * Opens a session, or returns the existing one to that node. With {@code expectedId} non-null, a
   * peer that proves another identity is refused (UNEXPECTED_IDENTITY).
   *
   * <p>Fails with {@link P2PException} when either side refuses the session (its reason says why),
   * with an {@link java.io.IOException} when the connection fails or closes during the handshake.
   */
  CompletableFuture<Peer> connect(String host, int port, Address expectedId);

  Collection<Peer> peers();

  Optional<Peer> peer(Address id);

  /** Listeners of one message type are called on the network's threads; they must not block. */
  void subscribe(MessageType type, MessageListener listener);

  void addPeerListener(PeerListener listener);

  /** Signs a payload with the node key into a fresh envelope. */
  Envelope seal(Payload payload);

  /** Closes every session and stops; idempotent. */
  @Override
  void close();
}
