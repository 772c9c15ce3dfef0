package org.jgolem.concent.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.concent.ConcentFixtures.PROVIDER;
import static org.jgolem.concent.ConcentFixtures.REQUESTOR;
import static org.jgolem.concent.ConcentFixtures.SIZE;

import java.util.List;
import org.jgolem.concent.ConcentFixtures.Subtask;
import org.jgolem.concent.api.ConcentApi.SendResult;
import org.jgolem.concent.cases.CaseState;
import org.jgolem.concent.cases.SubtaskCase;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.concent.ForceGetTaskResult;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultDownload;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultFailed;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultUpload;
import org.jgolem.protocol.messages.concent.ForceReportComputedTask;
import org.jgolem.protocol.messages.concent.ServiceRefused;
import org.jgolem.protocol.messages.concent.ServiceRefused.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Use case 2: ForceGetTaskResult, the upload, the download and the failed verdict. */
@Timeout(30)
class ResultTransferTest {
  private final Harness h = new Harness();
  private final Subtask s = h.fx.subtask(0x22);
  private final String cid = s.rct().resultCid();
  private final long cmt = h.windows.cmt().toMillis();
  private final long mdt = 60_000 + Math.ceilDiv(SIZE * 1000, 48 * 1024);
  private final long closes = s.deadline() + 2 * cmt + mdt;
  private final long uploadBy = s.deadline() + 3 * cmt + 2 * mdt;

  private SendResult force() {
    return h.send(REQUESTOR, new ForceGetTaskResult(s.ttcFrame(), s.rctFrame()));
  }

  private SubtaskCase theCase() {
    return h.store.cases().get(0);
  }

  @Test
  void takenUntilDeadlinePlusTwoCmtPlusMdtInclusive() {
    assertThat(h.w.forceGetResultClosesAt(s.deadline(), SIZE)).isEqualTo(closes);
    h.clock.set(closes + 1);
    ServiceRefused late = h.refusal(force());
    assertThat(late.reason()).isEqualTo(Reason.TOO_LATE);
    assertThat(late.subtaskId()).isEqualTo(s.subtaskId());
    assertThat(late.detail()).contains("taken until " + closes);
    assertThat(h.store.cases()).isEmpty();

    h.clock.set(closes);
    assertThat(force().reply()).isEmpty();
    assertThat(theCase().state()).isEqualTo(CaseState.FORCING_RESULT_TRANSFER);
    assertThat(theCase().nextDeadline()).isEqualTo(uploadBy);
  }

  @Test
  void theProviderIsAskedToUploadByDeadlinePlusThreeCmtPlusTwoMdt() {
    force();
    List<Envelope> got = h.drain(PROVIDER);
    assertThat(got).hasSize(1);
    ForceGetTaskResultUpload up = got.get(0).payload(ForceGetTaskResultUpload.class);
    assertThat(up.resultCid()).isEqualTo(cid);
    assertThat(up.size()).isEqualTo(SIZE);
    assertThat(up.uploadDeadline()).isEqualTo(uploadBy);
    assertThat(up.reportHash()).isEqualTo(s.rct().structHash());
  }

  @Test
  void theStorageTakesOnlyTheExpectedUploadFromTheProviderInTime() {
    assertThat(h.service.uploadRefusal(PROVIDER.address(), cid)).isPresent();
    force();
    assertThat(h.service.uploadRefusal(PROVIDER.address(), cid)).isEmpty();
    assertThat(h.service.uploadRefusal(REQUESTOR.address(), cid).orElseThrow())
        .contains("expects no result " + cid);
    assertThat(h.service.uploadRefusal(PROVIDER.address(), "bafkother")).isPresent();
    h.clock.set(uploadBy);
    assertThat(h.service.uploadRefusal(PROVIDER.address(), cid)).isEmpty();
    h.clock.set(uploadBy + 1);
    assertThat(h.service.uploadRefusal(PROVIDER.address(), cid).orElseThrow())
        .contains("upload deadline " + uploadBy);
  }

