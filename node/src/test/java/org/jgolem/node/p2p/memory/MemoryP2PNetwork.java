package org.jgolem.node.p2p.memory;

import java.net.ConnectException;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.jgolem.eth.Address;
import org.jgolem.node.p2p.BanList;
import org.jgolem.node.p2p.Listeners;
import org.jgolem.node.p2p.MessageListener;
import org.jgolem.node.p2p.P2PConfig;
import org.jgolem.node.p2p.P2PException;
import org.jgolem.node.p2p.P2PNetwork;
import org.jgolem.node.p2p.Peer;
import org.jgolem.node.p2p.PeerListener;
import org.jgolem.node.p2p.SessionRules;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.FreshnessGuard;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.p2p.Disconnect;
import org.jgolem.protocol.messages.p2p.NodeRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node on a {@link MemoryNetworkHub}, with the Netty network's rules: every envelope is encoded
 * by the sender and decoded (signature checked) by the receiver, checked by the receiver's {@link
 * FreshnessGuard}, bound to the session's peer, rate limited; invalid messages end the session with
 * PROTOCOL_ERROR and ban the peer as {@link SessionRules} says; limits on peers, duplicate sessions
 * and bans apply when connecting; Ping is answered with Pong.
 *
 * <p>Not simulated: the handshake's key exchange and Hello (identities are the nodes' keys, which
 * the hub knows), encryption, idle timeouts and keep-alive. All listeners run on the hub's thread.
 */
public final class MemoryP2PNetwork implements P2PNetwork {
  private static final Logger LOG = LoggerFactory.getLogger(MemoryP2PNetwork.class);

  private enum State {
    NEW,
    RUNNING,
    CLOSED
  }

  final MemoryNetworkHub hub;
  final NodeKey key;
  final P2PConfig config;
  final Clock clock;
  final MessageCodec codec;
  final FreshnessGuard guard;
  final BanList bans;
  private final Listeners listeners = new Listeners();
  private final Map<Address, MemoryPeer> sessions = new ConcurrentHashMap<>();
  private volatile State state = State.NEW;
  private volatile int port;

  MemoryP2PNetwork(MemoryNetworkHub hub, NodeKey key, P2PConfig config, Clock clock) {
    this.hub = hub;
    this.key = key;
    this.config = config;
    this.clock = clock;
    this.codec = new MessageCodec(config.chainId(), SessionRules.maxPayloadBytes(config));
    this.guard = SessionRules.newFreshnessGuard(clock);
    this.bans = new BanList(clock, config.banDuration());
    this.port = config.listenPort();
  }

  private volatile List<String> capabilities = List.of();

  @Override
  public void setCapabilities(List<String> list) {
    this.capabilities = org.jgolem.node.p2p.SessionRules.capabilities(list);
  }

  /** What this node announces in its Hello. */
  public List<String> capabilities() {
    return capabilities;
  }

  @Override
  public NodeRecord self() {
    return new NodeRecord(key.address(), config.advertisedHost(), port);
  }

  @Override
  public synchronized void start() {
    if (state != State.NEW) {
      throw new IllegalStateException("already started");
    }
    if (port == 0) {
      port = hub.allocatePort();
    }
    hub.register(config.advertisedHost(), port, this);
    state = State.RUNNING;
  }

  @Override
  public CompletableFuture<Peer> connect(String host, int port, Address expectedId) {
    CompletableFuture<Peer> result = new CompletableFuture<>();
    hub.execute(() -> {
      try {
        result.complete(dial(host, port, expectedId));
      } catch (RuntimeException | ConnectException e) {
        result.completeExceptionally(e);
      }
    });
    return result;
  }

