package org.jgolem.concent.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.concent.ConcentFixtures.PRICE;
import static org.jgolem.concent.ConcentFixtures.PROVIDER;
import static org.jgolem.concent.ConcentFixtures.REQUESTOR;
import static org.jgolem.concent.ConcentFixtures.SIZE;
import static org.jgolem.concent.ConcentFixtures.T0;

import java.math.BigInteger;
import java.util.List;
import org.jgolem.concent.ConcentFixtures.Subtask;
import org.jgolem.concent.api.ConcentApi.SendResult;
import org.jgolem.protocol.messages.concent.ForcePayment;
import org.jgolem.protocol.messages.concent.ForcePaymentResponse;
import org.jgolem.protocol.messages.concent.ForcePaymentResponse.Outcome;
import org.jgolem.protocol.messages.concent.ForceSubtaskResults;
import org.jgolem.protocol.messages.concent.ServiceRefused;
import org.jgolem.protocol.messages.concent.ServiceRefused.Reason;
import org.jgolem.protocol.messages.market.WireNote;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Use case 4: ForcePayment, PDT at both edges, what the chain shows paid, the settlement. */
@Timeout(30)
class ForcePaymentTest {
  private final Harness h = new Harness();
  private final BigInteger priceB = BigInteger.valueOf(700);
  private final Subtask a = h.fx.subtask(0x22);
  private final Subtask b = h.fx.subtask(0x33, priceB, T0, T0 + 3_600_000);
  private final long tsA = 1_700_010_000L;
  private final long tsB = 1_700_020_000L; // the later: the request is due when B is
  private final long pdt = h.windows.pdt().toMillis();
  private final long due = tsB * 1000 + pdt;

  private SendResult force() {
    return h.send(
        PROVIDER,
        new ForcePayment(
            List.of(a.ttcFrame(), b.ttcFrame()),
            List.of(h.fx.accepted(a, tsA, tsA * 1000), h.fx.accepted(b, tsB, tsB * 1000))));
  }

  @Test
  void takenOnlyOnceEveryAcceptanceIsPaymentTsPlusPdtOld() {
    assertThat(h.w.paymentDueAt(tsB)).isEqualTo(due);
    h.clock.set(due - 1);
    ServiceRefused early = h.refusal(force());
    assertThat(early.reason()).isEqualTo(Reason.TOO_EARLY);
    assertThat(early.detail())
        .contains("subtask " + b.ttc().subtaskIdHex() + " is due at " + due)
        .contains("paymentTs " + tsB);
    assertThat(h.payments.reads).isZero();
    assertThat(h.store.settlements()).isEmpty();

    h.clock.set(due);
    ForcePaymentResponse ok = (ForcePaymentResponse) h.reply(force());
    assertThat(ok.outcome()).isEqualTo(Outcome.PAYMENT_COMMITTED);
  }

  @Test
  void nothingMissingIsAnsweredNoUnsettledTasksAndNothingIsStored() {
    h.clock.set(due);
    h.payments.paid = PRICE.add(priceB);
    ForcePaymentResponse r = (ForcePaymentResponse) h.reply(force());
    assertThat(r.outcome()).isEqualTo(Outcome.NO_UNSETTLED_TASKS);
    assertThat(r.owed()).isEqualTo(PRICE.add(priceB));
    assertThat(r.paidOnChain()).isEqualTo(PRICE.add(priceB));
    assertThat(r.reimbursed()).isZero();
    assertThat(r.subtaskIds()).containsExactly(a.subtaskId(), b.subtaskId());
    assertThat(h.payments.lastSince).isEqualTo(tsA); // scanned from the earliest paymentTs
    assertThat(h.store.settlements()).isEmpty();
    assertThat(h.store.claims()).isEmpty();
    assertThat(h.deposits.reads).isZero();
  }