  @Test
  void anUploadedResultIsOfferedToTheRequestorOnce() {
    force();
    h.drain(PROVIDER);
    assertThat(h.service.downloadRefusal(REQUESTOR.address(), cid).orElseThrow())
        .contains("not uploaded yet");
    h.clock.set(uploadBy);
    h.service.resultUploaded(PROVIDER.address(), cid);
    h.service.resultUploaded(PROVIDER.address(), cid); // idempotent

    assertThat(theCase().state()).isEqualTo(CaseState.RESULT_UPLOADED);
    List<Envelope> got = h.drain(REQUESTOR);
    assertThat(got).hasSize(1);
    ForceGetTaskResultDownload down = got.get(0).payload(ForceGetTaskResultDownload.class);
    long until = h.w.downloadDeadline(s.assignedAt(), s.deadline(), SIZE);
    assertThat(down.downloadDeadline())
        .isEqualTo(until)
        .isEqualTo(s.deadline() + h.windows.svt(s.assignedAt(), s.deadline(), SIZE).toMillis());
    assertThat(down.resultCid()).isEqualTo(cid);
    assertThat(h.service.uploadRefusal(PROVIDER.address(), cid).orElseThrow())
        .contains("already uploaded");

    assertThat(h.service.downloadRefusal(REQUESTOR.address(), cid)).isEmpty();
    assertThat(h.service.downloadRefusal(PROVIDER.address(), cid)).isPresent();
    h.clock.set(until);
    assertThat(h.service.downloadRefusal(REQUESTOR.address(), cid)).isEmpty();
    h.clock.set(until + 1);
    assertThat(h.service.downloadRefusal(REQUESTOR.address(), cid).orElseThrow())
        .contains("closed at " + until);
    assertThat(h.service.tick()).isZero(); // a passive case has no timeout
  }

  @Test
  void noUploadInTimeFailsTheCaseWithASignedVerdictForBoth() {
    force();
    h.drain(PROVIDER);
    h.clock.set(uploadBy);
    assertThat(h.service.tick()).isZero();
    h.clock.advance(1);
    assertThat(h.service.tick()).isEqualTo(1);
    assertThat(theCase().state()).isEqualTo(CaseState.FAILED);
    for (var key : List.of(REQUESTOR, PROVIDER)) {
      List<Envelope> got = h.drain(key);
      assertThat(got).hasSize(1);
      ForceGetTaskResultFailed f = got.get(0).payload(ForceGetTaskResultFailed.class);
      assertThat(f.taskToComputeHash()).isEqualTo(s.ttc().structHash());
      assertThat(f.reportHash()).isEqualTo(s.rct().structHash());
      assertThat(f.resultCid()).isEqualTo(cid);
    }
    // A late upload changes nothing.
    h.service.resultUploaded(PROVIDER.address(), cid);
    assertThat(theCase().state()).isEqualTo(CaseState.FAILED);
    assertThat(h.drain(REQUESTOR)).isEmpty();
  }

  @Test
  void aReportedCaseMovesOnButOnlyForItsOwnReport() {
    h.send(PROVIDER, new ForceReportComputedTask(s.ttcFrame(), s.rctFrame()));
    h.sendFrame(REQUESTOR, h.fx.ack(s, h.clock.millis()));
    assertThat(theCase().state()).isEqualTo(CaseState.REPORTED);

    // A second report of the same subtask (another result) is not the one the case rests on.
    byte[] otherReport =
        h.fx.frame(
            new org.jgolem.protocol.messages.market.ReportComputedTask(
                s.ttc().structHash(),
                s.subtaskId(),
                PROVIDER.address(),
                "bafkreiother",
                org.jgolem.concent.ConcentFixtures.bytes32(0x45),
                10,
                1),
            PROVIDER,
            h.clock.millis());
    ServiceRefused r =
        h.refusal(h.send(REQUESTOR, new ForceGetTaskResult(s.ttcFrame(), otherReport)));
    assertThat(r.reason()).isEqualTo(Reason.INVALID_EVIDENCE);
    assertThat(r.detail()).contains("is not the one Concent's case");

    assertThat(force().reply()).isEmpty();
    assertThat(theCase().state()).isEqualTo(CaseState.FORCING_RESULT_TRANSFER);
    assertThat(theCase().version()).isEqualTo(3);
    assertThat(h.refusal(force()).reason()).isEqualTo(Reason.DUPLICATE_REQUEST);
  }

  @Test
  void onlyTheRequestorMayForceTheResult() {
    ServiceRefused r =
        h.refusal(h.send(PROVIDER, new ForceGetTaskResult(s.ttcFrame(), s.rctFrame())));
    assertThat(r.reason()).isEqualTo(Reason.INVALID_REQUEST);
    assertThat(r.detail()).contains("must come from the requestor");
    assertThat(h.store.cases()).isEmpty();
  }
}
