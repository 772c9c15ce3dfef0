package org.jgolem.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jgolem.testkit.FakeClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.web3j.protocol.Service;
import org.web3j.protocol.Web3j;

/** The receipt poll's deadline and pauses come from the injected clock and scheduler. */
@Timeout(30)
class FastReceiptProcessorTest {
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  /**
   * An RPC endpoint that answers every eth_getTransactionReceipt with "no receipt yet", counting
   * the polls.
   */
  private static final class NoReceipt extends Service {
    final AtomicInteger polls = new AtomicInteger();
    final Runnable onPoll;

    NoReceipt(Runnable onPoll) {
      super(false);
      this.onPoll = onPoll;
    }

    @Override
    protected InputStream performIO(String payload) {
      polls.incrementAndGet();
      onPoll.run();
      return new ByteArrayInputStream(
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":null}".getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {}
  }

  @Test
  void timesOutWhenTheClockPassesTheDeadlineNotAfterWaitingForIt() {
    FakeClock clock = new FakeClock(1_000_000);
    // each poll moves the clock 10 s; the 1-minute timeout passes after 7 polls, with no real
    // minute waited
    NoReceipt rpc = new NoReceipt(() -> clock.advance(10_000));
    FastReceiptProcessor p =
        new FastReceiptProcessor(
            Web3j.build(rpc),
            Duration.ofMillis(4),
            Duration.ofMinutes(1),
            r -> new ChainException(ChainException.Reason.REVERTED, "unused"),
            clock,
            scheduler);
    long start = System.nanoTime();
    assertThatThrownBy(() -> p.waitForTransactionReceipt("0xabc"))
        .isInstanceOf(ChainException.class)
        .hasMessageContaining("no receipt for 0xabc within 60000 ms");
    assertThat(rpc.polls.get()).isEqualTo(7);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void pausesOnTheSchedulerDoublingFromOneMillisecondUpToTheMaximum() {
    FakeClock clock = new FakeClock(1_000_000);
    List<Long> pauses = new ArrayList<>();
    ScheduledExecutorService recording =
        new java.util.concurrent.ScheduledThreadPoolExecutor(1) {
          @Override
          public java.util.concurrent.ScheduledFuture<?> schedule(
              Runnable command, long delay, TimeUnit unit) {
            pauses.add(unit.toMicros(delay));
            return super.schedule(command, 0, unit);
          }
        };
    AtomicInteger left = new AtomicInteger(6);
    NoReceipt rpc =
        new NoReceipt(() -> {
          if (left.decrementAndGet() < 0) {
            clock.advance(Duration.ofDays(1));
          }
        });
    try {
      FastReceiptProcessor p =
          new FastReceiptProcessor(
              Web3j.build(rpc),
              Duration.ofMillis(8),
              Duration.ofMinutes(1),
              r -> new ChainException(ChainException.Reason.REVERTED, "unused"),
              clock,
              recording);
      assertThatThrownBy(() -> p.waitForTransactionReceipt("0xabc"))
          .isInstanceOf(ChainException.class);
      assertThat(pauses).containsExactly(1_000L, 2_000L, 4_000L, 8_000L, 8_000L, 8_000L);
    } finally {
      recording.shutdownNow();
    }
  }
}
