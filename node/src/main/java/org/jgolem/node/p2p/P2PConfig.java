package org.jgolem.node.p2p;

import java.time.Duration;

/**
 * P2P settings; {@link #validate()} names the setting at fault.
 *
 * @param listenHost address to bind (127.0.0.1 in tests)
 * @param listenPort port to bind, 0 for any free port
 * @param advertisedHost host others should dial (defaults to listenHost)
 * @param maxPeers sessions kept at most; more are refused with TOO_MANY_PEERS
 * @param maxFrameBytes largest frame accepted; a larger one closes that session
 * @param handshakeTimeout time allowed for a session to authenticate
 * @param idleTimeout a session silent this long is closed
 * @param pingInterval keep-alive Ping after this much silence
 * @param messagesPerSecond per-peer sustained rate; bursts up to {@code burst}
 * @param burst per-peer burst size
 * @param banDuration how long a peer that broke the protocol stays banned
 * @param chainId EIP-712 domain of signed messages
 * @param clientVersion sent in Hello
 */
public record P2PConfig(
    String listenHost,
    int listenPort,
    String advertisedHost,
    int maxPeers,
    int maxFrameBytes,
    Duration handshakeTimeout,
    Duration idleTimeout,
    Duration pingInterval,
    int messagesPerSecond,
    int burst,
    Duration banDuration,
    long chainId,
    String clientVersion) {

  public static P2PConfig loopback() {
    return new P2PConfig(
        "127.0.0.1",
        0,
        "127.0.0.1",
        32,
        4 * 1024 * 1024,
        Duration.ofSeconds(5),
        Duration.ofSeconds(60),
        Duration.ofSeconds(15),
        2_000,
        4_000,
        Duration.ofMinutes(10),
        31337,
        "jgolem/0.1.0");
  }

  public P2PConfig withListenPort(int port) {
    return new P2PConfig(
        listenHost,
        port,
        advertisedHost,
        maxPeers,
        maxFrameBytes,
        handshakeTimeout,
        idleTimeout,
        pingInterval,
        messagesPerSecond,
        burst,
        banDuration,
        chainId,
        clientVersion);
  }

  public P2PConfig withMaxPeers(int n) {
    return new P2PConfig(
        listenHost,
        listenPort,
        advertisedHost,
        n,
        maxFrameBytes,
        handshakeTimeout,
        idleTimeout,
        pingInterval,
        messagesPerSecond,
        burst,
        banDuration,
        chainId,
        clientVersion);
  }

  public P2PConfig withMaxFrameBytes(int n) {
    return new P2PConfig(
        listenHost,
        listenPort,
        advertisedHost,
        maxPeers,
        n,
        handshakeTimeout,
        idleTimeout,
        pingInterval,
        messagesPerSecond,
        burst,
        banDuration,
        chainId,
        clientVersion);
  }

  public P2PConfig withTimeouts(Duration handshake, Duration idle, Duration ping) {
    return new P2PConfig(
        listenHost,
        listenPort,
        advertisedHost,
        maxPeers,
        maxFrameBytes,
        handshake,
        idle,
        ping,
        messagesPerSecond,
        burst,
        banDuration,
        chainId,
        clientVersion);
  }

  public P2PConfig withRateLimit(int perSecond, int burstSize) {
    return new P2PConfig(
        listenHost,
        listenPort,
        advertisedHost,
        maxPeers,
        maxFrameBytes,
        handshakeTimeout,
        idleTimeout,
        pingInterval,
        perSecond,
        burstSize,
        banDuration,
        chainId,
        clientVersion);
  }

  /**
   * The chain whose id is in every signed message's EIP-712 domain (a node only talks to nodes of
   * its chain).
   */
  public P2PConfig withChainId(long id) {
    return new P2PConfig(
        listenHost,
        listenPort,
        advertisedHost,
        maxPeers,
        maxFrameBytes,
        handshakeTimeout,
        idleTimeout,
        pingInterval,
        messagesPerSecond,
        burst,
        banDuration,
        id,
        clientVersion);
  }

  public P2PConfig withBanDuration(Duration d) {
    return new P2PConfig(
        listenHost,
        listenPort,
        advertisedHost,
        maxPeers,
        maxFrameBytes,
        handshakeTimeout,
        idleTimeout,
        pingInterval,
        messagesPerSecond,
        burst,
        d,
        chainId,
        clientVersion);
  }

  public P2PConfig validate() {
    require(listenHost != null && !listenHost.isBlank(), "p2p.listenHost", "must be set");
    require(listenPort >= 0 && listenPort <= 65535, "p2p.listenPort", "must be in 0..65535");
    require(
        advertisedHost != null && !advertisedHost.isBlank(), "p2p.advertisedHost", "must be set");
    require(maxPeers >= 1, "p2p.maxPeers", "must be at least 1");
    require(maxFrameBytes >= 1024, "p2p.maxFrameBytes", "must be at least 1024");
    require(positive(handshakeTimeout), "p2p.handshakeTimeout", "must be positive");
    require(positive(idleTimeout), "p2p.idleTimeout", "must be positive");
    require(
        positive(pingInterval) && pingInterval.compareTo(idleTimeout) < 0,
        "p2p.pingInterval",
        "must be positive and below idleTimeout");
    require(
        messagesPerSecond >= 1 && burst >= 1, "p2p.messagesPerSecond/burst", "must be at least 1");
    require(
        banDuration != null && !banDuration.isNegative(),
        "p2p.banDuration",
        "must not be negative");
    require(chainId > 0, "p2p.chainId", "must be positive");
    return this;
  }

  private static boolean positive(Duration d) {
    return d != null && !d.isZero() && !d.isNegative();
  }

  private static void require(boolean ok, String setting, String rule) {
    if (!ok) {
      throw new IllegalArgumentException(setting + " " + rule);
    }
  }
}
