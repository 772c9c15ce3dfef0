package org.jgolem.concent.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.concent.ConcentFixtures.PRICE;
import static org.jgolem.concent.ConcentFixtures.PROVIDER;
import static org.jgolem.concent.ConcentFixtures.REQUESTOR;
import static org.jgolem.concent.ConcentFixtures.SIZE;

import java.math.BigInteger;
import java.util.List;
import org.jgolem.concent.ConcentFixtures.Subtask;
import org.jgolem.concent.api.ConcentApi.SendResult;
import org.jgolem.concent.cases.CaseState;
import org.jgolem.concent.cases.SubtaskCase;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.concent.ForceReportComputedTask;
import org.jgolem.protocol.messages.concent.ForceSubtaskResults;
import org.jgolem.protocol.messages.concent.ForceSubtaskResultsResponse;
import org.jgolem.protocol.messages.concent.ForceSubtaskResultsResponse.Outcome;
import org.jgolem.protocol.messages.concent.ServiceRefused;
import org.jgolem.protocol.messages.concent.ServiceRefused.Reason;
import org.jgolem.protocol.messages.market.WireNote;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Use case 3: ForceSubtaskResults, its window, the deposit, the answers and the settlement. */
@Timeout(30)
class ForceAcceptanceTest {
  private final Harness h = new Harness();
  private final Subtask s = h.fx.subtask(0x22);
  private final long opensAfter =
      s.deadline() + h.windows.svt(s.assignedAt(), s.deadline(), SIZE).toMillis();
  private final long closes = opensAfter + h.windows.fat().toMillis();

  private SendResult force(Subtask t) {
    return h.send(
        PROVIDER, new ForceSubtaskResults(t.ttcFrame(), t.rctFrame(), h.fx.ack(t, t.deadline())));
  }

  private SubtaskCase theCase() {
    return h.store.cases().get(0);
  }

  @Test
  void theWindowOpensOneMillisecondAfterDeadlinePlusSvt() {
    assertThat(h.w.forceAcceptanceOpensAfter(s.assignedAt(), s.deadline(), SIZE))
        .isEqualTo(opensAfter);
    h.clock.set(opensAfter);
    ServiceRefused early = h.refusal(force(s));
    assertThat(early.reason()).isEqualTo(Reason.TOO_EARLY);
    assertThat(early.detail()).contains("taken after " + opensAfter);
    assertThat(h.store.cases()).isEmpty();
    assertThat(h.store.claims()).isEmpty();

    h.clock.set(opensAfter + 1);
    assertThat(force(s).reply()).isEmpty();
    assertThat(theCase().state()).isEqualTo(CaseState.FORCING_ACCEPTANCE);
  }

  @Test
  void theWindowClosesAtDeadlinePlusSvtPlusFatInclusive() {
    h.clock.set(closes + 1);
    ServiceRefused late = h.refusal(force(s));
    assertThat(late.reason()).isEqualTo(Reason.TOO_LATE);
    assertThat(late.detail()).contains("taken until " + closes);
    assertThat(h.store.cases()).isEmpty();

    h.clock.set(closes);
    assertThat(force(s).reply()).isEmpty();
    assertThat(theCase().nextDeadline()).isEqualTo(closes);
  }

  @Test
  void theFullPriceIsReservedAndTheRequestIsRelayed() {
    h.clock.set(opensAfter + 1);
    byte[] request =
        h.fx.frame(
            new ForceSubtaskResults(s.ttcFrame(), s.rctFrame(), h.fx.ack(s, s.deadline())),
            PROVIDER,
            h.clock.millis());
    assertThat(h.sendFrame(PROVIDER, request).reply()).isEmpty();
    assertThat(h.store.claims()).hasSize(1);
    assertThat(h.store.claims().get(0).amount()).isEqualTo(PRICE);
    assertThat(h.store.claims().get(0).payer()).isEqualTo(REQUESTOR.address());
    assertThat(h.service.deposit(REQUESTOR.address()).reserved()).isEqualTo(PRICE);
    assertThat(h.drainFrames(REQUESTOR)).containsExactly(request);
    // A replay is a duplicate, and reserves nothing more.
    ServiceRefused dup = h.refusal(h.sendFrame(PROVIDER, request));
    assertThat(dup.reason()).isEqualTo(Reason.DUPLICATE_REQUEST);
    assertThat(h.service.deposit(REQUESTOR.address()).reserved()).isEqualTo(PRICE);
  }

