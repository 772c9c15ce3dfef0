package org.jgolem.node.p2p.netty;

import io.netty.channel.Channel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jgolem.eth.Address;
import org.jgolem.node.p2p.Peer;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.p2p.Disconnect;
import org.jgolem.protocol.messages.p2p.NodeRecord;

/** An authenticated session over one channel. */
final class NettyPeer implements Peer {
  private final NettyP2PNetwork node;
  private final Channel channel;
  private final NodeRecord record;
  private final boolean outbound;
  private final byte[] transcript;
  private final List<String> capabilities;
  private final AtomicReference<Disconnect.Reason> localReason = new AtomicReference<>();
  private final AtomicBoolean ended = new AtomicBoolean();
  private final CompletableFuture<Void> reported = new CompletableFuture<>();
  private volatile Disconnect.Reason remoteReason;
  private volatile long lastPongMillis;

  /**
   * Market messages sent in the last {@link #RECENT_MILLIS}, newest last: see {@link
   * #recentMarketMessages}.
   */
  private final java.util.ArrayDeque<Sent> recent = new java.util.ArrayDeque<>();

  /** How long a sent market message counts as recent, by the network's clock. */
  static final long RECENT_MILLIS = 3_000;

  static final int RECENT_MAX = 64;

  /**
   * The messages worth sending again when a session ends as a duplicate: the market's, except
   * offers (an unanswered offer expires and is made again, and a repeated one could win a second
   * subtask) and task headers (a new session is sent every live header anyway). Their handlers all
   * tolerate a repeat.
   */
  static final java.util.Set<org.jgolem.protocol.messages.MessageType> RESENT =
      java.util.EnumSet.of(
          org.jgolem.protocol.messages.MessageType.TASK_TO_COMPUTE,
          org.jgolem.protocol.messages.MessageType.CANNOT_COMPUTE_TASK,
          org.jgolem.protocol.messages.MessageType.CANNOT_ASSIGN_TASK,
          org.jgolem.protocol.messages.MessageType.REPORT_COMPUTED_TASK,
          org.jgolem.protocol.messages.MessageType.ACK_REPORT_COMPUTED_TASK,
          org.jgolem.protocol.messages.MessageType.REJECT_REPORT_COMPUTED_TASK,
          org.jgolem.protocol.messages.MessageType.SUBTASK_RESULTS_ACCEPTED,
          org.jgolem.protocol.messages.MessageType.SUBTASK_RESULTS_REJECTED);

  private record Sent(Payload payload, long atMillis) {}

  NettyPeer(
      NettyP2PNetwork node,
      Channel channel,
      NodeRecord record,
      boolean outbound,
      byte[] transcript,
      List<String> capabilities) {
    this.capabilities = List.copyOf(capabilities);
    this.node = node;
    this.channel = channel;
    this.record = record;
    this.outbound = outbound;
    this.transcript = transcript;
  }

  @Override
  public Address id() {
    return record.nodeId();
  }

  @Override
  public NodeRecord record() {
    return record;
  }

  @Override
  public List<String> capabilities() {
    return capabilities;
  }

  @Override
  public boolean outbound() {
    return outbound;
  }

  @Override
  public boolean isActive() {
    return channel.isActive() && !closing();
  }

  /** Who dialled this session: the tie-break between duplicate sessions needs it. */
  Address dialer() {
    return outbound ? node.self().nodeId() : id();
  }

  byte[] transcript() {
    return transcript;
  }

  Channel channel() {
    return channel;
  }

  /** When the last Pong came, in ms of the network's clock; 0 if none came. */
  long lastPongMillis() {
    return lastPongMillis;
  }

  void pongReceived() {
    lastPongMillis = node.clock().millis();
  }

  boolean closing() {
    return localReason.get() != null || remoteReason != null;
  }

  @Override
  public CompletableFuture<Void> send(Envelope envelope) {
    if (!isActive()) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("session with " + id() + " is closed"));
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    channel
        .writeAndFlush(envelope)
        .addListener(f -> {
          if (f.isSuccess()) {
            done.complete(null);
          } else {
            done.completeExceptionally(f.cause());
          }
        });
    return done;
  }

  @Override
  public CompletableFuture<Void> send(Payload payload) {
    Envelope e;
    try {
      e = node.seal(payload);
    } catch (RuntimeException ex) {
      return CompletableFuture.failedFuture(ex);
    }
    if (RESENT.contains(payload.type()) && isActive()) remember(payload);
    return send(e);
  }

  private void remember(Payload payload) {
    long now = node.clock().millis();
    synchronized (recent) {
      recent.addLast(new Sent(payload, now));
      while (recent.size() > RECENT_MAX || now - recent.peekFirst().atMillis() > RECENT_MILLIS)
        recent.pollFirst();
    }
  }

  /**
   * The market messages sent on this session in its last {@link #RECENT_MILLIS}: when the session
   * ends as a duplicate, the peer may have closed it before reading them, though their sends
   * succeeded. They are sent again, sealed anew (the same envelope twice would be refused as a
   * replay), on the session that is kept.
   */
  List<Payload> recentMarketMessages() {
    long now = node.clock().millis();
    synchronized (recent) {
      return recent.stream()
          .filter(r -> now - r.atMillis() <= RECENT_MILLIS)
          .map(Sent::payload)
          .toList();
    }
  }

  /** Sends Disconnect(reason) and closes; PROTOCOL_ERROR and BANNED also ban the peer. */
  @Override
  public void disconnect(Disconnect.Reason reason) {
    if (reason == Disconnect.Reason.PROTOCOL_ERROR || reason == Disconnect.Reason.BANNED) {
      node.ban(id());
    }
    close(reason);
  }

  /** Ends the session with {@code reason}: tells the peer unless it already said goodbye. */
  void close(Disconnect.Reason reason) {
    if (!localReason.compareAndSet(null, reason)) {
      return;
    }
    // The session is over now, even if the goodbye takes a moment to be delivered.
    try {
      channel.eventLoop().execute(() -> node.sessionEnded(this));
    } catch (java.util.concurrent.RejectedExecutionException loopsClosed) {
      // the event loops were shut down before this network: nothing runs on them any more, and
      // nothing can be sent
      node.sessionEnded(this);
      return;
    }
    if (remoteReason != null || !channel.isActive()) {
      channel.close();
      return;
    }
    Envelope bye;
    try {
      bye = node.seal(new Disconnect(reason));
    } catch (RuntimeException e) {
      channel.close();
      return;
    }
    Goodbye.send(channel, bye);
  }

  /** The peer sent Disconnect(reason). */
  void remoteDisconnected(Disconnect.Reason reason) {
    if (localReason.get() == null && remoteReason == null) {
      remoteReason = reason;
    }
    channel.close();
  }

  /** The reason listeners hear: ours if we ended it, else the peer's, else CONNECTION_LOST. */
  Disconnect.Reason reason() {
    Disconnect.Reason local = localReason.get();
    if (local != null && remoteReason == null) {
      return local;
    }
    if (remoteReason != null) {
      return remoteReason;
    }
    return Disconnect.Reason.CONNECTION_LOST;
  }

  /** True exactly once, when the session's end is reported. */
  boolean markEnded() {
    return ended.compareAndSet(false, true);
  }

  /** Completes once listeners have been told that the session ended. */
  CompletableFuture<Void> reported() {
    return reported;
  }

  @Override
  public String toString() {
    return "NettyPeer["
        + id()
        + (outbound ? " out " : " in ")
        + channel.remoteAddress()
        + (isActive() ? "" : " closed")
        + "]";
  }
}
