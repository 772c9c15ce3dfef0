package org.jgolem.concent.http;

import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.FreshnessGuard;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.concent.ConcentAuth;

/**
 * Checks a request's {@code Concent-Auth} header: a {@link ConcentAuth} envelope, hex encoded,
 * signed by the client's node key. In order: it decodes and its signature recovers to its sender
 * (the chain id is in the signed domain, so an envelope for another chain fails here), it is a
 * ConcentAuth, it is addressed to this Concent, it names this request's method and path (with the
 * query), then its freshness (timestamp window, then the nonce: once in memory through {@link
 * FreshnessGuard}, then durably through the {@link NonceLedger}). The body hash is checked by
 * {@link #checkBody} once the body has been read. Each failure is a {@link Refusal} naming what is
 * wrong; nothing here keeps state but the two nonce memories.
 */
public final class RequestAuthenticator {
  public static final String HEADER = "Concent-Auth";

  /** A request that passed the header checks; the body must still match {@link #bodyHash}. */
  public record Authorized(Address client, byte[] bodyHash, String nonceHex) {}

  private final MessageCodec codec;
  private final Address concent;
  private final Clock clock;
  private final FreshnessGuard guard;
  private final NonceLedger ledger;
  private final long maxAgeMillis;
  private final long forgetEveryMillis;
  private volatile long nextForget;

  public RequestAuthenticator(
      MessageCodec codec,
      Address concent,
      Clock clock,
      NonceLedger ledger,
      Duration maxAge,
      Duration maxSkew,
      int nonceCapacity) {
    this.codec = codec;
    this.concent = concent;
    this.clock = clock;
    this.ledger = ledger;
    this.guard = new FreshnessGuard(clock, maxAge, maxSkew, nonceCapacity);
    this.maxAgeMillis = maxAge.toMillis();
    this.forgetEveryMillis = Math.max(1_000, maxAge.toMillis() / 4);
    this.nextForget = clock.millis() + forgetEveryMillis;
  }

  /**
   * Checks the header (everything but the body hash) and consumes its nonce.
   *
   * @param header the header's value, or null if the request has none
   * @param method the request's method
   * @param pathAndQuery the raw path, with {@code ?query} if the request has one
   */
  public Authorized check(String header, String method, String pathAndQuery) throws Refusal {
    if (header == null || header.isBlank()) {
      throw Refusal.unauthorized(
          "auth.missing",
          "missing "
              + HEADER
              + " header: send the hex of a ConcentAuth envelope signed by your node key");
    }
    byte[] frame;
    try {
      String h = header.strip();
      frame = HexFormat.of().parseHex(h.startsWith("0x") ? h.substring(2) : h);
    } catch (IllegalArgumentException e) {
      throw Refusal.unauthorized("auth.malformed", HEADER + " is not hex: " + e.getMessage());
    }
    Envelope e;
    try {
      e = codec.decode(frame);
    } catch (InvalidMessageException x) {
      if (x.reason() == InvalidMessageException.Reason.BAD_SIGNATURE) {
        throw Refusal.unauthorized(
            "auth.bad_signature",
            HEADER
                + " has a bad signature (or was signed for another chain than "
                + codec.hasher().chainId()
                + "): "
                + x.getMessage());
      }
      throw Refusal.unauthorized(
          "auth.malformed", HEADER + " is not a valid envelope: " + x.getMessage());
    }
    if (e.type() != MessageType.CONCENT_AUTH) {
      throw Refusal.unauthorized(
          "auth.wrong_type", HEADER + " holds a " + e.type() + ", not a CONCENT_AUTH");
    }
    ConcentAuth auth = e.payload(ConcentAuth.class);
    if (!auth.concent().equals(concent)) {
      throw new Refusal(
          421,
          "auth.other_concent",
          "the request is addressed to another Concent, "
              + auth.concent()
              + "; this Concent is "
              + concent);
    }
    if (!auth.method().equals(method)) {
      throw Refusal.unauthorized(
          "auth.method_mismatch",
          HEADER + " authorizes method " + auth.method() + ", the request is " + method);
    }
    if (!auth.path().equals(pathAndQuery)) {
      throw Refusal.unauthorized(
          "auth.path_mismatch",
          HEADER + " authorizes path " + auth.path() + ", the request is for " + pathAndQuery);
    }
    try {
      guard.check(e);
    } catch (InvalidMessageException x) {
      throw switch (x.reason()) {
        case EXPIRED ->
            Refusal.unauthorized(
                "auth.expired", HEADER + " is too old (check your clock): " + x.getMessage());
        case FROM_THE_FUTURE ->
            Refusal.unauthorized(
                "auth.from_the_future",
                HEADER + " is dated in the future (check your clock): " + x.getMessage());
        case REPLAYED -> replayed(e);
        default -> new Refusal(503, "server.overloaded", x.getMessage());
      };
    }
    long now = clock.millis();
    if (!ledger.remember(e.sender(), e.messageId(), Math.max(e.timestamp(), now) + maxAgeMillis)) {
      throw replayed(e);
    }
    if (now >= nextForget) {
      nextForget = now + forgetEveryMillis;
      ledger.forget(now);
    }
    return new Authorized(e.sender(), auth.bodyHash(), e.messageIdHex());
  }

  private static Refusal replayed(Envelope e) {
    return Refusal.unauthorized(
        "auth.replayed",
        "nonce "
            + e.messageIdHex()
            + " of "
            + e.sender()
            + " was used already: sign each request with a fresh "
            + HEADER);
  }

  /** Throws unless {@code actualHash} (keccak256 of the body received) is the authorized one. */
  public static void checkBody(Authorized a, byte[] actualHash) throws Refusal {
    if (!Arrays.equals(a.bodyHash(), actualHash)) {
      throw Refusal.unauthorized(
          "auth.body_mismatch",
          "the body's keccak256 is 0x"
              + HexFormat.of().formatHex(actualHash)
              + ", "
              + HEADER
              + " authorizes 0x"
              + HexFormat.of().formatHex(a.bodyHash()));
    }
  }
}