  @Test
  void theRequestorsAcceptanceClosesTheCaseAndReleasesTheClaim() {
    h.clock.set(opensAfter + 1);
    force(s);
    h.clock.set(closes);
    byte[] sra = h.fx.accepted(s, closes / 1000, closes);
    assertThat(h.sendFrame(REQUESTOR, sra).reply()).isEmpty();
    assertThat(theCase().state()).isEqualTo(CaseState.ACCEPTED);
    assertThat(h.store.claims()).isEmpty();
    ForceSubtaskResultsResponse r =
        h.drain(PROVIDER).get(0).payload(ForceSubtaskResultsResponse.class);
    assertThat(r.outcome()).isEqualTo(Outcome.ACCEPTED_BY_REQUESTOR);
    assertThat(r.answer()).isEqualTo(sra);
    assertThat(r.amount()).isEqualTo(PRICE);
    h.clock.advance(1);
    assertThat(h.service.tick()).isZero();
    assertThat(h.store.settlements()).isEmpty();
  }

  @Test
  void theRequestorsRejectionClosesTheCaseWithoutPayment() {
    h.clock.set(opensAfter + 1);
    force(s);
    byte[] srr = h.fx.rejected(s, h.clock.millis());
    h.sendFrame(REQUESTOR, srr);
    assertThat(theCase().state()).isEqualTo(CaseState.REJECTED);
    assertThat(h.store.claims()).isEmpty();
    ForceSubtaskResultsResponse r =
        h.drain(PROVIDER).get(0).payload(ForceSubtaskResultsResponse.class);
    assertThat(r.outcome()).isEqualTo(Outcome.REJECTED_BY_REQUESTOR);
    assertThat(r.answer()).isEqualTo(srr);
    assertThat(r.amount()).isZero();
  }

  @Test
  void aSilentRequestorIsAcceptedForAndPaysFromItsDepositOnce() {
    h.clock.set(opensAfter + 1);
    force(s);
    h.drain(REQUESTOR);
    h.clock.set(closes);
    assertThat(h.service.tick()).isZero();
    h.clock.advance(1);
    assertThat(h.service.tick()).isEqualTo(1);

    assertThat(theCase().state()).isEqualTo(CaseState.ACCEPTED);
    List<Settlement> settled = h.store.settlements();
    assertThat(settled).hasSize(1);
    Settlement st = settled.get(0);
    assertThat(st.useCase()).isEqualTo(org.jgolem.concent.service.Claim.UseCase.FORCED_ACCEPTANCE);
    assertThat(st.payer()).isEqualTo(REQUESTOR.address());
    assertThat(st.payee()).isEqualTo(PROVIDER.address());
    assertThat(st.amount()).isEqualTo(PRICE);
    assertThat(st.status()).isEqualTo(Settlement.Status.PENDING);
    assertThat(st.notes())
        .hasSize(1); // SignedNote compares its r and s by identity: compare wire forms
    assertThat(WireNote.of(st.notes().get(0))).isEqualTo(s.ttc().providerNote());
    assertThat(st.createdAt()).isEqualTo(closes + 1);
    assertThat(h.store.claims()).hasSize(1); // held until the settler pays
    for (var key : List.of(PROVIDER, REQUESTOR)) {
      List<Envelope> got = h.drain(key);
      assertThat(got).hasSize(1);
      ForceSubtaskResultsResponse v = got.get(0).payload(ForceSubtaskResultsResponse.class);
      assertThat(v.outcome()).isEqualTo(Outcome.ACCEPTED_BY_CONCENT);
      assertThat(v.amount()).isEqualTo(PRICE);
    }

    // Nothing is settled twice: not by another tick, not by a second request.
    assertThat(h.service.tick()).isZero();
    h.clock.set(opensAfter + 1);
    ServiceRefused again = h.refusal(force(s));
    assertThat(again.reason()).isEqualTo(Reason.ALREADY_SETTLED);
    assertThat(again.detail()).contains("already settled subtask " + s.ttc().subtaskIdHex());
    assertThat(h.store.settlements()).hasSize(1);
    // A late decision of the requestor changes nothing either.
    ServiceRefused late =
        h.refusal(h.sendFrame(REQUESTOR, h.fx.accepted(s, 1_700_000_000L, h.clock.millis())));
    assertThat(late.reason()).isEqualTo(Reason.INVALID_STATE);
  }

