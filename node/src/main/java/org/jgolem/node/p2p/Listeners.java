package org.jgolem.node.p2p;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.p2p.Disconnect;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The message and peer listeners of one network, shared by its implementations. A listener that
 * throws is logged and skipped: it never stops the others or the session.
 */
public final class Listeners {
  private static final Logger LOG = LoggerFactory.getLogger(Listeners.class);

  private final Map<MessageType, List<MessageListener>> byType = new EnumMap<>(MessageType.class);
  private final List<PeerListener> peerListeners = new CopyOnWriteArrayList<>();

  public Listeners() {
    for (MessageType t : MessageType.values()) {
      byType.put(t, new CopyOnWriteArrayList<>());
    }
  }

  public void subscribe(MessageType type, MessageListener listener) {
    byType.get(type).add(Objects.requireNonNull(listener));
  }

  public void addPeerListener(PeerListener listener) {
    peerListeners.add(Objects.requireNonNull(listener));
  }

  public void connected(Peer peer) {
    for (PeerListener l : peerListeners) {
      try {
        l.onConnected(peer);
      } catch (RuntimeException | AssertionError | LinkageError e) {
        LOG.warn("peer listener failed on connect of {}", peer.id(), e);
      }
    }
  }

  public void disconnected(Peer peer, Disconnect.Reason reason) {
    for (PeerListener l : peerListeners) {
      try {
        l.onDisconnected(peer, reason);
      } catch (RuntimeException | AssertionError | LinkageError e) {
        LOG.warn("peer listener failed on disconnect of {}", peer.id(), e);
      }
    }
  }

  public void message(Peer from, Envelope envelope) {
    for (MessageListener l : byType.get(envelope.type())) {
      try {
        l.onMessage(from, envelope);
      } catch (RuntimeException | AssertionError | LinkageError e) {
        LOG.warn("{} listener failed on {}", envelope.type(), envelope, e);
      }
    }
  }
}
