package org.jgolem.concent.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.concent.ConcentFixtures.CONCENT;
import static org.jgolem.concent.ConcentFixtures.DEPOSIT;
import static org.jgolem.concent.ConcentFixtures.PRICE;
import static org.jgolem.concent.ConcentFixtures.PROVIDER;
import static org.jgolem.concent.ConcentFixtures.REQUESTOR;
import static org.jgolem.concent.ConcentFixtures.SIZE;
import static org.jgolem.concent.ConcentFixtures.STRANGER;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.jgolem.concent.ConcentFixtures.Subtask;
import org.jgolem.concent.api.ConcentApi.SendResult;
import org.jgolem.concent.cases.CaseState;
import org.jgolem.concent.cases.SubtaskCase;
import org.jgolem.concent.verify.Dispute;
import org.jgolem.concent.verify.Judgement;
import org.jgolem.concent.verify.Recomputer;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageHasher;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.concent.AckSubtaskResultsVerify;
import org.jgolem.protocol.messages.concent.ServiceRefused.Reason;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled.Method;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled.NeutralReason;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled.Outcome;
import org.jgolem.protocol.messages.concent.SubtaskResultsVerify;
import org.jgolem.protocol.messages.concent.VerificationCheck;
import org.jgolem.protocol.messages.market.SubtaskResultsRejected;
import org.jgolem.protocol.messages.market.WireNote;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.Purpose;
import org.jgolem.testkit.ManualScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Use case 5 on a fake clock, an in-memory store, fake deposits and a fake re-computation run on a
 * manual executor: admission and every refusal at the window's edges, the uploads, each verdict
 * with its claims and settlements, the timeouts, and a restart in the middle of a re-computation.
 */
@Timeout(30)
class AdditionalVerificationTest {
  static final BigInteger FEE = new BigInteger("3000000000000000"); // below the Concent note

  final Harness h = new Harness();
  final ManualScheduler executor = new ManualScheduler(h.clock);
  final FakeFiles files = new FakeFiles();
  final FakeRecomputer recomputer = new FakeRecomputer();
  final ConcentService service = service(executor);
  final Subtask s = h.fx.subtask(5);
  final long rejectedAt = s.deadline() + 60_000;
  final byte[] rejection = h.fx.rejected(s, rejectedAt);
  final long closesAt = h.w.verificationDisputeClosesAt(rejectedAt, SIZE);

  @TempDir Path tmp;

  ConcentService service(ManualScheduler ex) {
    return new ConcentService(
        h.fx.codec(),
        CONCENT,
        h.fx.notes(),
        h.windows,
        h.clock,
        h.store,
        h.deposits,
        h.payments,
        null,
        new AdditionalVerification(recomputer, ex, files, FEE));
  }

  WireNote feeNote(NodeKey signer, BigInteger amount) {
    return WireNote.of(
        h.fx
            .notes()
            .sign(
                new PromissoryNote(
                    PROVIDER.address(), DEPOSIT, amount, s.subtaskId(), Purpose.VERIFICATION_COST),
                signer.keyPair()));
  }

  SendResult dispute(WireNote note) {
    return dispute(rejection, note);
  }

  SendResult dispute(byte[] rejectionFrame, WireNote note) {
    SubtaskResultsVerify v =
        new SubtaskResultsVerify(s.ttcFrame(), s.rctFrame(), rejectionFrame, note);
    return service.send(PROVIDER.address(), h.fx.frame(v, PROVIDER, h.clock.millis()));
  }

  AckSubtaskResultsVerify admitted() {
    SendResult r = dispute(feeNote(PROVIDER, FEE));
    return (AckSubtaskResultsVerify) h.reply(r);
  }

  Reason refused(SendResult r) {
    return h.refusal(r).reason();
  }

  SubtaskCase theCase() {
    return h.store.transaction(tx -> tx.findCase(REQUESTOR.address(), s.subtaskId())).orElseThrow();
  }

