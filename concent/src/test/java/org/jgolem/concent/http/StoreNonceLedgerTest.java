package org.jgolem.concent.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jgolem.concent.service.ConcentStore;
import org.jgolem.concent.service.ConcentTx;
import org.jgolem.eth.Address;
import org.jgolem.protocol.identity.NodeKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The ledger over the store's port: each call is one transaction on the store's nonce methods. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StoreNonceLedgerTest {
  @Test
  void remembersAndForgetsThroughTransactions() {
    InMemoryNonceLedger behind = new InMemoryNonceLedger();
    AtomicInteger transactions = new AtomicInteger();
    ConcentTx tx =
        (ConcentTx)
            Proxy.newProxyInstance(
                ConcentTx.class.getClassLoader(),
                new Class<?>[] {ConcentTx.class},
                (p, m, args) ->
                    switch (m.getName()) {
                      case "rememberNonce" ->
                          behind.remember((Address) args[0], (byte[]) args[1], (long) args[2]);
                      case "forgetNonces" -> behind.forget((long) args[0]);
                      default -> throw new UnsupportedOperationException(m.getName());
                    });
    ConcentStore store =
        new ConcentStore() {
          @Override
          public <T> T transaction(Function<ConcentTx, T> work) {
            transactions.incrementAndGet();
            return work.apply(tx);
          }

          @Override
          public void close() {}
        };
    StoreNonceLedger ledger = new StoreNonceLedger(store);
    Address client = NodeKey.generate().address();
    byte[] nonce = new byte[16];
    assertThat(ledger.remember(client, nonce, 1_000)).isTrue();
    assertThat(ledger.remember(client, nonce, 1_000)).isFalse();
    assertThat(ledger.forget(1_000)).isZero(); // not expired before 1000
    assertThat(ledger.forget(1_001)).isEqualTo(1);
    assertThat(ledger.remember(client, nonce, 2_000)).isTrue();
    assertThat(transactions).hasValue(5);
  }
}
