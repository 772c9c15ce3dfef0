package org.jgolem.concent.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.concent.ConcentFixtures.CONCENT;
import static org.jgolem.concent.ConcentFixtures.DEPOSIT;
import static org.jgolem.concent.ConcentFixtures.PRICE;
import static org.jgolem.concent.ConcentFixtures.PROVIDER;
import static org.jgolem.concent.ConcentFixtures.REQUESTOR;
import static org.jgolem.concent.ConcentFixtures.STRANGER;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jgolem.concent.ConcentFixtures;
import org.jgolem.concent.ConcentFixtures.Subtask;
import org.jgolem.concent.api.ConcentApi.DepositReport;
import org.jgolem.concent.api.ConcentApi.ProtocolConstants;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.concent.ConcentDelivery;
import org.jgolem.protocol.messages.concent.ForceReportComputedTask;
import org.jgolem.protocol.messages.concent.ServiceRefused;
import org.jgolem.protocol.messages.concent.ServiceRefused.Reason;
import org.jgolem.protocol.messages.p2p.Ping;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The dispatcher: hostile input refused with a reason, the outbox, deposits, constants. */
@Timeout(30)
class ConcentServiceTest {
  private final Harness h = new Harness();
  private final Subtask s = h.fx.subtask(0x22);

  private byte[] forceReport(ConcentFixtures from) {
    return from.frame(
        new ForceReportComputedTask(s.ttcFrame(), s.rctFrame()), PROVIDER, h.clock.millis());
  }

  private void nothingStored() {
    assertThat(h.store.cases()).isEmpty();
    assertThat(h.store.outboxSize()).isZero();
    assertThat(h.store.claims()).isEmpty();
    assertThat(h.store.settlements()).isEmpty();
  }

  @Test
  void garbageIsRefusedAsAnInvalidRequest() {
    ServiceRefused r = h.refusal(h.sendFrame(PROVIDER, new byte[] {1, 2, 3}));
    assertThat(r.reason()).isEqualTo(Reason.INVALID_REQUEST);
    assertThat(r.detail()).contains("does not open");
    assertThat(r.requestId()).isEqualTo(new byte[16]);
    assertThat(h.refusal(h.service.send(PROVIDER.address(), null)).reason())
        .isEqualTo(Reason.INVALID_REQUEST);
    nothingStored();
  }

  @Test
  void aForgedSignatureIsRefusedNamingTheRequest() {
    byte[] frame = forceReport(h.fx);
    Envelope original = h.fx.open(frame);
    byte[] forged = Arrays.copyOf(frame, frame.length);
    forged[forged.length - 2] ^= 0x55; // inside s
    ServiceRefused r = h.refusal(h.sendFrame(PROVIDER, forged));
    assertThat(r.reason()).isEqualTo(Reason.INVALID_REQUEST);
    assertThat(r.requestId()).isEqualTo(original.messageId());
    nothingStored();
  }

  @Test
  void aRequestSentByAnotherThanItsSignerIsRefused() {
    ServiceRefused r = h.refusal(h.sendFrame(STRANGER, forceReport(h.fx)));
    assertThat(r.reason()).isEqualTo(Reason.INVALID_REQUEST);
    assertThat(r.detail())
        .contains("signed by " + PROVIDER.address() + " but sent by " + STRANGER.address());
    nothingStored();
  }

  @Test
  void crossChainRequestsAndEvidenceAreRefused() {
    ConcentFixtures otherChain = new ConcentFixtures(1, DEPOSIT);
    ServiceRefused request = h.refusal(h.sendFrame(PROVIDER, forceReport(otherChain)));
    assertThat(request.reason()).isEqualTo(Reason.INVALID_REQUEST);
    assertThat(request.detail()).contains("BAD_SIGNATURE");

    Subtask foreign = otherChain.subtask(0x22);
    ServiceRefused evidence =
        h.refusal(
            h.send(PROVIDER, new ForceReportComputedTask(foreign.ttcFrame(), foreign.rctFrame())));
    assertThat(evidence.reason()).isEqualTo(Reason.INVALID_EVIDENCE);
    assertThat(evidence.detail()).contains("taskToCompute: BAD_SIGNATURE");
    nothingStored();
  }

  @Test
  void aMessageConcentDoesNotTakeIsRefused() {
    ServiceRefused r = h.refusal(h.send(PROVIDER, new Ping(7)));
    assertThat(r.reason()).isEqualTo(Reason.INVALID_REQUEST);
    assertThat(r.detail()).contains("not PING");
    ServiceRefused ttc = h.refusal(h.sendFrame(REQUESTOR, s.ttcFrame()));
    assertThat(ttc.detail()).contains("not TASK_TO_COMPUTE");
    nothingStored();
  }