  List<Settlement> pendingSettlements() {
    return h.store.transaction(tx -> tx.settlements(Settlement.Status.PENDING, 100));
  }

  BigInteger reserved(NodeKey k) {
    return h.store.transaction(tx -> tx.reserved(k.address()));
  }

  void uploadAll(AckSubtaskResultsVerify order) {
    files.held.add(order.resultCid());
    service.resultUploaded(PROVIDER.address(), order.resultCid());
    for (String cid : order.resourceCids()) {
      files.held.add(cid);
      service.resultUploaded(PROVIDER.address(), cid);
    }
  }

  SubtaskResultsSettled verdictFor(NodeKey k) {
    List<Envelope> got = new ArrayList<>();
    for (byte[] f : drain(k)) {
      got.add(h.fx.open(f));
    }
    return got.stream()
        .filter(e -> e.payload() instanceof SubtaskResultsSettled)
        .map(e -> (SubtaskResultsSettled) e.payload())
        .findFirst()
        .orElseThrow(() -> new AssertionError("no verdict for " + k.address()));
  }

  List<byte[]> drain(NodeKey k) {
    var got = service.receive(k.address(), List.of());
    if (got.isEmpty()) {
      return List.of();
    }
    var d =
        h.fx.open(got.get()).payload(org.jgolem.protocol.messages.concent.ConcentDelivery.class);
    service.receive(k.address(), d.deliveryIds());
    return d.messages();
  }

  // ------------------------------------------------------------------ admission

  @Test
  void a_dispute_in_its_window_is_admitted_with_the_upload_order_and_three_claims() {
    h.clock.set(closesAt); // the last millisecond of the window
    AckSubtaskResultsVerify order = admitted();

    assertThat(order.resultCid()).isEqualTo(s.rct().resultCid());
    assertThat(order.resourceCids()).containsExactly(s.ttc().definition().resourcesCid());
    assertThat(order.fee()).isEqualTo(FEE);
    assertThat(order.uploadDeadline()).isEqualTo(h.w.verificationUploadDeadline(closesAt, SIZE));
    assertThat(theCase().state()).isEqualTo(CaseState.VERIFICATION_FILE_TRANSFER);
    assertThat(theCase().nextDeadline()).isEqualTo(order.uploadDeadline());
    assertThat(reserved(PROVIDER)).isEqualTo(FEE);
    assertThat(reserved(REQUESTOR)).isEqualTo(PRICE.add(FEE));
  }

  @Test
  void a_dispute_one_millisecond_after_the_window_is_too_late_and_stores_nothing() {
    h.clock.set(closesAt + 1);
    assertThat(refused(dispute(feeNote(PROVIDER, FEE)))).isEqualTo(Reason.TOO_LATE);
    java.util.Optional<SubtaskCase> none =
        h.store.transaction(tx -> tx.findCase(REQUESTOR.address(), s.subtaskId()));
    assertThat(none).isEmpty();
    assertThat(reserved(PROVIDER)).isZero();
  }

  @Test
  void the_window_is_the_rejection_time_plus_avct_plus_mdt() {
    assertThat(closesAt)
        .isEqualTo(rejectedAt + h.windows.avct().toMillis() + h.windows.mdt(SIZE).toMillis());
  }

  @Test
  void a_rejection_that_is_not_verification_negative_is_not_disputable() throws Exception {
    h.clock.set(rejectedAt + 1);
    SubtaskResultsRejected timeout =
        new SubtaskResultsRejected(
            s.rct().structHash(),
            s.subtaskId(),
            REQUESTOR.address(),
            PROVIDER.address(),
            SubtaskResultsRejected.Reason.TIMEOUT,
            "too slow");
    byte[] timeoutFrame = h.fx.frame(timeout, REQUESTOR, rejectedAt);
    SubtaskResultsVerify bad =
        new SubtaskResultsVerify(s.ttcFrame(), s.rctFrame(), timeoutFrame, feeNote(PROVIDER, FEE));
    byte[] frame = sealUnchecked(h.fx.codec(), bad, PROVIDER, h.clock.millis());
    assertThat(refused(service.send(PROVIDER.address(), frame)))
        .isEqualTo(Reason.REJECTION_NOT_DISPUTABLE);
  }

