package org.jgolem.node.p2p.netty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
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
 * The P2P network over TCP with Netty. Each connection's pipeline is built from parts:
 *
 * <pre>
 * frames (u32 length ‖ bytes, at most maxFrameBytes) → count → prepender →
 *   handshake ({@link HandshakeHandler}), which becomes, once the peer is authenticated:
 *   rate limit → AEAD ({@link AeadFrameCodec}) → envelopes ({@link EnvelopeCodec}) → idle close →
 *   keep-alive ping → session ({@link SessionHandler})
 * </pre>
 *
 * Sessions run on the {@link EventLoops} given (by default one shared group for the whole JVM), so
 * a node costs sockets and a few objects per session, no threads. Listeners run on those threads.
 *
 * <p>Admission, once a peer has proven its id: banned ids are refused (BANNED); at most maxPeers
 * sessions (TOO_MANY_PEERS); one session per node id. When two sessions with one node exist, both
 * ends keep the same one: if they were dialled by different nodes, the one dialled by the lower
 * node id; if by the same node, the newer one (the responder admits first, and a node never runs
 * two dials to one endpoint at once, so the dialler only ever sees sessions its peer admitted). The
 * other one ends with DUPLICATE_CONNECTION, and a dial that lost returns the kept session.
 *
 * <p>Why one class over 400 lines: assembling the pipeline, dialling, accepting and admitting
 * sessions share the event loops, the session table and the listeners; the parts that stand alone
 * ({@link SessionTable}, {@link DuplicateResends}, {@link Dials}, {@link NetworkCounters} and the
 * handlers) are already apart.
 */
public final class NettyP2PNetwork implements P2PNetwork {
  private static final Logger LOG = LoggerFactory.getLogger(NettyP2PNetwork.class);
  static final String AEAD = "aead";
  private static final long CLOSE_WAIT_MILLIS = 3_000;

  private enum State {
    NEW,
    RUNNING,
    CLOSED
  }

  /** Counters since start, for operators and tests. */
  public record Stats(
      long framesReceived,
      long handshakesCompleted,
      long handshakesFailed,
      long connectionsRefused,
      long messagesRefused,
      long rateLimited,
      long unexpectedErrors,
      long resentAfterDuplicate) {}

  /** Failures of the framing or the AEAD layer: junk on the wire, not a bug. */
  static boolean isBadFrame(Throwable cause) {
    return cause instanceof CorruptedFrameException || cause instanceof TooLongFrameException;
  }

  private final NodeKey key;
  private final P2PConfig config;
  private final Clock clock;
  private final EventLoops loops;
  private final MessageCodec codec;
  private final FreshnessGuard guard;
  private final BanList bans;
  private final Listeners listeners = new Listeners();
  private final SessionTable sessions;
  private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
  private final Set<Channel> handshaking = ConcurrentHashMap.newKeySet();
  private final Dials dials = new Dials(this);
  private final NetworkCounters counters = new NetworkCounters();
  private final DuplicateResends resends;
  private final FrameCounter frameCounter = new FrameCounter(counters.framesReceived);
  private volatile State state = State.NEW;
  private volatile Channel server;
  private volatile int port;

  /** A node on the JVM's shared event loops ({@link EventLoops#shared()}). */
  public NettyP2PNetwork(NodeKey key, P2PConfig config, Clock clock) {
    this(key, config, clock, EventLoops.shared());
  }

  public NettyP2PNetwork(NodeKey key, P2PConfig config, Clock clock, EventLoops loops) {
    this.key = Objects.requireNonNull(key, "key");
    this.config = config.validate();
    this.clock = Objects.requireNonNull(clock, "clock");
    this.loops = Objects.requireNonNull(loops, "loops");
    this.codec = new MessageCodec(config.chainId(), SessionRules.maxPayloadBytes(config));
    this.guard = SessionRules.newFreshnessGuard(clock);
    this.bans = new BanList(clock, config.banDuration());
    this.port = config.listenPort();
    this.sessions = new SessionTable(key.address(), this.config.maxPeers());
    this.resends = new DuplicateResends(clock, counters.resentAfterDuplicate);
  }

