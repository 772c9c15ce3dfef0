package org.jgolem.protocol.messages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import org.jgolem.eth.Address;
import org.jgolem.protocol.identity.Signature;
import org.jgolem.protocol.messages.InvalidMessageException.Reason;
import org.jgolem.protocol.messages.p2p.Ping;
import org.jgolem.testkit.FakeClock;
import org.junit.jupiter.api.Test;

/** Age, skew and replay checks, on an injected clock (no sleeping). */
class FreshnessGuardTest {
  static final long T0 = 1_700_000_000_000L;
  static final long MINUTE = 60_000;
  static final Address A = Fixtures.REQUESTOR.address();
  static final Address B = Fixtures.PROVIDER.address();

  private final FakeClock clock = new FakeClock(T0);
  private final FreshnessGuard guard = new FreshnessGuard(clock);
  private int nextId;

  /** The guard only reads the type, sender, timestamp and id; the signature is not its business. */
  static Envelope envelope(Address sender, long timestamp, int id) {
    byte[] messageId = new byte[16];
    messageId[0] = (byte) (id >> 24);
    messageId[1] = (byte) (id >> 16);
    messageId[2] = (byte) (id >> 8);
    messageId[3] = (byte) id;
    return new Envelope(
        1,
        MessageType.PING,
        sender,
        timestamp,
        messageId,
        new byte[0],
        new Ping(id),
        new Signature(new byte[32], new byte[32], 27));
  }

  private Envelope fresh(long timestamp) {
    return envelope(A, timestamp, nextId++);
  }

  private InvalidMessageException refused(Envelope e, Reason reason) {
    InvalidMessageException x =
        catchThrowableOfType(InvalidMessageException.class, () -> guard.check(e));
    assertThat(x).as("must be refused with " + reason).isNotNull();
    assertThat(x.reason()).as(x.getMessage()).isEqualTo(reason);
    return x;
  }

  @Test
  void messageOlderThanTenMinutesIsExpired() {
    assertThat(refused(fresh(T0 - 10 * MINUTE - 1), Reason.EXPIRED).getMessage())
        .contains("limit 600 s");
    refused(fresh(T0 - 60 * MINUTE), Reason.EXPIRED);
    refused(fresh(0), Reason.EXPIRED);
  }

  @Test
  void messageMoreThanFiveMinutesAheadIsFromTheFuture() {
    assertThat(refused(fresh(T0 + 5 * MINUTE + 1), Reason.FROM_THE_FUTURE).getMessage())
        .contains("limit 300 s");
    refused(fresh(Long.MAX_VALUE), Reason.FROM_THE_FUTURE);
  }

  @Test
  void messagesExactlyAtTheLimitsAreAccepted() {
    assertThatCode(() -> guard.check(fresh(T0 - 10 * MINUTE))).doesNotThrowAnyException();
    assertThatCode(() -> guard.check(fresh(T0 + 5 * MINUTE))).doesNotThrowAnyException();
    assertThatCode(() -> guard.check(fresh(T0))).doesNotThrowAnyException();
    assertThat(guard.size()).isEqualTo(3);
  }

  @Test
  void replayedIdIsRefused() {
    Envelope e = envelope(A, T0, 1);
    guard.check(e);
    assertThat(refused(e, Reason.REPLAYED).getMessage()).contains("already received");
    // The same id with another timestamp is still a replay of that id.
    refused(envelope(A, T0 + 1, 1), Reason.REPLAYED);
    clock.advance(4 * MINUTE);
    refused(e, Reason.REPLAYED);
  }

  @Test
  void sameIdFromAnotherSenderIsAccepted() {
    guard.check(envelope(A, T0, 1));
    assertThatCode(() -> guard.check(envelope(B, T0, 1))).doesNotThrowAnyException();
    refused(envelope(B, T0, 1), Reason.REPLAYED);
    assertThat(guard.size()).isEqualTo(2);
  }

  @Test
  void anIdIsRememberedAsLongAsItsMessageCouldPassTheAgeCheck() {
    // Dated at the future limit: it stays young enough until T0 + 5 + 10 minutes.
    Envelope ahead = envelope(A, T0 + 5 * MINUTE, 1);
    guard.check(ahead);
    clock.advance(
        15 * MINUTE); // exactly at its age limit: still passes the age check, so must be a replay
    refused(ahead, Reason.REPLAYED);
    clock.advance(1);
    refused(ahead, Reason.EXPIRED);
  }

  @Test
  void rememberedIdsExpire() {
    for (int i = 0; i < 100; i++) {
      guard.check(fresh(T0 - i * 1000));
    }
    assertThat(guard.size()).isEqualTo(100);
    clock.advance(10 * MINUTE);
    guard.check(fresh(clock.millis()));
    assertThat(guard.size())
        .as("none could pass the age check yet plus skew margin")
        .isEqualTo(101);
    clock.advance(10 * MINUTE + 1);
    guard.check(fresh(clock.millis()));
    assertThat(guard.size()).as("the first 100 ids are forgotten").isEqualTo(2);
    clock.advance(16 * MINUTE);
    guard.check(fresh(clock.millis()));
    assertThat(guard.size()).isEqualTo(1);
  }

  @Test
  void fullCacheFailsClosedUntilIdsExpire() {
    FreshnessGuard small =
        new FreshnessGuard(clock, Duration.ofMinutes(10), Duration.ofMinutes(5), 3);
    for (int i = 0; i < 3; i++) {
      small.check(envelope(A, T0, i));
    }
    InvalidMessageException x =
        catchThrowableOfType(InvalidMessageException.class, () -> small.check(envelope(B, T0, 99)));
    assertThat(x).isNotNull();
    assertThat(x.reason())
        .as("a full cache is not the sender's replay")
        .isEqualTo(Reason.OVERLOADED);
    assertThat(x.getMessage()).contains("cache full");
    assertThat(small.size()).isEqualTo(3);
    // Still refused a minute later: nothing could be forgotten safely yet.
    clock.advance(MINUTE);
    assertThat(
            catchThrowableOfType(
                InvalidMessageException.class, () -> small.check(envelope(B, clock.millis(), 99))))
        .isNotNull();
    // Once the remembered messages are too old to pass the age check (plus skew), there is room
    // again.
    clock.advance(15 * MINUTE);
    assertThatCode(() -> small.check(envelope(B, clock.millis(), 99))).doesNotThrowAnyException();
    assertThat(small.size()).isEqualTo(1);
  }
}
