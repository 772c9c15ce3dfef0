package org.jgolem.node.p2p.memory;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jgolem.eth.Address;
import org.jgolem.node.p2p.Peer;
import org.jgolem.node.p2p.SessionRules;
import org.jgolem.node.p2p.TokenBucket;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.p2p.Disconnect;
import org.jgolem.protocol.messages.p2p.NodeRecord;
import org.jgolem.protocol.messages.p2p.Ping;
import org.jgolem.protocol.messages.p2p.Pong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One end of an in-memory session. */
public final class MemoryPeer implements Peer {
  private static final Logger LOG = LoggerFactory.getLogger(MemoryPeer.class);

  private final MemoryP2PNetwork owner;
  private final NodeRecord record;
  private final boolean outbound;
  private final TokenBucket bucket;
  private final AtomicBoolean active = new AtomicBoolean(true);
  private volatile MemoryPeer remote;
  private volatile long lastPongMillis;

  MemoryPeer(MemoryP2PNetwork owner, NodeRecord record, boolean outbound) {
    this.owner = owner;
    this.record = record;
    this.outbound = outbound;
    this.bucket =
        new TokenBucket(
            owner.config.messagesPerSecond(),
            owner.config.burst(),
            () -> owner.clock.millis() * 1_000_000L);
  }

  void link(MemoryPeer other) {
    this.remote = other;
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
    MemoryP2PNetwork other = remote == null ? null : remote.owner;
    return other == null ? List.of() : other.capabilities();
  }

  @Override
  public boolean outbound() {
    return outbound;
  }

  @Override
  public boolean isActive() {
    return active.get();
  }

  /** When the last Pong arrived (the node's clock), 0 if none did. */
  public long lastPongMillis() {
    return lastPongMillis;
  }

  @Override
  public CompletableFuture<Void> send(Envelope envelope) {
    byte[] frame;
    try {
      frame = owner.codec.encode(envelope);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (frame.length > SessionRules.maxEnvelopeBytes(owner.config)) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException(
              envelope.type() + " of " + frame.length + " bytes exceeds the frame limit"));
    }
    return injectFrame(frame);
  }

  @Override
  public CompletableFuture<Void> send(Payload payload) {
    Envelope e;
    try {
      e = owner.seal(payload);
    } catch (RuntimeException ex) {
      return CompletableFuture.failedFuture(ex);
    }
    return send(e);
  }

  /**
   * Puts raw bytes on the wire as if they were an encoded envelope, for tests of misbehaving peers
   * (forged signatures, replays, junk). Completes once queued, as a socket write completes once
   * written.
   */
  public CompletableFuture<Void> injectFrame(byte[] frame) {
    if (!active.get()) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("session with " + id() + " is closed"));
    }
    byte[] copy = frame.clone();
    MemoryPeer to = remote;
    owner.hub.execute(() -> to.receive(copy));
    return CompletableFuture.completedFuture(null);
  }

  /** Sends Disconnect(reason) and closes; PROTOCOL_ERROR and BANNED also ban the peer. */
  @Override
  public void disconnect(Disconnect.Reason reason) {
    if (reason == Disconnect.Reason.PROTOCOL_ERROR || reason == Disconnect.Reason.BANNED) {
      owner.bans.ban(id());
    }
    sendDisconnect(reason);
  }

  private void sendDisconnect(Disconnect.Reason reason) {
    byte[] last = null;
    if (active.get()) {
      try {
        last = owner.codec.encode(owner.seal(new Disconnect(reason)));
      } catch (RuntimeException e) {
        LOG.warn("cannot seal Disconnect for {}", id(), e);
      }
    }
    end(reason, last);
  }

  boolean remoteClosed() {
    return !remote.active.get();
  }

  /** Ends this end now, on the hub thread, without telling the other end. */
  void closeLocally(Disconnect.Reason reason) {
    end(reason, null);
  }

  /** Ends the session at this end; the other end learns it from {@code lastFrame} and the close. */
  private void end(Disconnect.Reason reason, byte[] lastFrame) {
    if (!active.compareAndSet(true, false)) {
      return;
    }
    owner.removeSession(this);
    MemoryPeer to = remote;
    owner.hub.execute(() -> owner.fireDisconnected(this, reason));
    if (lastFrame != null) {
      owner.hub.execute(() -> to.receive(lastFrame));
    }
    owner.hub.execute(to::transportClosed);
  }

  private void transportClosed() {
    end(Disconnect.Reason.CONNECTION_LOST, null);
  }

  /** On the hub thread: the checks every received frame goes through, then dispatch. */
  private void receive(byte[] frame) {
    if (!active.get()) {
      return;
    }
    if (!bucket.tryTake()) {
      LOG.debug("{} exceeded {} messages/s", id(), owner.config.messagesPerSecond());
      sendDisconnect(Disconnect.Reason.RATE_LIMITED);
      return;
    }
    Envelope e;
    try {
      e = owner.codec.decode(frame);
      owner.guard.check(e);
      if (!e.sender().equals(id())) {
        throw new InvalidMessageException(
            InvalidMessageException.Reason.SENDER_MISMATCH,
            e.type() + " sent by " + e.sender() + " on the session of " + id());
      }
      if (e.type() == MessageType.HELLO) {
        throw new InvalidMessageException(
            InvalidMessageException.Reason.MALFORMED, "Hello after the handshake");
      }
    } catch (InvalidMessageException ex) {
      refuse(ex);
      return;
    }
    switch (e.type()) {
      case PING -> send(new Pong(e.payload(Ping.class).nonce()));
      case PONG -> lastPongMillis = owner.clock.millis();
      default -> {}
    }
    owner.dispatch(this, e);
    if (e.payload() instanceof Disconnect d) {
      end(d.reason(), null);
    }
  }

  private void refuse(InvalidMessageException ex) {
    if (SessionRules.replayCacheFull(owner.guard, ex)) {
      LOG.warn("replay cache full, dropping a message from {}", id());
      return;
    }
    LOG.debug("refusing a message from {}: {}", id(), ex.getMessage());
    if (SessionRules.bans(ex)) {
      owner.bans.ban(id());
    }
    sendDisconnect(SessionRules.disconnectReason(ex));
  }

  @Override
  public String toString() {
    return "MemoryPeer[" + id() + (outbound ? " out" : " in") + (isActive() ? "" : " closed") + "]";
  }
}
