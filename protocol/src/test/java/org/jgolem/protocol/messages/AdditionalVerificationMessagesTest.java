package org.jgolem.protocol.messages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.jgolem.eth.Address;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.concent.AckSubtaskResultsVerify;
import org.jgolem.protocol.messages.concent.Frames;
import org.jgolem.protocol.messages.concent.ServiceRefused;
import org.jgolem.protocol.messages.concent.SettlementMade;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled.Method;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled.NeutralReason;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled.Outcome;
import org.jgolem.protocol.messages.concent.SubtaskResultsVerify;
import org.jgolem.protocol.messages.concent.VerificationCheck;
import org.jgolem.protocol.messages.concent.VerificationCheck.Crop;
import org.jgolem.protocol.messages.market.AckReportComputedTask;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.SubtaskDefinition;
import org.jgolem.protocol.messages.market.SubtaskResultsRejected;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.messages.market.WireNote;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.Purpose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The messages of use case 5, AdditionalVerification: round trips through the codec, and every rule
 * of their {@code validate()}, each broken alone, refused on both sides (the sender's seal and the
 * receiver's decode) naming the field at fault.
 */
class AdditionalVerificationMessagesTest {
  private static final MessageCodec CODEC = Fixtures.codec();
  private static final NodeKey REQUESTOR = Fixtures.REQUESTOR;
  private static final NodeKey PROVIDER = Fixtures.PROVIDER;
  private static final NodeKey OTHER = Fixtures.CONCENT; // a third key
  private static final byte[] SUB = Fixtures.SUBTASK_ID;

  // ------------------------------------------------------------------ helpers

  private static byte[] frame(Payload p, NodeKey key) {
    return CODEC.encode(CODEC.seal(p, key, Fixtures.TIMESTAMP, new byte[16]));
  }

  private static byte[] ttcFrame() {
    return Fixtures.frame(MessageType.TASK_TO_COMPUTE);
  }

  private static byte[] rctFrame() {
    return Fixtures.frame(MessageType.REPORT_COMPUTED_TASK);
  }

  private static byte[] srrFrame() {
    return Fixtures.frame(MessageType.SUBTASK_RESULTS_REJECTED);
  }

  private static SubtaskResultsRejected rejection(SubtaskResultsRejected.Reason reason) {
    return new SubtaskResultsRejected(
        Fixtures.report().structHash(),
        SUB,
        REQUESTOR.address(),
        PROVIDER.address(),
        reason,
        "frame 13 differs");
  }

  private static WireNote note(
      NodeKey payer, Address payee, BigInteger amount, byte[] subtask, Purpose purpose) {
    return WireNote.of(
        Fixtures.NOTES.sign(
            new PromissoryNote(payer.address(), payee, amount, subtask, purpose), payer.keyPair()));
  }

  private static SubtaskResultsVerify dispute(byte[] rejection, WireNote note) {
    return new SubtaskResultsVerify(ttcFrame(), rctFrame(), rejection, note);
  }

  private static SubtaskResultsVerify dispute(WireNote note) {
    return dispute(srrFrame(), note);
  }

  /** {@code p} breaks a rule on {@code field}: its validate(), the seal and the decode say so. */
  private static void refused(Payload p, String field) {
    String prefix = "INVALID_PAYLOAD: " + field + " ";
    assertThatThrownBy(p::validate)
        .isInstanceOf(InvalidMessageException.class)
        .hasMessageStartingWith(prefix);
    assertThatThrownBy(() -> CODEC.seal(p, PROVIDER, Fixtures.TIMESTAMP, new byte[16]))
        .isInstanceOf(InvalidMessageException.class)
        .hasMessageStartingWith(prefix);
    InvalidMessageException e =
        catchThrowableOfType(
            InvalidMessageException.class,
            () -> CODEC.decode(CodecRejectionTest.rawFrame(CODEC, p, PROVIDER)));
    assertThat(e).as("decoding must refuse it").isNotNull();
    assertThat(e.reason()).isEqualTo(InvalidMessageException.Reason.INVALID_PAYLOAD);
    assertThat(e.getMessage()).startsWith(prefix);
  }

  private static Envelope roundTrip(Payload p, NodeKey key) {
    Envelope sealed = CODEC.seal(p, key, Fixtures.TIMESTAMP, Fixtures.messageId(p.type()));
    Envelope opened = CODEC.decode(CODEC.encode(sealed));
    assertThat(opened.payload()).isEqualTo(p);
    assertThat(opened.sender()).isEqualTo(key.address());
    assertThat(CODEC.encode(opened)).isEqualTo(CODEC.encode(sealed));
    return opened;
  }

  // ------------------------------------------------------------------ SubtaskResultsVerify

  @Test
  void theDisputeRoundTripsAndItsEvidenceOpensSignedByEachParty() {
    SubtaskResultsVerify d =
        roundTrip(Fixtures.payload(MessageType.SUBTASK_RESULTS_VERIFY), PROVIDER)
            .payload(SubtaskResultsVerify.class);
    Envelope ttc = CODEC.decode(d.taskToCompute());
    Envelope rct = CODEC.decode(d.report());
    Envelope srr = CODEC.decode(d.rejection());
    assertThat(ttc.sender()).isEqualTo(REQUESTOR.address());
    assertThat(rct.sender()).isEqualTo(PROVIDER.address());
    assertThat(srr.sender()).isEqualTo(REQUESTOR.address());
    assertThat(
            srr.payload(SubtaskResultsRejected.class)
                .answers(rct.payload(ReportComputedTask.class)))
        .isTrue();
    assertThat(Fixtures.NOTES.recover(d.verificationNote().toSignedNote()))
        .isEqualTo(PROVIDER.address());
    assertThat(d.verificationNote().amount()).isEqualTo(Fixtures.VERIFICATION_FEE);
  }

  @ParameterizedTest
  @EnumSource(
      value = SubtaskResultsRejected.Reason.class,
      names = "VERIFICATION_NEGATIVE",
      mode = EnumSource.Mode.EXCLUDE)
  void onlyAVerificationNegativeRejectionCanBeDisputed(SubtaskResultsRejected.Reason reason) {
    SubtaskResultsVerify d =
        dispute(frame(rejection(reason), REQUESTOR), Fixtures.verificationNote());
    refused(d, "rejection.reason");
    assertThatThrownBy(d::validate).hasMessageContaining("got " + reason);
    assertThatCode(() ->
            dispute(
                    frame(
                        rejection(SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE), REQUESTOR),
                    Fixtures.verificationNote())
                .validate())
        .doesNotThrowAnyException();
  }

  @ParameterizedTest
  @EnumSource(value = Purpose.class, names = "VERIFICATION_COST", mode = EnumSource.Mode.EXCLUDE)
  void aNoteOfAnotherPurposeIsRefused(Purpose purpose) {
    refused(
        dispute(note(PROVIDER, Fixtures.DEPOSIT, Fixtures.VERIFICATION_FEE, SUB, purpose)),
        "verificationNote.purpose");
  }

  @Test
  void aNoteNotPaidByTheProviderIsRefused() {
    refused(
        dispute(
            note(
                REQUESTOR,
                Fixtures.DEPOSIT,
                Fixtures.VERIFICATION_FEE,
                SUB,
                Purpose.VERIFICATION_COST)),
        "verificationNote.payer");
    refused(
        dispute(
            note(
                OTHER,
                Fixtures.DEPOSIT,
                Fixtures.VERIFICATION_FEE,
                SUB,
                Purpose.VERIFICATION_COST)),
        "verificationNote.payer");
  }

  @Test
  void aNotePayingAPartyIsRefused() {
    refused(
        dispute(
            note(
                PROVIDER,
                REQUESTOR.address(),
                Fixtures.VERIFICATION_FEE,
                SUB,
                Purpose.VERIFICATION_COST)),
        "verificationNote.payee");
    refused(
        dispute(
            note(
                PROVIDER,
                PROVIDER.address(),
                Fixtures.VERIFICATION_FEE,
                SUB,
                Purpose.VERIFICATION_COST)),
        "verificationNote.payee");
  }

  @Test
  void aNoteForAnotherSubtaskOrOfNothingIsRefused() {
    refused(
        dispute(
            note(
                PROVIDER,
                Fixtures.DEPOSIT,
                Fixtures.VERIFICATION_FEE,
                Fixtures.bytes32(0x77),
                Purpose.VERIFICATION_COST)),
        "verificationNote.subtaskId");
    refused(
        dispute(note(PROVIDER, Fixtures.DEPOSIT, BigInteger.ZERO, SUB, Purpose.VERIFICATION_COST)),
        "verificationNote.amount");
    refused(dispute(null), "verificationNote");
  }

  @Test
  void aNoteWithABrokenSignatureFormIsRefusedNamingIt() {
    WireNote n = Fixtures.verificationNote();
    WireNote badV =
        new WireNote(
            n.payer(), n.payee(), n.amount(), n.subtaskId(), n.purpose(), 29, n.r(), n.s());
    refused(dispute(badV), "verificationNote.v");
  }

  /** A TaskToCompute like the golden one, for another subtask (and its report). */
  private static TaskToCompute otherSubtask() {
    TaskToCompute t = Fixtures.taskToCompute();
    byte[] other = Fixtures.bytes32(0x77);
    WireNote p =
        note(REQUESTOR, PROVIDER.address(), Fixtures.PRICE, other, Purpose.SUBTASK_PAYMENT);
    WireNote c =
        note(
            REQUESTOR,
            Fixtures.DEPOSIT,
            t.concentNote().amount(),
            other,
            Purpose.VERIFICATION_COST);
    return new TaskToCompute(
        t.taskId(),
        other,
        t.requestor(),
        t.provider(),
        t.price(),
        t.deadline(),
        t.definition(),
        p,
        c);
  }

  @Test
  void framesOfAnotherSubtaskAreRefused() {
    TaskToCompute other = otherSubtask();
    ReportComputedTask otherReport =
        ReportComputedTask.answering(other, "bafkreiother", Fixtures.bytes32(0x44), 10, 10);
    // the report is of another subtask than the TaskToCompute
    refused(
        new SubtaskResultsVerify(
            ttcFrame(), frame(otherReport, PROVIDER), srrFrame(), Fixtures.verificationNote()),
        "report.subtaskId");
    // the rejection is of another subtask than the TaskToCompute and the report
    SubtaskResultsRejected otherRejection =
        new SubtaskResultsRejected(
            otherReport.structHash(),
            other.subtaskId(),
            REQUESTOR.address(),
            PROVIDER.address(),
            SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE,
            "");
    refused(
        dispute(frame(otherRejection, REQUESTOR), Fixtures.verificationNote()),
        "rejection.subtaskId");
  }

  @Test
  void aReportNotAnsweringTheTaskToComputeIsRefused() {
    TaskToCompute t = Fixtures.taskToCompute();
    TaskToCompute repriced =
        new TaskToCompute(
            t.taskId(),
            t.subtaskId(),
            t.requestor(),
            t.provider(),
            t.price().subtract(BigInteger.ONE),
            t.deadline(),
            t.definition(),
            t.providerNote(),
            t.concentNote());
    refused(
        new SubtaskResultsVerify(
            frame(repriced, REQUESTOR), rctFrame(), srrFrame(), Fixtures.verificationNote()),
        "report");
  }

  @Test
  void aRejectionOfAnotherReportOrFromAnotherRequestorIsRefused() {
    SubtaskResultsRejected ofAnotherReport =
        new SubtaskResultsRejected(
            Fixtures.bytes32(0x55),
            SUB,
            REQUESTOR.address(),
            PROVIDER.address(),
            SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE,
            "");
    refused(dispute(frame(ofAnotherReport, REQUESTOR), Fixtures.verificationNote()), "rejection");
    SubtaskResultsRejected byAnother =
        new SubtaskResultsRejected(
            Fixtures.report().structHash(),
            SUB,
            OTHER.address(),
            PROVIDER.address(),
            SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE,
            "");
    refused(dispute(frame(byAnother, OTHER), Fixtures.verificationNote()), "rejection.requestor");
  }

  @Test
  void framesInTheWrongPlacesAreRefusedNamingTheTypes() {
    byte[] ack = frame(new AckReportComputedTask(Fixtures.report().structHash(), SUB), REQUESTOR);
    refused(dispute(ack, Fixtures.verificationNote()), "rejection");
    assertThatThrownBy(() -> dispute(ack, Fixtures.verificationNote()).validate())
        .hasMessageContaining("must be a SUBTASK_RESULTS_REJECTED, got ACK_REPORT_COMPUTED_TASK");
    refused(
        new SubtaskResultsVerify(rctFrame(), ttcFrame(), srrFrame(), Fixtures.verificationNote()),
        "taskToCompute");
  }

  @Test
  void oversizeTruncatedOrUndecodableFramesAreRefused() {
    refused(
        new SubtaskResultsVerify(
            new byte[Frames.MAX_FRAME + 1], rctFrame(), srrFrame(), Fixtures.verificationNote()),
        "taskToCompute");
    refused(dispute(new byte[10], Fixtures.verificationNote()), "rejection");
    refused(dispute(new byte[0], Fixtures.verificationNote()), "rejection");
    refused(
        new SubtaskResultsVerify(ttcFrame(), null, srrFrame(), Fixtures.verificationNote()),
        "report");
    // a rejection frame whose payload bytes are not a SubtaskResultsRejected
    byte[] garbled = srrFrame();
    garbled[Envelope.HEADER_LENGTH] = (byte) 0xff;
    refused(dispute(garbled, Fixtures.verificationNote()), "rejection");
    // an embedded frame breaking its own rules is named by its path
    byte[] longDetail =
        CodecRejectionTest.rawFrame(
            CODEC,
            new SubtaskResultsRejected(
                Fixtures.report().structHash(),
                SUB,
                REQUESTOR.address(),
                PROVIDER.address(),
                SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE,
                "x".repeat(257)),
            REQUESTOR);
    refused(dispute(longDetail, Fixtures.verificationNote()), "rejection.detail");
  }

  @Test
  void validateReadsTheFramesButTheirSignaturesAreTheReceiversCheck() {
    byte[] tampered = srrFrame();
    tampered[tampered.length - 10] ^= 1; // inside the signature
    SubtaskResultsVerify d = dispute(tampered, Fixtures.verificationNote());
    assertThatCode(d::validate).doesNotThrowAnyException();
    InvalidMessageException e =
        catchThrowableOfType(InvalidMessageException.class, () -> CODEC.decode(d.rejection()));
    assertThat(e).isNotNull();
    assertThat(e.reason()).isEqualTo(InvalidMessageException.Reason.BAD_SIGNATURE);
  }

  // ------------------------------------------------------------------ AckSubtaskResultsVerify

  @Test
  void theUploadOrderNamesTheReportedResultAndTheSignedResources() {
    AckSubtaskResultsVerify a =
        roundTrip(Fixtures.payload(MessageType.ACK_SUBTASK_RESULTS_VERIFY), Fixtures.CONCENT)
            .payload(AckSubtaskResultsVerify.class);
    ReportComputedTask r = Fixtures.report();
    assertThat(a.resultCid()).isEqualTo(r.resultCid());
    assertThat(a.size()).isEqualTo(r.size());
    assertThat(a.reportHash()).isEqualTo(r.structHash());
    assertThat(a.resourceCids()).containsExactly(Fixtures.definition().resourcesCid());
    assertThat(a.fee()).isEqualTo(Fixtures.VERIFICATION_FEE);

    TaskToCompute t = Fixtures.taskToCompute();
    SubtaskDefinition d = t.definition();
    TaskToCompute noResources =
        new TaskToCompute(
            t.taskId(),
            t.subtaskId(),
            t.requestor(),
            t.provider(),
            t.price(),
            t.deadline(),
            new SubtaskDefinition(
                d.environment(),
                d.image(),
                "",
                d.entryPoint(),
                d.args(),
                d.outputPaths(),
                d.limits()),
            t.providerNote(),
            t.concentNote());
    AckSubtaskResultsVerify none =
        AckSubtaskResultsVerify.ordering(noResources, r, Fixtures.TIMESTAMP, BigInteger.ONE);
    assertThat(none.resourceCids()).isEmpty();
    roundTrip(none, Fixtures.CONCENT);
  }

  private static AckSubtaskResultsVerify order(
      String resultCid, List<String> resources, long deadline, BigInteger fee) {
    return new AckSubtaskResultsVerify(
        SUB, Fixtures.report().structHash(), resultCid, 100, resources, deadline, fee);
  }

  @Test
  void aBrokenUploadOrderIsRefusedNamingTheField() {
    String cid = Fixtures.report().resultCid();
    List<String> one = List.of("bafkreiresources");
    refused(order("", one, 1, BigInteger.ONE), "resultCid");
    refused(order("b".repeat(129), one, 1, BigInteger.ONE), "resultCid");
    refused(order(cid, Collections.nCopies(17, "b"), 1, BigInteger.ONE), "resourceCids");
    refused(order(cid, List.of("b".repeat(129)), 1, BigInteger.ONE), "resourceCids[0]");
    refused(order(cid, List.of("a", ""), 1, BigInteger.ONE), "resourceCids[1]");
    refused(order(cid, List.of("a", "b", "a"), 1, BigInteger.ONE), "resourceCids[2]");
    refused(order(cid, null, 1, BigInteger.ONE), "resourceCids");
    refused(order(cid, one, 0, BigInteger.ONE), "uploadDeadline");
    refused(order(cid, one, 1, BigInteger.ONE.negate()), "fee");
    refused(order(cid, one, 1, BigInteger.ONE.shiftLeft(256)), "fee");
    refused(
        new AckSubtaskResultsVerify(new byte[32], new byte[32], cid, 1, one, 1, BigInteger.ONE),
        "subtaskId");
    refused(
        new AckSubtaskResultsVerify(
            SUB, Fixtures.report().structHash(), cid, -1, one, 1, BigInteger.ONE),
        "size");
    List<String> sixteen = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      sixteen.add("bafkrei" + i);
    }
    roundTrip(order(cid, sixteen, 1, BigInteger.ZERO), Fixtures.CONCENT);
  }

  // ------------------------------------------------------------------ SubtaskResultsSettled

  private static SubtaskResultsSettled verdict(
      Method method,
      Outcome outcome,
      NeutralReason reason,
      List<VerificationCheck> checks,
      BigInteger paid,
      BigInteger feeRequestor,
      BigInteger feeProvider) {
    SubtaskResultsSettled v = Fixtures.verdict();
    return new SubtaskResultsSettled(
        v.subtaskId(),
        v.requestor(),
        v.provider(),
        v.reportHash(),
        v.rejectionHash(),
        v.resultCid(),
        v.resourceCids(),
        method,
        outcome,
        reason,
        "",
        checks,
        paid,
        feeRequestor,
        feeProvider);
  }

  private static final BigInteger FEE = Fixtures.VERIFICATION_FEE;
  private static final BigInteger ZERO = BigInteger.ZERO;
  private static final VerificationCheck UPLOADED = VerificationCheck.upload("upload", true);
  private static final VerificationCheck GOOD_CROP =
      VerificationCheck.ssim("crop 0", "out/f.png", new Crop(0, 0, 8, 8), 990_000, 940_000);
  private static final VerificationCheck BAD_CROP =
      VerificationCheck.ssim("crop 1", "out/f.png", new Crop(8, 8, 8, 8), 400_000, 940_000);

  private static VerificationCheck digest(String name, int expected, int actual) {
    return VerificationCheck.digest(
        name, "band-0.pgm", Fixtures.bytes32(expected), Fixtures.bytes32(actual));
  }

  @Test
  void everyOutcomeRoundTripsWithWhatAnAuditorNeeds() {
    SubtaskResultsSettled golden =
        roundTrip(Fixtures.verdict(), Fixtures.CONCENT).payload(SubtaskResultsSettled.class);
    assertThat(golden.checks())
        .filteredOn(c -> c.kind() == VerificationCheck.Kind.SSIM)
        .extracting(VerificationCheck::crop, VerificationCheck::score)
        .contains(
            org.assertj.core.groups.Tuple.tuple(new Crop(12, 40, 64, 48), 987_654L),
            org.assertj.core.groups.Tuple.tuple(new Crop(0, 0, 64, 48), 940_000L));
    assertThat(golden.resourceCids()).containsExactly(Fixtures.definition().resourcesCid());

    // gWASM: a digest differs, the provider loses its fee
    SubtaskResultsSettled wasmWrong =
        verdict(
            Method.GWASM_DIGEST,
            Outcome.PROVIDER_WRONG,
            NeutralReason.NONE,
            List.of(UPLOADED, digest("s0", 1, 1), digest("s1", 1, 2)),
            ZERO,
            ZERO,
            FEE);
    SubtaskResultsSettled back =
        roundTrip(wasmWrong, Fixtures.CONCENT).payload(SubtaskResultsSettled.class);
    assertThat(back.checks().get(2).expected()).isEqualTo(Fixtures.bytes32(1));
    assertThat(back.checks().get(2).actual()).isEqualTo(Fixtures.bytes32(2));
    assertThat(back.checks().get(2).passed()).isFalse();

    // gWASM right, Docker without a deterministic check, no upload, and Concent's own failure
    roundTrip(
        verdict(
            Method.GWASM_DIGEST,
            Outcome.PROVIDER_RIGHT,
            NeutralReason.NONE,
            List.of(digest("s0", 3, 3)),
            Fixtures.PRICE,
            FEE,
            ZERO),
        Fixtures.CONCENT);
    roundTrip(
        verdict(
            Method.DOCKER_DETERMINISTIC,
            Outcome.PROVIDER_WRONG,
            NeutralReason.NONE,
            List.of(
                new VerificationCheck(
                    "deterministic",
                    VerificationCheck.Kind.DETERMINISTIC,
                    "",
                    false,
                    new byte[0],
                    new byte[0],
                    Crop.NONE,
                    0,
                    0)),
            ZERO,
            ZERO,
            FEE),
        Fixtures.CONCENT);
    roundTrip(
        verdict(
            Method.NONE,
            Outcome.PROVIDER_WRONG,
            NeutralReason.NONE,
            List.of(VerificationCheck.upload("upload", false)),
            ZERO,
            ZERO,
            FEE),
        Fixtures.CONCENT);
    for (NeutralReason r : NeutralReason.values()) {
      if (r != NeutralReason.NONE) {
        roundTrip(
            verdict(Method.BLENDER_SSIM, Outcome.NEUTRAL, r, List.of(UPLOADED), ZERO, ZERO, ZERO),
            Fixtures.CONCENT);
      }
    }
  }

  @Test
  void theOutcomeMustAgreeWithTheChecksTheReasonAndTheAmounts() {
    List<VerificationCheck> good = List.of(UPLOADED, GOOD_CROP);
    List<VerificationCheck> bad = List.of(UPLOADED, GOOD_CROP, BAD_CROP);
    Method b = Method.BLENDER_SSIM;
    refused(
        verdict(b, Outcome.NEUTRAL, NeutralReason.NONE, good, ZERO, ZERO, ZERO), "neutralReason");
    refused(
        verdict(b, Outcome.PROVIDER_RIGHT, NeutralReason.TIMEOUT, good, ZERO, ZERO, ZERO),
        "neutralReason");
    refused(
        verdict(b, Outcome.PROVIDER_RIGHT, NeutralReason.NONE, bad, Fixtures.PRICE, FEE, ZERO),
        "checks");
    refused(
        verdict(
            b,
            Outcome.PROVIDER_RIGHT,
            NeutralReason.NONE,
            List.of(UPLOADED),
            Fixtures.PRICE,
            FEE,
            ZERO),
        "checks");
    refused(
        verdict(
            Method.NONE,
            Outcome.PROVIDER_RIGHT,
            NeutralReason.NONE,
            List.of(UPLOADED),
            Fixtures.PRICE,
            FEE,
            ZERO),
        "checks");
    refused(
        verdict(b, Outcome.PROVIDER_RIGHT, NeutralReason.NONE, good, Fixtures.PRICE, FEE, FEE),
        "feeFromProvider");
    refused(
        verdict(b, Outcome.PROVIDER_WRONG, NeutralReason.NONE, good, ZERO, ZERO, FEE), "checks");
    refused(
        verdict(b, Outcome.PROVIDER_WRONG, NeutralReason.NONE, bad, Fixtures.PRICE, ZERO, FEE),
        "paidToProvider");
    refused(
        verdict(b, Outcome.PROVIDER_WRONG, NeutralReason.NONE, bad, ZERO, FEE, FEE),
        "feeFromRequestor");
    refused(
        verdict(b, Outcome.NEUTRAL, NeutralReason.ENGINE_UNAVAILABLE, good, ZERO, ZERO, FEE),
        "feeFromProvider");
    refused(
        verdict(b, Outcome.PROVIDER_WRONG, NeutralReason.NONE, bad, ZERO, ZERO, FEE.negate()),
        "feeFromProvider");
    refused(verdict(b, null, NeutralReason.NONE, good, ZERO, ZERO, ZERO), "outcome");
    refused(
        verdict(null, Outcome.NEUTRAL, NeutralReason.TIMEOUT, good, ZERO, ZERO, ZERO), "method");
  }

  @Test
  void aCheckMustMatchTheMethodAndBeConsistentInItself() {
    Method b = Method.BLENDER_SSIM;
    BigInteger p = Fixtures.PRICE;
    NeutralReason none = NeutralReason.NONE;
    Outcome right = Outcome.PROVIDER_RIGHT;
    refused(
        verdict(b, right, none, List.of(GOOD_CROP, digest("d", 1, 1)), p, FEE, ZERO),
        "checks[1].kind");
    refused(verdict(b, right, none, List.of(GOOD_CROP, GOOD_CROP), p, FEE, ZERO), "checks[1].name");
    VerificationCheck lying =
        new VerificationCheck(
            "crop 0",
            VerificationCheck.Kind.SSIM,
            "",
            true,
            new byte[0],
            new byte[0],
            new Crop(0, 0, 8, 8),
            900_000,
            940_000);
    refused(verdict(b, right, none, List.of(lying), p, FEE, ZERO), "checks[0].passed");
    VerificationCheck flat =
        VerificationCheck.ssim("crop 0", "", new Crop(0, 0, 0, 8), 990_000, 940_000);
    refused(verdict(b, right, none, List.of(flat), p, FEE, ZERO), "checks[0].crop.width");
    VerificationCheck overOne =
        VerificationCheck.ssim("crop 0", "", new Crop(0, 0, 8, 8), 1_000_001, 940_000);
    refused(verdict(b, right, none, List.of(overOne), p, FEE, ZERO), "checks[0].score");
    VerificationCheck digestLie =
        new VerificationCheck(
            "d",
            VerificationCheck.Kind.DIGEST,
            "",
            true,
            Fixtures.bytes32(1),
            Fixtures.bytes32(2),
            Crop.NONE,
            0,
            0);
    Method w = Method.GWASM_DIGEST;
    refused(verdict(w, right, none, List.of(digestLie), p, FEE, ZERO), "checks[0].passed");
    VerificationCheck digestCrop =
        new VerificationCheck(
            "d",
            VerificationCheck.Kind.DIGEST,
            "",
            true,
            Fixtures.bytes32(1),
            Fixtures.bytes32(1),
            new Crop(0, 0, 8, 8),
            0,
            0);
    refused(verdict(w, right, none, List.of(digestCrop), p, FEE, ZERO), "checks[0].crop");
    VerificationCheck noDigest = VerificationCheck.digest("d", "", new byte[0], new byte[0]);
    refused(verdict(w, right, none, List.of(noDigest), p, FEE, ZERO), "checks[0].expected");
    VerificationCheck longDigest = VerificationCheck.digest("d", "", new byte[65], new byte[65]);
    refused(verdict(w, right, none, List.of(longDigest), p, FEE, ZERO), "checks[0].expected");
    VerificationCheck longName =
        VerificationCheck.digest("n".repeat(65), "", new byte[1], new byte[1]);
    refused(verdict(w, right, none, List.of(longName), p, FEE, ZERO), "checks[0].name");
    VerificationCheck passedWithoutCheck =
        new VerificationCheck(
            "deterministic",
            VerificationCheck.Kind.DETERMINISTIC,
            "",
            true,
            new byte[0],
            new byte[0],
            Crop.NONE,
            0,
            0);
    refused(
        verdict(
            Method.DOCKER_DETERMINISTIC, right, none, List.of(passedWithoutCheck), p, FEE, ZERO),
        "checks[0].passed");
  }

  @Test
  void oversizeVerdictFieldsAreRefused() {
    SubtaskResultsSettled v = Fixtures.verdict();
    List<VerificationCheck> many = new ArrayList<>();
    for (int i = 0; i < 65; i++) {
      many.add(VerificationCheck.upload("upload " + i, true));
    }
    refused(
        verdict(Method.NONE, Outcome.NEUTRAL, NeutralReason.TIMEOUT, many, ZERO, ZERO, ZERO),
        "checks");
    refused(
        new SubtaskResultsSettled(
            v.subtaskId(),
            v.requestor(),
            v.provider(),
            v.reportHash(),
            v.rejectionHash(),
            v.resultCid(),
            v.resourceCids(),
            v.method(),
            v.outcome(),
            v.neutralReason(),
            "x".repeat(SubtaskResultsSettled.MAX_DETAIL + 1),
            v.checks(),
            v.paidToProvider(),
            v.feeFromRequestor(),
            v.feeFromProvider()),
        "detail");
    refused(
        new SubtaskResultsSettled(
            v.subtaskId(),
            v.requestor(),
            v.provider(),
            v.reportHash(),
            v.rejectionHash(),
            "b".repeat(ReportComputedTask.MAX_CID + 1),
            v.resourceCids(),
            v.method(),
            v.outcome(),
            v.neutralReason(),
            "",
            v.checks(),
            v.paidToProvider(),
            v.feeFromRequestor(),
            v.feeFromProvider()),
        "resultCid");
    refused(
        new SubtaskResultsSettled(
            v.subtaskId(),
            v.requestor(),
            v.requestor(),
            v.reportHash(),
            v.rejectionHash(),
            v.resultCid(),
            v.resourceCids(),
            v.method(),
            v.outcome(),
            v.neutralReason(),
            "",
            v.checks(),
            v.paidToProvider(),
            v.feeFromRequestor(),
            v.feeFromProvider()),
        "provider");
    refused(
        new SubtaskResultsSettled(
            v.subtaskId(),
            v.requestor(),
            v.provider(),
            v.reportHash(),
            new byte[32],
            v.resultCid(),
            v.resourceCids(),
            v.method(),
            v.outcome(),
            v.neutralReason(),
            "",
            v.checks(),
            v.paidToProvider(),
            v.feeFromRequestor(),
            v.feeFromProvider()),
        "rejectionHash");
    refused(
        new SubtaskResultsSettled(
            v.subtaskId(),
            v.requestor(),
            v.provider(),
            v.reportHash(),
            v.rejectionHash(),
            v.resultCid(),
            List.of("bafkreia", "bafkreia"),
            v.method(),
            v.outcome(),
            v.neutralReason(),
            "",
            v.checks(),
            v.paidToProvider(),
            v.feeFromRequestor(),
            v.feeFromProvider()),
        "resourceCids[1]");
  }

  // ------------------------------------------------------------------ appended reasons

  @ParameterizedTest
  @EnumSource(
      value = ServiceRefused.Reason.class,
      names = {
        "REJECTION_NOT_DISPUTABLE",
        "FEE_NOTE_TOO_SMALL",
        "PROVIDER_DEPOSIT_TOO_SMALL",
        "PROVIDER_DEPOSIT_BEING_WITHDRAWN"
      })
  void theNewRefusalsRoundTrip(ServiceRefused.Reason reason) {
    ServiceRefused r =
        roundTrip(
                new ServiceRefused(
                    SUB, Fixtures.messageId(MessageType.SUBTASK_RESULTS_VERIFY), reason, "why"),
                Fixtures.CONCENT)
            .payload(ServiceRefused.class);
    assertThat(r.reason()).isEqualTo(reason);
  }

  @ParameterizedTest
  @EnumSource(
      value = SettlementMade.UseCase.class,
      names = {"ADDITIONAL_VERIFICATION", "VERIFICATION_COST"})
  void theNewSettlementsRoundTrip(SettlementMade.UseCase useCase) {
    SettlementMade s =
        roundTrip(
                new SettlementMade(
                    useCase,
                    PROVIDER.address(),
                    Fixtures.DEPOSIT,
                    List.of(SUB),
                    FEE,
                    "0x" + Fixtures.hex(Fixtures.bytes32(0x55))),
                Fixtures.CONCENT)
            .payload(SettlementMade.class);
    assertThat(s.useCase()).isEqualTo(useCase);
  }
}