  @Test
  void a_fee_note_below_the_fee_is_refused() {
    h.clock.set(rejectedAt + 1);
    assertThat(refused(dispute(feeNote(PROVIDER, FEE.subtract(BigInteger.ONE)))))
        .isEqualTo(Reason.FEE_NOTE_TOO_SMALL);
  }

  @Test
  void a_fee_note_signed_in_another_deposit_contracts_domain_is_invalid_evidence() {
    h.clock.set(rejectedAt + 1);
    org.jgolem.protocol.notes.NoteSigner elsewhere =
        new org.jgolem.protocol.notes.NoteSigner(
            h.fx.chainId(),
            org.jgolem.eth.Address.of("0x00000000000000000000000000000000000000aa"));
    WireNote foreign =
        WireNote.of(
            elsewhere.sign(
                new PromissoryNote(
                    PROVIDER.address(), DEPOSIT, FEE, s.subtaskId(), Purpose.VERIFICATION_COST),
                PROVIDER.keyPair()));
    assertThat(refused(dispute(foreign))).isEqualTo(Reason.INVALID_EVIDENCE);
    assertThat(h.reply(dispute(feeNote(PROVIDER, FEE))))
        .isInstanceOf(AckSubtaskResultsVerify.class);
  }

  @Test
  void the_providers_deposit_must_cover_the_fee_and_not_be_withdrawn() {
    h.clock.set(rejectedAt + 1);
    h.deposits.set(PROVIDER, FEE.subtract(BigInteger.ONE), 0);
    assertThat(refused(dispute(feeNote(PROVIDER, FEE))))
        .isEqualTo(Reason.PROVIDER_DEPOSIT_TOO_SMALL);
    h.deposits.set(PROVIDER, FEE, 1234);
    assertThat(refused(dispute(feeNote(PROVIDER, FEE))))
        .isEqualTo(Reason.PROVIDER_DEPOSIT_BEING_WITHDRAWN);
    h.deposits.set(PROVIDER, FEE, 0);
    assertThat(h.reply(dispute(feeNote(PROVIDER, FEE))))
        .isInstanceOf(AckSubtaskResultsVerify.class);
  }

  @Test
  void the_requestors_deposit_must_cover_the_price_and_the_fee_and_not_be_withdrawn() {
    h.clock.set(rejectedAt + 1);
    h.deposits.set(REQUESTOR, PRICE.add(FEE).subtract(BigInteger.ONE), 0);
    assertThat(refused(dispute(feeNote(PROVIDER, FEE)))).isEqualTo(Reason.DEPOSIT_TOO_SMALL);
    assertThat(reserved(PROVIDER)).isZero(); // the refusal rolled the provider's claim back
    h.deposits.set(REQUESTOR, PRICE.add(FEE), 99);
    assertThat(refused(dispute(feeNote(PROVIDER, FEE)))).isEqualTo(Reason.DEPOSIT_BEING_WITHDRAWN);
    h.deposits.set(REQUESTOR, PRICE.add(FEE), 0);
    assertThat(h.reply(dispute(feeNote(PROVIDER, FEE))))
        .isInstanceOf(AckSubtaskResultsVerify.class);
  }

  @Test
  void a_replayed_dispute_is_a_duplicate() {
    h.clock.set(rejectedAt + 1);
    admitted();
    assertThat(refused(dispute(feeNote(PROVIDER, FEE)))).isEqualTo(Reason.DUPLICATE_REQUEST);
  }