  @Test
  void aDecisionAfterTheWindowIsTooLateAndConcentAccepts() {
    h.clock.set(opensAfter + 1);
    force(s);
    h.clock.set(closes + 1);
    ServiceRefused r = h.refusal(h.sendFrame(REQUESTOR, h.fx.rejected(s, h.clock.millis())));
    assertThat(r.reason()).isEqualTo(Reason.TOO_LATE);
    assertThat(theCase().state()).isEqualTo(CaseState.ACCEPTED);
    assertThat(h.store.settlements()).hasSize(1);
  }

  @Test
  void aDepositBeingWithdrawnIsRefusedAndNothingReserved() {
    h.deposits.set(REQUESTOR, PRICE.multiply(BigInteger.TEN), 1_700_100_000L);
    h.clock.set(opensAfter + 1);
    ServiceRefused r = h.refusal(force(s));
    assertThat(r.reason()).isEqualTo(Reason.DEPOSIT_BEING_WITHDRAWN);
    assertThat(r.detail()).contains("timelock 1700100000");
    assertThat(h.store.cases()).isEmpty();
    assertThat(h.store.claims()).isEmpty();
    assertThat(h.store.outboxSize()).isZero();
  }

  @Test
  void aDepositThatCannotCoverTheFullPriceBesideOpenClaimsIsRefusedAtTheStart() {
    h.deposits.set(REQUESTOR, PRICE.subtract(BigInteger.ONE), 0);
    h.clock.set(opensAfter + 1);
    ServiceRefused small = h.refusal(force(s));
    assertThat(small.reason()).isEqualTo(Reason.DEPOSIT_TOO_SMALL);
    assertThat(small.detail())
        .contains("holds " + PRICE.subtract(BigInteger.ONE))
        .contains("open claims reserve 0")
        .contains("needs " + PRICE);
    assertThat(h.store.cases()).isEmpty();

    // Exactly the price fits; then a second subtask does not, beside the first claim.
    h.deposits.set(REQUESTOR, PRICE.add(PRICE.shiftRight(1)), 0);
    assertThat(force(s).reply()).isEmpty();
    Subtask b = h.fx.subtask(0x33);
    ServiceRefused second = h.refusal(force(b));
    assertThat(second.reason()).isEqualTo(Reason.DEPOSIT_TOO_SMALL);
    assertThat(second.detail()).contains("open claims reserve " + PRICE);
    assertThat(h.store.cases()).hasSize(1);
  }

  @Test
  void concentsOwnAckFromUseCaseOneIsEvidenceEnough() {
    h.send(PROVIDER, new ForceReportComputedTask(s.ttcFrame(), s.rctFrame()));
    h.drain(REQUESTOR);
    h.clock.set(s.deadline() + h.windows.cmt().toMillis() + 1);
    h.service.tick();
    byte[] concentAck = h.drainFrames(PROVIDER).get(0);

    h.clock.set(opensAfter + 1);
    SendResult r =
        h.send(PROVIDER, new ForceSubtaskResults(s.ttcFrame(), s.rctFrame(), concentAck));
    assertThat(r.reply()).isEmpty();
    assertThat(theCase().state()).isEqualTo(CaseState.FORCING_ACCEPTANCE);
    assertThat(theCase().version()).isEqualTo(3);
  }

  @Test
  void aSubtaskWithoutAPriceHasNothingToForce() {
    Subtask free = h.fx.subtask(0x44, BigInteger.ZERO, s.assignedAt(), s.deadline());
    h.clock.set(opensAfter + 1);
    ServiceRefused r = h.refusal(force(free));
    assertThat(r.reason()).isEqualTo(Reason.INVALID_REQUEST);
    assertThat(r.detail()).contains("no price");
  }
}