  /** On the hub thread: admission on both sides, as the Netty handshake does. */
  private Peer dial(String host, int port, Address expectedId) throws ConnectException {
    if (state != State.RUNNING) {
      throw new IllegalStateException("network is not running");
    }
    if (expectedId != null && sessions.get(expectedId) != null) {
      return sessions.get(expectedId);
    }
    if (bans.isEndpointBanned(host, port) || bans.isBanned(expectedId)) {
      throw new P2PException(Disconnect.Reason.BANNED, host + ":" + port + " is banned");
    }
    MemoryP2PNetwork target = hub.lookup(host, port);
    if (target == null || target.state != State.RUNNING) {
      throw new ConnectException("nothing listens on " + host + ":" + port);
    }
    Address remoteId = target.key.address();
    if (remoteId.equals(key.address())) {
      throw new P2PException(Disconnect.Reason.UNEXPECTED_IDENTITY, "dialled itself");
    }
    MemoryPeer existing = sessions.get(remoteId);
    if (existing != null
        && !existing.remoteClosed()
        && (expectedId == null || expectedId.equals(remoteId))) {
      return existing;
    }
    // The responder judges the dialler first, as in the Netty handshake.
    Disconnect.Reason refusal = target.admit(key.address());
    if (refusal != null) {
      throw new P2PException(refusal, "refused by " + remoteId);
    }
    if (expectedId != null && !expectedId.equals(remoteId)) {
      throw new P2PException(
          Disconnect.Reason.UNEXPECTED_IDENTITY,
          "expected " + expectedId + ", reached " + remoteId);
    }
    refusal = admit(remoteId);
    if (refusal != null) {
      throw new P2PException(refusal, "refused " + remoteId);
    }
    MemoryPeer local = new MemoryPeer(this, target.self(), true);
    MemoryPeer remote = new MemoryPeer(target, self(), false);
    local.link(remote);
    remote.link(local);
    target.register(remote);
    register(local);
    return local;
  }

  /** Null if a session with {@code id} may be opened, else the reason to refuse it. */
  private Disconnect.Reason admit(Address id) {
    if (state != State.RUNNING) {
      return Disconnect.Reason.SHUTTING_DOWN;
    }
    if (bans.isBanned(id)) {
      return Disconnect.Reason.BANNED;
    }
    MemoryPeer existing = sessions.get(id);
    if (existing != null) {
      if (existing.remoteClosed()) {
        // The other end is gone and its close is still in the queue: the old session is stale.
        existing.closeLocally(Disconnect.Reason.DUPLICATE_CONNECTION);
      } else {
        return Disconnect.Reason.DUPLICATE_CONNECTION;
      }
    }
    if (sessions.size() >= config.maxPeers()) {
      return Disconnect.Reason.TOO_MANY_PEERS;
    }
    return null;
  }

  private void register(MemoryPeer peer) {
    sessions.put(peer.id(), peer);
    listeners.connected(peer);
  }

  void removeSession(MemoryPeer peer) {
    sessions.remove(peer.id(), peer);
  }

  void fireDisconnected(MemoryPeer peer, Disconnect.Reason reason) {
    listeners.disconnected(peer, reason);
  }

  void dispatch(MemoryPeer from, Envelope envelope) {
    listeners.message(from, envelope);
  }

  @Override
  public Collection<Peer> peers() {
    return List.copyOf(sessions.values());
  }

  @Override
  public Optional<Peer> peer(Address id) {
    return Optional.ofNullable(sessions.get(id));
  }

  @Override
  public void subscribe(MessageType type, MessageListener listener) {
    listeners.subscribe(type, listener);
  }

  @Override
  public void addPeerListener(PeerListener listener) {
    listeners.addPeerListener(listener);
  }

  @Override
  public Envelope seal(Payload payload) {
    return codec.seal(payload, key, clock);
  }

  /** Bans a node id for the configured duration (as a protocol error would). */
  public void ban(Address id) {
    bans.ban(id);
  }

  public boolean isBanned(Address id) {
    return bans.isBanned(id);
  }

  /** Sends Disconnect(SHUTTING_DOWN) to every peer and leaves the hub; idempotent. */
  @Override
  public void close() {
    synchronized (this) {
      if (state == State.CLOSED) {
        return;
      }
      boolean wasRunning = state == State.RUNNING;
      state = State.CLOSED;
      if (wasRunning) {
        hub.unregister(config.advertisedHost(), port, this);
      }
    }
    for (MemoryPeer p : sessions.values()) {
      p.disconnect(Disconnect.Reason.SHUTTING_DOWN);
    }
  }

  @Override
  public String toString() {
    return "MemoryP2PNetwork[" + key.address() + " @" + config.advertisedHost() + ":" + port + "]";
  }
}
