package org.jgolem.it.concent;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jgolem.chain.contracts.GntTokenGateway;
import org.jgolem.concent.ConcentFixtures;
import org.jgolem.concent.ConcentFixtures.Subtask;
import org.jgolem.eth.PackedPayment;
import org.jgolem.it.harness.ConcentWorld;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.concent.ForcePayment;
import org.jgolem.protocol.messages.concent.ForcePaymentResponse;
import org.jgolem.protocol.messages.concent.ServiceRefused;
import org.jgolem.protocol.messages.concent.SettlementMade;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;

/**
 * Use case 4 on a real chain: a requestor that accepts results and then never pays (or pays one of
 * two). After PDT the provider presents its acceptances; Concent scans the chain for the
 * requestor's batch transfers to it since their payment times and pays exactly what is missing from
 * the deposit, in one {@code reimburseForNoPayment}; with nothing missing it says so.
 */
@Timeout(180)
class RequestorNeverPaysTest {
  static final BigInteger PRICE_A = ConcentWorld.GNT.multiply(BigInteger.valueOf(2));
  static final BigInteger PRICE_B = ConcentWorld.GNT.multiply(BigInteger.valueOf(5));

  @Test
  void concentPaysWhatTheChainShowsMissingExactlyOnce(@TempDir Path dir) throws Exception {
    BigInteger deposit = ConcentWorld.GNT.multiply(BigInteger.valueOf(20));
    try (ConcentWorld world = ConcentWorld.start(dir, deposit)) {
      ConcentWorld.Party provider = world.provider();
      ConcentFixtures f = world.fixtures();
      long assigned = world.clock().millis() - Duration.ofMinutes(30).toMillis();
      long deadline = assigned + Duration.ofMinutes(10).toMillis();
      Subtask a = f.subtask(0x61, PRICE_A, assigned, deadline);
      Subtask b = f.subtask(0x62, PRICE_B, assigned, deadline);
      long paymentTs = (world.clock().millis() - Duration.ofMinutes(5).toMillis()) / 1000;
      ForcePayment request =
          new ForcePayment(
              List.of(a.ttcFrame(), b.ttcFrame()),
              List.of(
                  f.accepted(a, paymentTs, paymentTs * 1000),
                  f.accepted(b, paymentTs, paymentTs * 1000)));

      // The requestor pays subtask A in a batch, never B.
      new GntTokenGateway(
              world.chain().chain(),
              world.chain().deployment().token(),
              Credentials.create(ConcentFixtures.REQUESTOR.keyPair()))
          .batchTransfer(
              List.of(new PackedPayment(ConcentFixtures.PROVIDER.address(), PRICE_A)), paymentTs);
      BigInteger providerBefore = world.chain().gnt(ConcentFixtures.PROVIDER.address());

      // PDT after the payment time: one millisecond early, then due.
      long due = paymentTs * 1000 + world.windows().pdt().toMillis();
      world.clock().set(due - 1);
      assertThat(provider.send(request).payload(ServiceRefused.class).reason())
          .isEqualTo(ServiceRefused.Reason.TOO_EARLY);
      world.clock().set(due);
      ForcePaymentResponse answer = provider.send(request).payload(ForcePaymentResponse.class);
      assertThat(answer.outcome()).isEqualTo(ForcePaymentResponse.Outcome.PAYMENT_COMMITTED);
      assertThat(answer.owed()).isEqualTo(PRICE_A.add(PRICE_B));
      assertThat(answer.paidOnChain()).isEqualTo(PRICE_A);
      assertThat(answer.reimbursed()).isEqualTo(PRICE_B);

      SettlementMade paid =
          provider.awaitMessage(
              MessageType.SETTLEMENT_MADE, SettlementMade.class, Duration.ofSeconds(30));
      assertThat(paid.useCase()).isEqualTo(SettlementMade.UseCase.FORCED_PAYMENT);
      assertThat(paid.amount()).isEqualTo(PRICE_B);
      assertThat(world.chain().chain().receipt(paid.transactionHash()))
          .hasValueSatisfying(r -> assertThat(r.success()).isTrue());
      assertThat(world.chain().gnt(ConcentFixtures.PROVIDER.address()))
          .isEqualTo(providerBefore.add(PRICE_B));
      assertThat(world.depositOf(ConcentFixtures.REQUESTOR)).isEqualTo(deposit.subtract(PRICE_B));

      // Asking again: already paid, nothing moves.
      Envelope again = provider.send(request);
      assertThat(again.payload(ServiceRefused.class).reason())
          .isIn(ServiceRefused.Reason.ALREADY_PAID, ServiceRefused.Reason.ALREADY_SETTLED);
      assertThat(world.depositOf(ConcentFixtures.REQUESTOR)).isEqualTo(deposit.subtract(PRICE_B));
    }
  }

  @Test
  void aRequestorThatPaidEverythingOwesNothing(@TempDir Path dir) throws Exception {
    BigInteger deposit = ConcentWorld.GNT.multiply(BigInteger.valueOf(20));
    try (ConcentWorld world = ConcentWorld.start(dir, deposit)) {
      ConcentFixtures f = world.fixtures();
      long assigned = world.clock().millis() - Duration.ofMinutes(30).toMillis();
      Subtask a = f.subtask(0x71, PRICE_A, assigned, assigned + 600_000);
      long paymentTs = world.clock().millis() / 1000 - 60;
      new GntTokenGateway(
              world.chain().chain(),
              world.chain().deployment().token(),
              Credentials.create(ConcentFixtures.REQUESTOR.keyPair()))
          .batchTransfer(
              List.of(new PackedPayment(ConcentFixtures.PROVIDER.address(), PRICE_A)), paymentTs);
      world.clock().set(paymentTs * 1000 + world.windows().pdt().toMillis());
      ForcePaymentResponse answer =
          world
              .provider()
              .send(
                  new ForcePayment(
                      List.of(a.ttcFrame()), List.of(f.accepted(a, paymentTs, paymentTs * 1000))))
              .payload(ForcePaymentResponse.class);
      assertThat(answer.outcome()).isEqualTo(ForcePaymentResponse.Outcome.NO_UNSETTLED_TASKS);
      assertThat(answer.reimbursed()).isZero();
      assertThat(world.depositOf(ConcentFixtures.REQUESTOR)).isEqualTo(deposit);
    }
  }
}
