package org.jgolem.concent.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.jgolem.concent.ConcentFixtures;
import org.jgolem.eth.Address;
import org.jgolem.testkit.FakeClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class CachedDepositBookTest {
  @Test
  void readsTheChainOncePerFreshnessAndAgainAfterConcentPaid() {
    FakeClock clock = new FakeClock(1_000_000);
    AtomicInteger reads = new AtomicInteger();
    BigInteger[] balance = {BigInteger.TEN};
    DepositBook chain =
        owner -> {
          reads.incrementAndGet();
          return new DepositBook.DepositStatus(balance[0], 0);
        };
    CachedDepositBook book = new CachedDepositBook(chain, clock, Duration.ofSeconds(1));
    Address r = ConcentFixtures.REQUESTOR.address();

    assertThat(book.status(r).balance()).isEqualTo(BigInteger.TEN);
    clock.advance(999);
    assertThat(book.status(r).balance()).isEqualTo(BigInteger.TEN);
    assertThat(reads).as("still fresh at 999 ms").hasValue(1);

    balance[0] = BigInteger.ONE;
    clock.advance(1);
    assertThat(book.status(r).balance()).as("read again at 1 s").isEqualTo(BigInteger.ONE);
    assertThat(reads).hasValue(2);

    balance[0] = BigInteger.TWO;
    book.forget(r);
    assertThat(book.status(r).balance())
        .as("read again once Concent paid")
        .isEqualTo(BigInteger.TWO);
    assertThat(reads).hasValue(3);
    assertThat(book.status(ConcentFixtures.PROVIDER.address()).balance()).isEqualTo(BigInteger.TWO);
    assertThat(reads).as("each owner apart").hasValue(4);
  }
}