  @Test
  void aStoreFailureIsOverloadAndConcentKeepsServing() {
    h.store.failNext(new IllegalStateException("database is locked"));
    ServiceRefused r =
        h.refusal(h.send(PROVIDER, new ForceReportComputedTask(s.ttcFrame(), s.rctFrame())));
    assertThat(r.reason()).isEqualTo(Reason.SYSTEM_OVERLOADED);
    assertThat(r.detail()).contains("retry");
    nothingStored();

    assertThat(h.send(PROVIDER, new ForceReportComputedTask(s.ttcFrame(), s.rctFrame())).reply())
        .isEmpty();
    assertThat(h.store.cases()).hasSize(1);
  }

  @Test
  void aChainThatCannotBeReadIsOverloadAndNothingIsReserved() {
    Harness down =
        new Harness() {
          {
            deposits.fallback = null; // status() then fails as an unreachable chain would
          }
        };
    Subtask t = down.fx.subtask(0x22);
    long opensAfter =
        t.deadline()
            + down.windows.svt(t.assignedAt(), t.deadline(), ConcentFixtures.SIZE).toMillis();
    down.clock.set(opensAfter + 1);
    ServiceRefused r =
        down.refusal(
            down.send(
                PROVIDER,
                new org.jgolem.protocol.messages.concent.ForceSubtaskResults(
                    t.ttcFrame(), t.rctFrame(), down.fx.ack(t, t.deadline()))));
    assertThat(r.reason()).isEqualTo(Reason.SYSTEM_OVERLOADED);
    assertThat(down.store.claims()).isEmpty();
    assertThat(down.store.cases()).isEmpty();
  }

  @Test
  void eachMessageIsDeliveredUntilAcknowledged() {
    assertThat(h.service.receive(REQUESTOR.address(), List.of())).isEmpty();
    byte[] request = forceReport(h.fx);
    h.sendFrame(PROVIDER, request);

    Optional<byte[]> first = h.service.receive(REQUESTOR.address(), List.of());
    Envelope e = h.fx.open(first.orElseThrow());
    assertThat(e.sender()).isEqualTo(CONCENT.address());
    ConcentDelivery d = e.payload(ConcentDelivery.class);
    assertThat(d.recipient()).isEqualTo(REQUESTOR.address());
    assertThat(d.messages()).containsExactly(request);

    // Not acknowledged: delivered again. Acknowledged: gone.
    ConcentDelivery again =
        h.fx
            .open(h.service.receive(REQUESTOR.address(), List.of()).orElseThrow())
            .payload(ConcentDelivery.class);
    assertThat(again.deliveryIds()).containsExactlyElementsOf(d.deliveryIds());
    // Someone else's acknowledgement does not count.
    assertThat(h.service.receive(PROVIDER.address(), d.deliveryIds())).isEmpty();
    assertThat(h.service.receive(REQUESTOR.address(), List.of())).isPresent();
    assertThat(h.service.receive(REQUESTOR.address(), d.deliveryIds())).isEmpty();
  }

  @Test
  void aLongOutboxComesInDeliveriesOfAtMost64() {
    byte[] frame = forceReport(h.fx);
    h.store.transaction(tx -> {
      for (int i = 0; i < 70; i++) {
        tx.enqueue(REQUESTOR.address(), frame, h.clock.millis());
      }
      return null;
    });
    assertThat(h.drainFrames(REQUESTOR)).hasSize(64);
    assertThat(h.drainFrames(REQUESTOR)).hasSize(6);
    assertThat(h.drainFrames(REQUESTOR)).isEmpty();
  }

  @Test
  void theDepositReportShowsTheChainAndWhatClaimsReserve() {
    h.deposits.set(REQUESTOR, PRICE.multiply(BigInteger.TWO), 1_700_100_000L);
    DepositReport r = h.service.deposit(REQUESTOR.address());
    assertThat(r.owner()).isEqualTo(REQUESTOR.address());
    assertThat(r.balance()).isEqualTo(PRICE.multiply(BigInteger.TWO));
    assertThat(r.timelock()).isEqualTo(1_700_100_000L);
    assertThat(r.reserved()).isZero();
  }

  @Test
  void theConstantsAreTheWindowsInForce() {
    ProtocolConstants c = h.service.constants();
    assertThat(c.concentMessagingTimeMs()).isEqualTo(240_000);
    assertThat(c.forceAcceptanceTimeMs()).isEqualTo(960_000);
    assertThat(c.paymentDueTimeMs()).isEqualTo(43_200_000);
    assertThat(c.maximumMessageTransportTimeMs()).isEqualTo(5_000);
    assertThat(c.maximumActionTimeMs()).isEqualTo(135_000);
    assertThat(c.downloadLeadInMs()).isEqualTo(60_000);
    assertThat(c.uploadBytesPerSecond()).isEqualTo(49_152);
    assertThat(c.additionalVerificationCallTimeMs()).isEqualTo(1_680_000);
    assertThat(h.service.address()).isEqualTo(CONCENT.address());
  }
}
