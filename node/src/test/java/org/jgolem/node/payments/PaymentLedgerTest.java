package org.jgolem.node.payments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.jgolem.eth.Address;
import org.jgolem.node.payments.PaymentChain.SignedTx;
import org.jgolem.node.state.NodeDatabase;
import org.jgolem.node.state.StateException;
import org.jgolem.node.store.SqlitePaymentLedger;
import org.jgolem.testkit.FakeClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger's own guards, below the processor: what the schema refuses whatever the code above
 * does.
 */
class PaymentLedgerTest {
  static final Address P = PaymentProcessorTest.addr(0xb1);

  @TempDir Path dir;
  final FakeClock clock = new FakeClock(1_700_000_000_000L);
  NodeDatabase db;
  PaymentLedger ledger;

  @BeforeEach
  void open() {
    db = NodeDatabase.open(dir, clock);
    ledger = new SqlitePaymentLedger(db);
  }

  @AfterEach
  void close() {
    db.close();
  }

  static SignedTx tx(String hash, long nonce) {
    return new SignedTx(
        hash, "0xraw" + hash, nonce, BigInteger.valueOf(100_000), BigInteger.ONE, BigInteger.TWO);
  }

  @Test
  void twoLiveBatchesCanNeverHoldTheSameNonce() {
    ledger.recordIfAbsent("t", "a", P, BigInteger.TEN, Instant.now(), 0);
    ledger.recordIfAbsent("t", "b", P, BigInteger.TEN, Instant.now(), 0);
    ledger.writeAhead(BatchRecord.Kind.PAYMENT, 1L, BigInteger.TEN, tx("0x01", 5), List.of("a"), 0);
    assertThatThrownBy(() ->
            ledger.writeAhead(
                BatchRecord.Kind.PAYMENT, 1L, BigInteger.TEN, tx("0x02", 5), List.of("b"), 0))
        .isInstanceOf(StateException.class)
        .hasMessageContaining("UNIQUE");
    assertThat(ledger.get("b").orElseThrow().status())
        .as("rolled back whole")
        .isEqualTo(PaymentStatus.PENDING);
    long id = ledger.liveBatches().get(0).id();
    ledger.dropped(id, 0, "test");
    ledger.writeAhead(BatchRecord.Kind.PAYMENT, 1L, BigInteger.TEN, tx("0x03", 5), List.of("b"), 0);
    assertThat(ledger.liveNonces()).containsExactly(5L);
  }

  @Test
  void aPaymentGoesIntoOneBatchOnly() {
    ledger.recordIfAbsent("t", "a", P, BigInteger.TEN, Instant.now(), 0);
    ledger.writeAhead(BatchRecord.Kind.PAYMENT, 1L, BigInteger.TEN, tx("0x01", 1), List.of("a"), 0);
    assertThatThrownBy(() ->
            ledger.writeAhead(
                BatchRecord.Kind.PAYMENT, 1L, BigInteger.TEN, tx("0x02", 2), List.of("a"), 0))
        .hasMessageContaining("no longer pending");
    assertThat(ledger.allBatches()).hasSize(1);
    assertThat(ledger.attempts(ledger.allBatches().get(0).id()))
        .extracting(PaymentLedger.Attempt::hash)
        .containsExactly("0x01");
  }

  @Test
  void theSchemaRefusesAPaidPaymentWithoutATransaction() {
    ledger.recordIfAbsent("t", "a", P, BigInteger.TEN, Instant.now(), 0);
    assertThatThrownBy(() ->
            db.write(c ->
                c.createStatement()
                    .executeUpdate("UPDATE payments SET status = 'PAID' WHERE subtask_id = 'a'")))
        .isInstanceOf(StateException.class);
  }
}