  @Test
  void a_dispute_from_the_requestor_is_refused() {
    h.clock.set(rejectedAt + 1);
    SubtaskResultsVerify v =
        new SubtaskResultsVerify(s.ttcFrame(), s.rctFrame(), rejection, feeNote(PROVIDER, FEE));
    SendResult r = service.send(REQUESTOR.address(), h.fx.frame(v, REQUESTOR, h.clock.millis()));
    assertThat(refused(r)).isEqualTo(Reason.INVALID_REQUEST);
  }

  // ------------------------------------------------------------------ uploads and verdicts

  @Test
  void only_the_ordered_cids_are_taken_and_the_recomputation_waits_for_all_of_them() {
    h.clock.set(rejectedAt + 1);
    AckSubtaskResultsVerify order = admitted();
    assertThat(service.uploadRefusal(PROVIDER.address(), order.resultCid())).isEmpty();
    assertThat(service.uploadRefusal(PROVIDER.address(), order.resourceCids().get(0))).isEmpty();
    assertThat(service.uploadRefusal(PROVIDER.address(), "bafkreiwrongwrongwrong")).isPresent();
    assertThat(service.uploadRefusal(STRANGER.address(), order.resultCid())).isPresent();

    files.held.add(order.resultCid());
    service.resultUploaded(PROVIDER.address(), order.resultCid());
    assertThat(theCase().state()).isEqualTo(CaseState.VERIFICATION_FILE_TRANSFER);

    String resources = order.resourceCids().get(0);
    files.held.add(resources);
    service.resultUploaded(PROVIDER.address(), resources);
    assertThat(theCase().state()).isEqualTo(CaseState.ADDITIONAL_VERIFICATION);
    assertThat(recomputer.calls.get()).isZero(); // not on the caller's thread
    assertThat(executor.runDue()).isEqualTo(1);
    assertThat(recomputer.calls.get()).isEqualTo(1);
  }

  @Test
  void provider_right_overturns_the_rejection_and_charges_the_requestor() {
    h.clock.set(rejectedAt + 1);
    recomputer.answer = digests(true);
    uploadAll(admitted());
    executor.runDue();

    assertThat(theCase().state()).isEqualTo(CaseState.ACCEPTED);
    List<Settlement> st = pendingSettlements();
    assertThat(st).hasSize(2);
    Settlement price = byUseCase(st, Claim.UseCase.ADDITIONAL_VERIFICATION);
    assertThat(price.payer()).isEqualTo(REQUESTOR.address());
    assertThat(price.payee()).isEqualTo(PROVIDER.address());
    assertThat(price.amount()).isEqualTo(PRICE);
    assertThat(price.notes()).containsExactly(s.ttc().providerNote().toSignedNote());
    Settlement cost = byUseCase(st, Claim.UseCase.VERIFICATION_COST);
    assertThat(cost.payer()).isEqualTo(REQUESTOR.address());
    assertThat(cost.amount()).isEqualTo(FEE);
    assertThat(cost.notes()).containsExactly(s.ttc().concentNote().toSignedNote());
    assertThat(reserved(PROVIDER)).isZero();
    assertThat(reserved(REQUESTOR)).isEqualTo(PRICE.add(FEE)); // until the settler pays

    SubtaskResultsSettled v = verdictFor(PROVIDER);
    assertThat(v.outcome()).isEqualTo(Outcome.PROVIDER_RIGHT);
    assertThat(v.method()).isEqualTo(Method.GWASM_DIGEST);
    assertThat(v.paidToProvider()).isEqualTo(PRICE);
    assertThat(v.feeFromRequestor()).isEqualTo(FEE);
    assertThat(v.feeFromProvider()).isZero();
    assertThat(verdictFor(REQUESTOR).outcome()).isEqualTo(Outcome.PROVIDER_RIGHT);
  }