  /**
   * The clock this node seals messages by, and times its bans and its sessions' recent messages
   * with.
   */
  Clock clock() {
    return clock;
  }

  private volatile List<String> capabilities = List.of();

  @Override
  public void setCapabilities(List<String> list) {
    this.capabilities = SessionRules.capabilities(list);
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
    ServerBootstrap b =
        new ServerBootstrap()
            .group(loops.group())
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 256)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    if (state != State.RUNNING || handshaking.size() >= maxPendingHandshakes()) {
                      counters.connectionsRefused.increment();
                      ch.close();
                      return;
                    }
                    initPipeline(ch, HandshakeHandler.responder(NettyP2PNetwork.this));
                  }
                });
    ChannelFuture bound = b.bind(config.listenHost(), config.listenPort()).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      throw new IllegalStateException(
          "p2p.listenPort: cannot bind " + config.listenHost() + ":" + config.listenPort(),
          bound.cause());
    }
    server = bound.channel();
    port = ((InetSocketAddress) server.localAddress()).getPort();
    state = State.RUNNING;
    LOG.info("P2P node {} listening on {}:{}", key.address(), config.listenHost(), port);
  }

  private int maxPendingHandshakes() {
    return Math.max(16, config.maxPeers());
  }

  void initPipeline(Channel ch, HandshakeHandler handshake) {
    channels.add(ch);
    handshaking.add(ch);
    ch.closeFuture()
        .addListener(f -> {
          channels.remove(ch);
          handshaking.remove(ch);
        });
    ch.pipeline()
        .addLast("frames", Framing.decoder(config.maxFrameBytes()))
        .addLast("count", frameCounter)
        .addLast("prepender", Framing.prepender())
        .addLast("handshake", handshake);
  }

  @Override
  public CompletableFuture<Peer> connect(String host, int port, Address expectedId) {
    if (state != State.RUNNING) {
      return CompletableFuture.failedFuture(new IllegalStateException("network is not running"));
    }
    if (expectedId != null) {
      NettyPeer existing = activeSession(expectedId);
      if (existing != null) {
        return CompletableFuture.completedFuture(existing);
      }
      if (expectedId.equals(key.address())) {
        return CompletableFuture.failedFuture(
            new P2PException(Disconnect.Reason.UNEXPECTED_IDENTITY, "dialling itself"));
      }
      if (bans.isBanned(expectedId)) {
        return CompletableFuture.failedFuture(
            new P2PException(Disconnect.Reason.BANNED, expectedId + " is banned"));
      }
    }
    for (NettyPeer p : sessions.all()) {
      if (p.isActive()
          && p.record().port() == port
          && p.record().host().equals(host)
          && (expectedId == null || expectedId.equals(p.id()))) {
        return CompletableFuture.completedFuture(
            p); // a session with the node advertising that endpoint
      }
    }
    if (bans.isEndpointBanned(host, port)) {
      return CompletableFuture.failedFuture(
          new P2PException(Disconnect.Reason.BANNED, host + ":" + port + " is banned"));
    }
    if (sessions.activeCount() >= config.maxPeers()) {
      return CompletableFuture.failedFuture(
          new P2PException(
              Disconnect.Reason.TOO_MANY_PEERS, "already " + config.maxPeers() + " peers"));
    }
    return dials.dial(host, port, expectedId);
  }

  /** Decides whether an authenticated peer may have a session (see the class comment). */
  synchronized SessionTable.Admission admit(NettyPeer candidate) {
    if (state != State.RUNNING) {
      return new SessionTable.Admission(Disconnect.Reason.SHUTTING_DOWN, null, null);
    }
    if (bans.isBanned(candidate.id())) {
      return new SessionTable.Admission(Disconnect.Reason.BANNED, null, null);
    }
    return sessions.admit(candidate);
  }

  NettyPeer activeSession(Address id) {
    return sessions.active(id);
  }

  void handshakeEnded(Channel ch, boolean ok) {
    handshaking.remove(ch);
    (ok ? counters.handshakesCompleted : counters.handshakesFailed).increment();
  }

  void sessionStarted(NettyPeer peer, NettyPeer replaced) {
    resends.started(peer);
    if (replaced != null) {
      if (replaced.isActive()) {
        replaced.close(Disconnect.Reason.DUPLICATE_CONNECTION);
      }
      fireDisconnected(replaced);
    }
    LOG.debug("session with {} ({})", peer.id(), peer.outbound() ? "dialled" : "accepted");
    listeners.connected(peer);
  }

  void sessionEnded(NettyPeer peer) {
    sessions.remove(peer);
    fireDisconnected(peer);
  }

  private void fireDisconnected(NettyPeer peer) {
    if (!peer.markEnded()) {
      return;
    }
    Disconnect.Reason reason = peer.reason();
    LOG.debug("session with {} ended: {}", peer.id(), reason);
    if (reason == Disconnect.Reason.DUPLICATE_CONNECTION) {
      resends.ended(peer, activeSession(peer.id()));
    }
    listeners.disconnected(peer, reason);
    peer.reported().complete(null);
  }

  void dispatch(NettyPeer from, Envelope envelope) {
    listeners.message(from, envelope);
  }

  @Override
  public Collection<Peer> peers() {
    return sessions.activePeers();
  }

  @Override
  public Optional<Peer> peer(Address id) {
    return Optional.ofNullable(activeSession(id));
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

  /** Bans a node id for banDuration: its sessions are refused at the handshake. */
  public void ban(Address id) {
    bans.ban(id);
  }

  public boolean isBanned(Address id) {
    return bans.isBanned(id);
  }

  void banEndpoint(String host, int port) {
    bans.banEndpoint(host, port);
  }

  public Stats stats() {
    return counters.stats();
  }

  int pendingHandshakes() {
    return handshaking.size();
  }

  NetworkCounters counters() {
    return counters;
  }

  P2PConfig config() {
    return config;
  }

  MessageCodec codec() {
    return codec;
  }

  FreshnessGuard guard() {
    return guard;
  }

  EventLoops loops() {
    return loops;
  }

  /**
   * Sends Disconnect(SHUTTING_DOWN) to every peer, closes every connection and stops listening;
   * waits up to 3 s for the goodbyes to be delivered and for listeners to hear of every session's
   * end (not when called on an event loop). Idempotent; the event loops are not closed (they may be
   * shared).
   */
  @Override
  public void close() {
    synchronized (this) {
      if (state == State.CLOSED) {
        return;
      }
      state = State.CLOSED;
    }
    Channel s = server;
    if (s != null) {
      s.close();
    }
    List<NettyPeer> ended = sessions.all();
    for (NettyPeer p : ended) {
      p.close(Disconnect.Reason.SHUTTING_DOWN);
    }
    List<Channel> all = new ArrayList<>(channels);
    for (Channel ch : all) {
      if (handshaking.contains(ch)) {
        ch.close();
      }
    }
    dials.failAll();
    if (all.stream().anyMatch(ch -> ch.eventLoop().inEventLoop())) {
      return;
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS);
    for (Channel ch : all) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || !ch.closeFuture().awaitUninterruptibly(left, TimeUnit.NANOSECONDS)) {
        ch.close();
      }
    }
    for (NettyPeer p : ended) {
      try {
        p.reported().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (Exception e) {
        LOG.debug("end of the session with {} not reported in time", p.id());
      }
    }
    if (s != null) {
      s.closeFuture().awaitUninterruptibly(CLOSE_WAIT_MILLIS);
    }
  }

  @Override
  public String toString() {
    return "NettyP2PNetwork[" + key.address() + " @" + config.listenHost() + ":" + port + "]";
  }
}
