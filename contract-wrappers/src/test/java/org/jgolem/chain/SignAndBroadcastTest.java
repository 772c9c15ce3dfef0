package org.jgolem.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.util.List;
import org.jgolem.chain.contracts.GntToken.IncomingTransfer;
import org.jgolem.chain.contracts.GntTokenGateway;
import org.jgolem.chain.testing.AnvilTest;
import org.jgolem.eth.Address;
import org.jgolem.eth.PackedPayment;
import org.junit.jupiter.api.Test;

/**
 * Signing apart from sending (the payment processor's write-ahead path), the node's answers to raw
 * broadcasts, receipts of failed transactions, and the lookups the processor relies on.
 */
class SignAndBroadcastTest extends AnvilTest {
  private static List<PackedPayment> batch(Address payee, long amount) {
    return List.of(new PackedPayment(payee, BigInteger.valueOf(amount)));
  }

  private static long nonce(Address a) {
    return chain.pendingTransactionCount(a);
  }

  @Test
  void signedBytesAreSentOnlyWhenBroadcastAndThenMinedOnce() {
    GntTokenGateway t = token(DEPLOYER);
    Address me = addr(DEPLOYER);
    long closure = now() - 10;
    long n = nonce(me);
    var quote = t.quoteBatchTransfer(batch(addr(user(0)), 5), closure);
    assertThat(quote.gasLimit()).isGreaterThan(quote.estimate());
    SignedTransaction signed =
        t.signBatchTransfer(
            batch(addr(user(0)), 5),
            closure,
            n,
            quote.gasLimit(),
            chain.signer(DEPLOYER).currentFees());

    assertThat(chain.receipt(signed.hash())).isEmpty();
    assertThat(nonce(me)).as("signing sends nothing").isEqualTo(n);

    Broadcast first = chain.signer(DEPLOYER).broadcast(signed.raw());
    assertThat(first.status()).isEqualTo(Broadcast.Status.ACCEPTED);
    assertThat(first.message()).isEqualTo(signed.hash());
    TxReceipt r = awaitReceipt(signed.hash());
    assertThat(r.success()).isTrue();
    assertThat(r.blockHash()).isEqualTo(chain.blockHash(r.blockNumber()).orElseThrow());
    assertThat(r.from()).isEqualTo(me.hex());

    Broadcast again = chain.signer(DEPLOYER).broadcast(signed.raw());
    assertThat(again.status()).as(again.message()).isEqualTo(Broadcast.Status.NONCE_TOO_LOW);
    assertThat(t.balanceOf(addr(user(0)))).as("paid once").isEqualTo(BigInteger.valueOf(5));
    assertThat(chain.transactionCount(me, r.blockNumber())).isEqualTo(n + 1);
    assertThat(chain.transactionCount(me, r.blockNumber() - 1)).isEqualTo(n);
  }

  @Test
  void aRefusedBatchIsReportedByTheEstimateWithItsIndex() {
    GntTokenGateway t = token(DEPLOYER);
    var both =
        List.of(
            new PackedPayment(addr(user(0)), BigInteger.ONE),
            new PackedPayment(addr(DEPLOYER), BigInteger.ONE));
    var e = reverts("PaymentToSender", () -> t.quoteBatchTransfer(both, now() - 10));
    assertThat(e.arguments()).containsExactly(BigInteger.ONE);
    var future =
        reverts(
            "ClosureTimeInFuture",
            () -> t.quoteBatchTransfer(batch(addr(user(0)), 1), now() + 3600));
    assertThat((BigInteger) future.argument(0)).isEqualTo(BigInteger.valueOf(now() + 3600));
  }

  @Test
  void aTransactionThatFailsOnChainHasAFailedReceipt() {
    GntTokenGateway poor = token(user(0)); // holds no GNT
    long n = nonce(addr(user(0)));
    SignedTransaction s =
        poor.signBatchTransfer(
            batch(addr(user(1)), 7),
            now() - 10,
            n,
            BigInteger.valueOf(200_000),
            chain.signer(user(0)).currentFees());
    assertThat(chain.signer(user(0)).broadcast(s.raw()).status())
        .isEqualTo(Broadcast.Status.ACCEPTED);
    TxReceipt r = awaitReceipt(s.hash());
    assertThat(r.success()).isFalse();
    assertThat(nonce(addr(user(0)))).as("a failed transaction uses its nonce").isEqualTo(n + 1);
  }