  @Test
  void provider_wrong_costs_the_provider_its_fee() {
    h.clock.set(rejectedAt + 1);
    recomputer.answer = digests(false);
    uploadAll(admitted());
    executor.runDue();

    assertThat(theCase().state()).isEqualTo(CaseState.FAILED);
    Settlement fee = pendingSettlements().get(0);
    assertThat(pendingSettlements()).hasSize(1);
    assertThat(fee.useCase()).isEqualTo(Claim.UseCase.VERIFICATION_COST);
    assertThat(fee.payer()).isEqualTo(PROVIDER.address());
    assertThat(fee.amount()).isEqualTo(FEE);
    assertThat(fee.notes().get(0).note().purpose()).isEqualTo(Purpose.VERIFICATION_COST);
    assertThat(reserved(REQUESTOR)).isZero();
    assertThat(reserved(PROVIDER)).isEqualTo(FEE);
    SubtaskResultsSettled v = verdictFor(REQUESTOR);
    assertThat(v.outcome()).isEqualTo(Outcome.PROVIDER_WRONG);
    assertThat(v.feeFromProvider()).isEqualTo(FEE);
    assertThat(v.paidToProvider()).isZero();
  }

  @Test
  void no_upload_by_the_deadline_is_the_providers_loss_driven_by_the_clock() {
    h.clock.set(rejectedAt + 1);
    AckSubtaskResultsVerify order = admitted();
    files.held.add(order.resultCid());
    service.resultUploaded(PROVIDER.address(), order.resultCid()); // the resources never come

    h.clock.set(order.uploadDeadline());
    assertThat(service.tick()).isZero();
    assertThat(theCase().state()).isEqualTo(CaseState.VERIFICATION_FILE_TRANSFER);

    h.clock.set(order.uploadDeadline() + 1);
    assertThat(service.uploadRefusal(PROVIDER.address(), order.resourceCids().get(0))).isPresent();
    assertThat(service.tick()).isEqualTo(1);
    assertThat(theCase().state()).isEqualTo(CaseState.FAILED);
    assertThat(recomputer.calls.get()).isZero();
    SubtaskResultsSettled v = verdictFor(PROVIDER);
    assertThat(v.outcome()).isEqualTo(Outcome.PROVIDER_WRONG);
    assertThat(v.method()).isEqualTo(Method.NONE);
    assertThat(v.checks())
        .extracting(VerificationCheck::kind, VerificationCheck::passed)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(VerificationCheck.Kind.UPLOAD, true),
            org.assertj.core.groups.Tuple.tuple(VerificationCheck.Kind.UPLOAD, false));
    assertThat(pendingSettlements())
        .singleElement()
        .extracting(Settlement::payer)
        .isEqualTo(PROVIDER.address());
  }

  @Test
  void a_throwing_recomputer_is_a_neutral_verdict_and_nobody_pays() {
    h.clock.set(rejectedAt + 1);
    recomputer.fail = true;
    uploadAll(admitted());
    executor.runDue();
    assertNeutral(NeutralReason.CONCENT_ERROR);
  }

  @Test
  void a_neutral_recomputer_is_a_neutral_verdict_and_nobody_pays() {
    h.clock.set(rejectedAt + 1);
    recomputer.answer =
        Judgement.neutral(
            Method.BLENDER_SSIM, NeutralReason.ENGINE_UNAVAILABLE, "no docker", List.of());
    uploadAll(admitted());
    executor.runDue();
    assertNeutral(NeutralReason.ENGINE_UNAVAILABLE);
  }

  @Test
  void a_recomputation_past_its_time_is_neutral_and_its_late_judgement_dropped() {
    h.clock.set(rejectedAt + 1);
    uploadAll(admitted());
    long judgeBy = theCase().nextDeadline();
    h.clock.set(judgeBy + 1);
    service.tick();
    assertThat(theCase().state()).isEqualTo(CaseState.FAILED);
    executor.runDue(); // the run that was queued ends late: dropped
    assertThat(recomputer.calls.get()).isEqualTo(1);
    assertNeutral(NeutralReason.TIMEOUT);
  }

  @Test
  void a_restart_in_the_middle_reruns_the_recomputation_and_pays_once() {
    h.clock.set(rejectedAt + 1);
    recomputer.answer = digests(true);
    uploadAll(admitted()); // queued on the first process's executor, which dies with it

    ManualScheduler afterRestart = new ManualScheduler(h.clock);
    ConcentService restarted = service(afterRestart);
    assertThat(restarted.resumeVerifications()).isEqualTo(1);
    assertThat(restarted.resumeVerifications()).isZero(); // once at a time
    afterRestart.runDue();
    assertThat(theCase().state()).isEqualTo(CaseState.ACCEPTED);
    executor.runDue(); // had the first run survived, it would change nothing
    assertThat(recomputer.calls.get()).isEqualTo(2);
    assertThat(pendingSettlements()).hasSize(2);
  }

  @Test
  void a_subtask_already_settled_is_refused() {
    h.clock.set(rejectedAt + 1);
    recomputer.answer = digests(true);
    uploadAll(admitted());
    executor.runDue();
    assertThat(refused(dispute(feeNote(PROVIDER, FEE)))).isEqualTo(Reason.ALREADY_SETTLED);
  }

  @Test
  void the_settler_pays_each_verdict_with_its_own_call_and_tells_the_parties() {
    h.clock.set(rejectedAt + 1);
    recomputer.answer = digests(true);
    uploadAll(admitted());
    executor.runDue();
    drain(PROVIDER);
    drain(REQUESTOR);
    RecordingChain chain = new RecordingChain();
    org.jgolem.concent.settle.Settler settler =
        new org.jgolem.concent.settle.Settler(
            h.store,
            chain,
            p -> h.fx.codec().encode(h.fx.codec().seal(p, CONCENT, h.clock)),
            h.clock,
            50);
    settler.runOnce(); // signs and sends
    settler.runOnce(); // sees them mined
    assertThat(chain.verifications)
        .containsExactlyInAnyOrder(
            Claim.UseCase.ADDITIONAL_VERIFICATION, Claim.UseCase.VERIFICATION_COST);
    assertThat(chain.others).isZero();
    assertThat(reserved(REQUESTOR)).isZero();
    List<org.jgolem.protocol.messages.concent.SettlementMade.UseCase> toProvider = made(PROVIDER);
    List<org.jgolem.protocol.messages.concent.SettlementMade.UseCase> toRequestor = made(REQUESTOR);
    assertThat(toProvider)
        .containsExactly(
            org.jgolem.protocol.messages.concent.SettlementMade.UseCase.ADDITIONAL_VERIFICATION);
    assertThat(toRequestor)
        .containsExactlyInAnyOrder(
            org.jgolem.protocol.messages.concent.SettlementMade.UseCase.ADDITIONAL_VERIFICATION,
            org.jgolem.protocol.messages.concent.SettlementMade.UseCase.VERIFICATION_COST);
    settler.runOnce();
    assertThat(chain.verifications).hasSize(2); // paid once
  }

  private List<org.jgolem.protocol.messages.concent.SettlementMade.UseCase> made(NodeKey k) {
    List<org.jgolem.protocol.messages.concent.SettlementMade.UseCase> out = new ArrayList<>();
    for (byte[] f : drain(k)) {
      if (h.fx.open(f).payload() instanceof org.jgolem.protocol.messages.concent.SettlementMade m) {
        out.add(m.useCase());
      }
    }
    return out;
  }

  /** A chain that mines every transaction at once and remembers which call paid what. */
  static final class RecordingChain implements org.jgolem.concent.settle.SettlementChain {
    final List<Claim.UseCase> verifications = new ArrayList<>();
    final java.util.Map<String, Integer> mined = new java.util.HashMap<>();
    int others;

    @Override
    public long pendingNonce() {
      return mined.size();
    }

    private SignedSettlement sign(long nonce) {
      String hash = String.format("0x%064x", mined.size() + 1);
      mined.put(hash, mined.size() + 1);
      return new SignedSettlement(hash, "0x0102", nonce);
    }

    @Override
    public SignedSettlement signForcedAcceptance(List<Settlement> batch, long nonce) {
      others++;
      return sign(nonce);
    }

    @Override
    public SignedSettlement signForcedPayment(Settlement settlement, long nonce) {
      others++;
      return sign(nonce);
    }

    @Override
    public SignedSettlement signVerification(Settlement settlement, long nonce) {
      verifications.add(settlement.useCase());
      return sign(nonce);
    }

    @Override
    public Sent broadcast(String raw) {
      return Sent.IN_POOL;
    }

    @Override
    public java.util.Optional<Receipt> receipt(String hash) {
      Integer b = mined.get(hash);
      return b == null
          ? java.util.Optional.empty()
          : java.util.Optional.of(new Receipt(true, 1, b));
    }
  }

  private void assertNeutral(NeutralReason why) {
    assertThat(theCase().state()).isEqualTo(CaseState.FAILED);
    assertThat(pendingSettlements()).isEmpty();
    assertThat(reserved(PROVIDER)).isZero();
    assertThat(reserved(REQUESTOR)).isZero();
    SubtaskResultsSettled v = verdictFor(PROVIDER);
    assertThat(v.outcome()).isEqualTo(Outcome.NEUTRAL);
    assertThat(v.neutralReason()).isEqualTo(why);
    assertThat(v.paidToProvider().add(v.feeFromProvider()).add(v.feeFromRequestor())).isZero();
  }

  /** A gWASM judgement: the provider's digest and Concent's, equal or not. */
  static Judgement digests(boolean equal) {
    byte[] concents = equal ? new byte[32] : new byte[] {1};
    return Judgement.of(
        Method.GWASM_DIGEST,
        equal ? "digests equal" : "digests differ",
        List.of(VerificationCheck.digest("out", "out/a", new byte[32], concents)));
  }

  private static Settlement byUseCase(List<Settlement> all, Claim.UseCase u) {
    return all.stream().filter(x -> x.useCase() == u).findFirst().orElseThrow();
  }

  /** A frame the codec's seal would refuse to make: signed as seal does, not validated. */
  static byte[] sealUnchecked(
      MessageCodec codec, org.jgolem.protocol.messages.Payload p, NodeKey key, long at) {
    byte[] id = new byte[Envelope.MESSAGE_ID_LENGTH];
    new SecureRandom().nextBytes(id);
    byte[] bytes = MessageCodec.encodePayload(p);
    byte[] digest =
        codec
            .hasher()
            .digest(
                MessageCodec.PROTOCOL_VERSION,
                p.type(),
                key.address(),
                at,
                id,
                MessageHasher.payloadHash(p, bytes));
    return codec.encode(
        new Envelope(
            MessageCodec.PROTOCOL_VERSION,
            p.type(),
            key.address(),
            at,
            id,
            bytes,
            p,
            key.sign(digest)));
  }

  static final class FakeFiles implements VerificationFiles {
    final Set<String> held = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Override
    public boolean holds(String cid) {
      return held.contains(cid);
    }

    @Override
    public Folders prepare(String subtask, String resultCid, List<String> resourceCids)
        throws IOException {
      Path root = Files.createTempDirectory("av-");
      return new Folders(
          Files.createDirectory(root.resolve("resources")),
          Files.createDirectory(root.resolve("result")),
          Files.createDirectory(root.resolve("work")));
    }
  }

  static final class FakeRecomputer implements Recomputer {
    final AtomicInteger calls = new AtomicInteger();
    volatile Judgement answer =
        Judgement.neutral(Method.NONE, NeutralReason.CONCENT_ERROR, "unset", List.of());
    volatile boolean fail;

    @Override
    public Judgement judge(Dispute dispute) {
      calls.incrementAndGet();
      if (fail) {
        throw new IllegalStateException("the engine fell over");
      }
      return answer;
    }
  }
}
