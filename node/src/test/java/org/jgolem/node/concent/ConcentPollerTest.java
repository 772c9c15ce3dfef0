package org.jgolem.node.concent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jgolem.protocol.messages.concent.ServiceRefused;
import org.jgolem.testkit.ManualScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The poller on a fake clock: its interval, its back-off, and what it acknowledges. */
@Timeout(30)
class ConcentPollerTest {
  final ConcentFixture f = new ConcentFixture();
  final ConcentFixture.FakePort port = new ConcentFixture.FakePort();
  final ManualScheduler scheduler = new ManualScheduler(f.clock);
  final List<String> handled = new ArrayList<>();

  /** The inbox fails on messages with this detail, as a handler whose store is down. */
  String failOn = "none";

  final ConcentInbox inbox =
      m -> {
        ServiceRefused r = (ServiceRefused) m.envelope().payload();
        if (r.detail().equals(failOn)) throw new IllegalStateException("store down");
        if (r.detail().startsWith("unknown")) return false;
        handled.add(r.detail());
        return true;
      };

  final ConcentPoller poller =
      new ConcentPoller(port, List.of(inbox), scheduler, Duration.ofSeconds(30));

  ConcentMessage refusal(String detail) {
    return f.fromConcent(
        new ServiceRefused(new byte[32], new byte[16], ServiceRefused.Reason.TOO_LATE, detail));
  }

  @Test
  void pollsAtOnceThenEveryInterval() {
    poller.start();
    scheduler.runDue();
    assertThat(port.receives.get()).isEqualTo(1);
    scheduler.advance(Duration.ofSeconds(30).minusMillis(1));
    assertThat(port.receives.get()).isEqualTo(1);
    scheduler.advance(Duration.ofMillis(1));
    assertThat(port.receives.get()).isEqualTo(2);
    poller.close();
    scheduler.advance(Duration.ofMinutes(5));
    assertThat(port.receives.get()).isEqualTo(2);
  }

  @Test
  void acknowledgesOnlyWhatWasHandledAndGetsTheRestAgain() {
    port.deliver(refusal("a"));
    port.deliver(refusal("b"));
    port.deliver(refusal("unknown c"));
    failOn = "b";
    poller.start();
    scheduler.runDue();
    assertThat(handled).containsExactly("a");
    assertThat(port.acked).hasSize(2); // a, and the unknown one (dropped, not delivered for ever)
    assertThat(port.inbox).hasSize(1);

    // a failed handler backs off (5 s), and the message comes again
    failOn = "none";
    scheduler.advance(Duration.ofSeconds(5));
    assertThat(handled).containsExactly("a", "b");
    assertThat(port.inbox).isEmpty();
    assertThat(poller.handled()).isEqualTo(3);
  }

  @Test
  void anUnreachableConcentBacksOffFrom5sDoublingTo300s() {
    port.failures = 8;
    poller.start();
    scheduler.runDue();
    long[] waits = {5, 10, 20, 40, 80, 160, 300, 300};
    int expected = 1;
    for (long w : waits) {
      assertThat(port.receives.get()).isEqualTo(expected);
      scheduler.advance(Duration.ofSeconds(w).minusMillis(1));
      assertThat(port.receives.get()).isEqualTo(expected);
      scheduler.advance(Duration.ofMillis(1));
      expected++;
    }
    // reached again: back to the interval, and the back-off starts over
    assertThat(port.receives.get()).isEqualTo(9);
    scheduler.advance(Duration.ofSeconds(30));
    assertThat(port.receives.get()).isEqualTo(10);
    port.failures = 1;
    scheduler.advance(Duration.ofSeconds(30));
    scheduler.advance(Duration.ofSeconds(5));
    assertThat(port.receives.get()).isEqualTo(12);
  }
}
