package org.jgolem.node.p2p;

import java.time.Clock;
import org.jgolem.protocol.identity.Signature;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.FreshnessGuard;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.p2p.Disconnect;

/**
 * What every transport does with a refused message from an authenticated peer, so that the Netty
 * and in-memory networks behave alike.
 *
 * <ul>
 *   <li>another protocol version: Disconnect INCOMPATIBLE_VERSION, no ban (an honest newer node);
 *   <li>too old or dated in the future: PROTOCOL_ERROR, no ban (a wrong clock is not an attack);
 *   <li>a message type this build cannot decode: PROTOCOL_ERROR, no ban (a newer build);
 *   <li>anything else (malformed, too large, bad signature, replay, sender other than the peer,
 *       invalid payload): PROTOCOL_ERROR, and the peer's node id is banned.
 * </ul>
 */
public final class SessionRules {
  /** AES-GCM tag added to every encrypted frame. */
  public static final int AEAD_TAG_BYTES = 16;

  /** Ids a node's {@link FreshnessGuard} remembers at most. */
  public static final int REPLAY_CACHE_CAPACITY = 1_000_000;

  private SessionRules() {}

  /** One guard per node, shared by all its sessions. */
  public static FreshnessGuard newFreshnessGuard(Clock clock) {
    return new FreshnessGuard(
        clock, FreshnessGuard.MAX_AGE, FreshnessGuard.MAX_SKEW, REPLAY_CACHE_CAPACITY);
  }

  /**
   * True if {@code guard} refused {@code e} because its replay cache is full rather than because
   * the peer replayed: the node is overloaded, the peer did nothing wrong, so the message is
   * dropped without a disconnect or a ban.
   */
  public static boolean replayCacheFull(FreshnessGuard guard, InvalidMessageException e) {
    return e.reason() == InvalidMessageException.Reason.OVERLOADED;
  }

  public static Disconnect.Reason disconnectReason(InvalidMessageException e) {
    return e.reason() == InvalidMessageException.Reason.UNSUPPORTED_VERSION
        ? Disconnect.Reason.INCOMPATIBLE_VERSION
        : Disconnect.Reason.PROTOCOL_ERROR;
  }

  public static boolean bans(InvalidMessageException e) {
    return switch (e.reason()) {
      case UNSUPPORTED_VERSION, EXPIRED, FROM_THE_FUTURE, UNKNOWN_TYPE, OVERLOADED -> false;
      case MALFORMED, TOO_LARGE, BAD_SIGNATURE, SENDER_MISMATCH, REPLAYED, INVALID_PAYLOAD -> true;
    };
  }

  /** The largest encoded envelope a frame of {@code maxFrameBytes} can carry. */
  public static int maxEnvelopeBytes(P2PConfig config) {
    return config.maxFrameBytes() - AEAD_TAG_BYTES;
  }

  /** The largest payload such an envelope can carry (for {@code MessageCodec}). */
  public static int maxPayloadBytes(P2PConfig config) {
    return maxEnvelopeBytes(config) - Envelope.HEADER_LENGTH - Signature.LENGTH;
  }

  /** Checks and copies the capabilities a node announces in its Hello. */
  public static java.util.List<String> capabilities(java.util.List<String> list) {
    java.util.List<String> copy = java.util.List.copyOf(list);
    if (copy.size() > org.jgolem.protocol.messages.p2p.Hello.MAX_CAPABILITIES
        || copy.stream().anyMatch(c -> c.isEmpty() || c.length() > 64)) {
      throw new IllegalArgumentException(
          "at most "
              + org.jgolem.protocol.messages.p2p.Hello.MAX_CAPABILITIES
              + " capabilities of 1..64 characters");
    }
    return copy;
  }
}