  @Test
  void aSecondTransactionWithTheSameNonceAndFeesIsUnderpriced() {
    GntTokenGateway t = token(DEPLOYER);
    rpc("evm_setAutomine", List.of(false));
    try {
      long n = nonce(addr(DEPLOYER));
      TxFees fees = chain.signer(DEPLOYER).currentFees();
      SignedTransaction a =
          t.signBatchTransfer(
              batch(addr(user(0)), 1), now() - 10, n, BigInteger.valueOf(100_000), fees);
      SignedTransaction b =
          t.signBatchTransfer(
              batch(addr(user(1)), 1), now() - 10, n, BigInteger.valueOf(100_000), fees);
      assertThat(chain.signer(DEPLOYER).broadcast(a.raw()).status())
          .isEqualTo(Broadcast.Status.ACCEPTED);
      Broadcast dup = chain.signer(DEPLOYER).broadcast(a.raw());
      assertThat(dup.status()).as(dup.message()).isEqualTo(Broadcast.Status.ALREADY_KNOWN);
      Broadcast other = chain.signer(DEPLOYER).broadcast(b.raw());
      assertThat(other.status()).as(other.message()).isEqualTo(Broadcast.Status.UNDERPRICED);
      Object dropped = rpc("anvil_dropTransaction", List.of(a.hash()));
      assertThat(dropped).isEqualTo(a.hash());
      assertThat(chain.pendingTransactionCount(addr(DEPLOYER))).isEqualTo(n);
    } finally {
      rpc("evm_setAutomine", List.of(true));
    }
  }

  @Test
  void aFutureNonceWaitsForTheGapToBeFilled() {
    GntTokenGateway t = token(DEPLOYER);
    long n = nonce(addr(DEPLOYER));
    TxFees fees = chain.signer(DEPLOYER).currentFees();
    SignedTransaction later =
        t.signBatchTransfer(
            batch(addr(user(0)), 2), now() - 10, n + 1, BigInteger.valueOf(100_000), fees);
    assertThat(chain.signer(DEPLOYER).broadcast(later.raw()).status())
        .isEqualTo(Broadcast.Status.ACCEPTED);
    assertThat(chain.receipt(later.hash())).isEmpty();
    SignedTransaction first =
        t.signBatchTransfer(
            batch(addr(user(1)), 3), now() - 10, n, BigInteger.valueOf(100_000), fees);
    assertThat(chain.signer(DEPLOYER).broadcast(first.raw()).status())
        .isEqualTo(Broadcast.Status.ACCEPTED);
    assertThat(awaitReceipt(first.hash()).success()).isTrue();
    assertThat(awaitReceipt(later.hash()).success()).as("mined once its nonce came").isTrue();
  }

  @Test
  void incomingTransfersCarryTheBatchClosureTime() {
    GntTokenGateway t = token(DEPLOYER);
    long from = chain.blockNumber() + 1;
    long closure = now() - 5;
    var batchTx =
        t.batchTransfer(
            List.of(
                new PackedPayment(addr(user(0)), BigInteger.valueOf(11)),
                new PackedPayment(addr(user(1)), BigInteger.valueOf(12))),
            closure);
    var plainTx = t.transfer(addr(user(0)), BigInteger.valueOf(13));
    List<IncomingTransfer> in = t.incomingTransfers(addr(user(0)), from, chain.blockNumber());
    assertThat(in).hasSize(2);
    assertThat(in.get(0).transactionHash()).isEqualTo(batchTx.hash());
    assertThat(in.get(0).from()).isEqualTo(addr(DEPLOYER));
    assertThat(in.get(0).value()).isEqualTo(BigInteger.valueOf(11));
    assertThat(in.get(0).closureTime()).hasValue(closure);
    assertThat(in.get(0).blockHash())
        .isEqualTo(chain.blockHash(batchTx.blockNumber()).orElseThrow());
    assertThat(in.get(1).transactionHash()).isEqualTo(plainTx.hash());
    assertThat(in.get(1).closureTime()).isEmpty();
    assertThat(t.incomingTransfers(addr(user(2)), from, chain.blockNumber())).isEmpty();
    assertThat(t.incomingTransfers(addr(user(1)), plainTx.blockNumber(), plainTx.blockNumber()))
        .isEmpty();
  }

  @Test
  void blockLookups() {
    assertThat(chain.genesisHash())
        .isEqualTo(chain.blockHash(0).orElseThrow())
        .startsWith("0x")
        .hasSize(66);
    assertThat(chain.blockHash(chain.blockNumber() + 100)).isEmpty();
    assertThat(chain.receipt("0x" + "11".repeat(32))).isEmpty();
    assertThrows(
        IllegalArgumentException.class, () -> chain.logs(deployment.token(), 0, 1, List.of(5)));
  }
}
