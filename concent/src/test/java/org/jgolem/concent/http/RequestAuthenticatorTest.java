package org.jgolem.concent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.jgolem.protocol.hashing.Keccak;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.concent.ConcentAuth;
import org.jgolem.testkit.FakeClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The nonce memories over time, on a fake clock. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RequestAuthenticatorTest {
  final FakeClock clock = new FakeClock(1_800_000_000_000L);
  final MessageCodec codec = new MessageCodec(31337, 1 << 16);
  final NodeKey concent = NodeKey.generate();
  final NodeKey node = NodeKey.generate();
  final InMemoryNonceLedger ledger = new InMemoryNonceLedger();
  final Duration maxAge = Duration.ofMinutes(2);
  final RequestAuthenticator auth =
      new RequestAuthenticator(
          codec, concent.address(), clock, ledger, maxAge, Duration.ofSeconds(30), 1000);

  private String header(String path) {
    ConcentAuth a = new ConcentAuth(concent.address(), "POST", path, Keccak.keccak256(new byte[0]));
    return HexFormat.of().formatHex(codec.encode(codec.seal(a, node, clock)));
  }

  @Test
  void nonceAreForgottenOnceTheirRequestsCanNoLongerBeFreshAndNotBefore() throws Exception {
    String first = header("/api/v1/receive");
    assertThat(auth.check(first, "POST", "/api/v1/receive").client()).isEqualTo(node.address());
    assertThat(ledger.size()).isEqualTo(1);

    clock.advance(maxAge); // the first is at the edge of its window: still remembered
    auth.check(header("/api/v1/receive"), "POST", "/api/v1/receive");
    assertThat(ledger.size()).isEqualTo(2);
    assertThatThrownBy(() -> auth.check(first, "POST", "/api/v1/receive"))
        .isInstanceOfSatisfying(
            Refusal.class, r -> assertThat(r.code()).isEqualTo("auth.replayed"));

    clock.advance(maxAge.plusSeconds(1)); // both too old now: forgotten, and refused as expired
    auth.check(header("/api/v1/receive"), "POST", "/api/v1/receive");
    assertThat(ledger.size()).isEqualTo(1);
    assertThatThrownBy(() -> auth.check(first, "POST", "/api/v1/receive"))
        .isInstanceOfSatisfying(Refusal.class, r -> assertThat(r.code()).isEqualTo("auth.expired"));
  }

  @Test
  void theBodyHashIsCheckedSeparately() throws Exception {
    RequestAuthenticator.Authorized a =
        auth.check(header("/api/v1/receive"), "POST", "/api/v1/receive");
    RequestAuthenticator.checkBody(a, Keccak.keccak256(new byte[0]));
    assertThatThrownBy(() -> RequestAuthenticator.checkBody(a, Keccak.keccak256(new byte[1])))
        .isInstanceOfSatisfying(
            Refusal.class, r -> assertThat(r.code()).isEqualTo("auth.body_mismatch"));
  }
}