  @Test
  void whatIsMissingIsReservedAndSettledFromTheDeposit() {
    h.clock.set(due + 5_000);
    h.payments.paid = BigInteger.valueOf(200);
    ForcePaymentResponse r = (ForcePaymentResponse) h.reply(force());
    BigInteger missing = PRICE.add(priceB).subtract(BigInteger.valueOf(200));
    assertThat(r.outcome()).isEqualTo(Outcome.PAYMENT_COMMITTED);
    assertThat(r.reimbursed()).isEqualTo(missing);
    assertThat(r.paidOnChain()).isEqualTo(BigInteger.valueOf(200));
    assertThat(r.requestor()).isEqualTo(REQUESTOR.address());
    assertThat(r.provider()).isEqualTo(PROVIDER.address());

    Settlement st = h.store.settlements().get(0);
    assertThat(st.useCase()).isEqualTo(Claim.UseCase.FORCED_PAYMENT);
    assertThat(st.amount()).isEqualTo(missing);
    assertThat(st.closureTime()).isEqualTo((due + 5_000) / 1000);
    assertThat(st.status()).isEqualTo(Settlement.Status.PENDING);
    assertThat(st.notes().stream().map(WireNote::of).toList())
        .containsExactly(a.ttc().providerNote(), b.ttc().providerNote());
    Claim c = h.store.claims().get(0);
    assertThat(c.amount()).isEqualTo(missing);
    assertThat(c.subtaskId()).isEqualTo(a.subtaskId()); // keyed on the first note's subtask
    assertThat(c.useCase()).isEqualTo(Claim.UseCase.FORCED_PAYMENT);

    // The same subtasks again: already paid, nothing more settled or reserved.
    ServiceRefused again = h.refusal(force());
    assertThat(again.reason()).isEqualTo(Reason.ALREADY_PAID);
    assertThat(again.detail()).contains("already paid subtask " + a.ttc().subtaskIdHex());
    assertThat(h.store.settlements()).hasSize(1);
    assertThat(h.store.claims()).hasSize(1);
  }

  @Test
  void aSubtaskConcentSettledByForcedAcceptanceIsAlreadyPaid() {
    long opensAfter = a.deadline() + h.windows.svt(a.assignedAt(), a.deadline(), SIZE).toMillis();
    h.clock.set(opensAfter + 1);
    h.send(
        PROVIDER, new ForceSubtaskResults(a.ttcFrame(), a.rctFrame(), h.fx.ack(a, a.deadline())));
    h.clock.advance(h.windows.fat().toMillis() + 1);
    assertThat(h.service.tick()).isEqualTo(1);

    h.clock.set(due);
    ServiceRefused r = h.refusal(force());
    assertThat(r.reason()).isEqualTo(Reason.ALREADY_PAID);
    assertThat(r.subtaskId()).isEqualTo(a.subtaskId());
    assertThat(h.store.settlements()).hasSize(1);
  }

  @Test
  void theDepositMustCoverWhatIsMissingAndNotBeWithdrawn() {
    h.clock.set(due);
    BigInteger missing = PRICE.add(priceB);
    h.deposits.set(REQUESTOR, missing.subtract(BigInteger.ONE), 0);
    ServiceRefused small = h.refusal(force());
    assertThat(small.reason()).isEqualTo(Reason.DEPOSIT_TOO_SMALL);
    assertThat(small.detail()).contains("needs " + missing);
    assertThat(h.store.settlements()).isEmpty();
    assertThat(h.store.claims()).isEmpty();

    h.deposits.set(REQUESTOR, missing, 1_700_100_000L);
    ServiceRefused withdrawn = h.refusal(force());
    assertThat(withdrawn.reason()).isEqualTo(Reason.DEPOSIT_BEING_WITHDRAWN);
    assertThat(h.store.settlements()).isEmpty();

    h.deposits.set(REQUESTOR, missing, 0);
    assertThat(((ForcePaymentResponse) h.reply(force())).reimbursed()).isEqualTo(missing);
  }
}
