package org.jgolem.concent.service;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jgolem.concent.api.ConcentApi.SendResult;
import org.jgolem.concent.cases.CaseState;
import org.jgolem.concent.cases.SubtaskCase;
import org.jgolem.concent.evidence.ReportEvidence;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultDownload;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultFailed;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultUpload;
import org.jgolem.protocol.messages.concent.ServiceRefused.Reason;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.TaskToCompute;

/**
 * Use case 2, ForceGetTaskResult: the requestor cannot download a reported result. Taken until
 * deadline + 2·CMT + MDT(size), it moves the case to FORCING_RESULT_TRANSFER and asks the provider
 * to upload the result to Concent's storage by deadline + 3·CMT + 2·MDT(size). An upload moves the
 * case to RESULT_UPLOADED and tells the requestor where to download it (until deadline + SVT); no
 * upload in time fails the case with a signed verdict the requestor may cite.
 */
final class ResultTransferHandler {
  static final String USE_CASE = MessageType.FORCE_GET_TASK_RESULT.name();
  static final String RULE_OPEN = "forceGetResultWindow";
  static final String RULE_UPLOAD = "uploadWindow";

  /** The verdicts of use case 2 (its messages carry no outcome of their own). */
  static final String UPLOADED = "RESULT_UPLOADED";

  static final String FAILED = "UPLOAD_FAILED";

  private final Parts p;

  ResultTransferHandler(Parts parts) {
    this.p = parts;
  }

  /** The requestor's request: queued (202). */
  SendResult request(Envelope request, byte[] frame) {
    ReportEvidence e = p.verifier().forceGetResult(request);
    TaskToCompute ttc = e.ttc();
    ReportComputedTask rct = e.rct();
    return p.store()
        .transaction(tx -> {
          long now = p.now();
          Optional<SubtaskCase> existing = tx.findCase(ttc.requestor(), ttc.subtaskId());
          CaseState wanted = CaseState.FORCING_RESULT_TRANSFER;
          if (existing.isPresent()) {
            if (!wanted.canFollow(existing.get().state())) {
              throw Parts.cannotOpen(existing.get(), wanted, request.type());
            }
            Parts.sameReport(existing.get(), rct);
          }
          long closes = p.windows().forceGetResultClosesAt(ttc.deadline(), rct.size());
          if (now > closes) {
            throw new RefusedException(
                Reason.TOO_LATE,
                ttc.subtaskId(),
                "ForceGetTaskResult for subtask "
                    + ttc.subtaskIdHex()
                    + " was taken until "
                    + closes
                    + " (deadline + 2·CMT + MDT), now is "
                    + now);
          }
          long uploadBy = p.windows().uploadDeadline(ttc.deadline(), rct.size());
          Map<MessageType, byte[]> frames = Map.of(MessageType.FORCE_GET_TASK_RESULT, frame);
          tx.saveCase(
              existing.isPresent()
                  ? existing.get().moveTo(wanted, uploadBy, frames)
                  : Parts.open(e.task(), e.report(), wanted, uploadBy, frames));
          byte[] upload =
              p.sign(
                  new ForceGetTaskResultUpload(
                      ttc.subtaskId(), rct.structHash(), rct.resultCid(), rct.size(), uploadBy));
          tx.enqueue(ttc.provider(), upload, now);
          Recording.of(tx, ttc, now)
              .received(request.sender(), frame, now)
              .rule(
                  RULE_OPEN,
                  now,
                  true,
                  Recording.times("deadline", ttc.deadline(), "size", rct.size()),
                  Recording.times("closesAt", closes))
              .moved(existing.map(c -> c.state().name()).orElse(Recording.NEW), wanted.name(), now)
              .sent(upload, now, ttc.provider());
          return SendResult.queued();
        });
  }

  /** Why {@code provider} may not upload {@code cid} now, or empty. */
  Optional<String> uploadRefusal(Address provider, String cid) {
    return p.store()
        .transaction(tx -> {
          long now = p.now();
          List<SubtaskCase> mine = ofParty(tx.casesByResult(cid), provider, true);
          if (mine.isEmpty()) {
            return Optional.of("Concent expects no result " + cid + " from " + provider);
          }
          List<String> why = new ArrayList<>();
          for (SubtaskCase c : mine) {
            if (c.state() == CaseState.FORCING_RESULT_TRANSFER) {
              if (now <= c.nextDeadline()) {
                return Optional.empty();
              }
              why.add(
                  "the upload deadline "
                      + c.nextDeadline()
                      + " of subtask "
                      + c.subtaskIdHex()
                      + " has passed");
            } else if (c.frame(MessageType.FORCE_GET_TASK_RESULT_DOWNLOAD) != null) {
              why.add("the result of subtask " + c.subtaskIdHex() + " is already uploaded");
            } else {
              why.add(
                  "the case of subtask "
                      + c.subtaskIdHex()
                      + " is "
                      + c.state()
                      + ", not FORCING_RESULT_TRANSFER");
            }
          }
          return Optional.of(String.join("; ", why));
        });
  }

  /** The storage holds {@code cid}, uploaded by {@code provider}: tell the requestor. */
  void resultUploaded(Address provider, String cid) {
    p.store()
        .transaction(tx -> {
          long now = p.now();
          for (SubtaskCase c : ofParty(tx.casesByResult(cid), provider, true)) {
            if (c.state() != CaseState.FORCING_RESULT_TRANSFER) {
              continue; // already moved on: idempotent
            }
            byte[] download =
                p.sign(
                    new ForceGetTaskResultDownload(
                        c.subtaskId(),
                        c.reportHash(),
                        c.resultCid(),
                        p.windows()
                            .downloadDeadline(
                                c.assignedAt(), c.computeDeadline(), c.resultSize())));
            tx.saveCase(
                c.moveTo(
                    CaseState.RESULT_UPLOADED,
                    0,
                    Map.of(MessageType.FORCE_GET_TASK_RESULT_DOWNLOAD, download)));
            tx.enqueue(c.requestor(), download, now);
            // The storage asked uploadRefusal before it took the bytes; the upload may end later.
            Recording.of(tx, c, now)
                .append(org.jgolem.concent.record.Entry.uploaded(now, cid))
                .rule(RULE_UPLOAD, now, now <= c.nextDeadline(), uploadInputs(c), uploadBounds(c))
                .moved(c.state().name(), CaseState.RESULT_UPLOADED.name(), now)
                .verdict(USE_CASE, UPLOADED, Map.of(), now)
                .sent(download, now, c.requestor());
          }
          return null;
        });
  }

  /** Why {@code requestor} may not download {@code cid} now, or empty. */
  Optional<String> downloadRefusal(Address requestor, String cid) {
    return p.store()
        .transaction(tx -> {
          long now = p.now();
          List<SubtaskCase> mine = ofParty(tx.casesByResult(cid), requestor, false);
          List<String> why = new ArrayList<>();
          for (SubtaskCase c : mine) {
            if (c.frame(MessageType.FORCE_GET_TASK_RESULT_DOWNLOAD) == null) {
              why.add("the result of subtask " + c.subtaskIdHex() + " is not uploaded yet");
              continue;
            }
            long until =
                p.windows().downloadDeadline(c.assignedAt(), c.computeDeadline(), c.resultSize());
            if (now <= until) {
              return Optional.empty();
            }
            why.add("the download of subtask " + c.subtaskIdHex() + " closed at " + until);
          }
          if (why.isEmpty()) {
            return Optional.of(
                "Concent holds no result " + cid + " forced by requestor " + requestor);
          }
          return Optional.of(String.join("; ", why));
        });
  }

  /** The provider uploaded nothing in time: the case fails, with a verdict for both parties. */
  void timeout(ConcentTx tx, SubtaskCase c, long now) {
    ReportComputedTask rct =
        p.stored(c, MessageType.REPORT_COMPUTED_TASK, ReportComputedTask.class);
    byte[] verdict =
        p.sign(
            new ForceGetTaskResultFailed(
                c.subtaskId(), rct.taskToComputeHash(), c.reportHash(), c.resultCid()));
    tx.saveCase(
        c.moveTo(CaseState.FAILED, 0, Map.of(MessageType.FORCE_GET_TASK_RESULT_FAILED, verdict)));
    tx.enqueue(c.requestor(), verdict, now);
    tx.enqueue(c.provider(), verdict, now);
    Recording.of(tx, c, now)
        .rule(RULE_UPLOAD, now, false, uploadInputs(c), uploadBounds(c))
        .moved(c.state().name(), CaseState.FAILED.name(), now)
        .verdict(USE_CASE, FAILED, Map.of(), now)
        .sent(verdict, now, c.requestor(), c.provider());
  }

  private static Map<String, Long> uploadInputs(SubtaskCase c) {
    return Recording.times("deadline", c.computeDeadline(), "size", c.resultSize());
  }

  private static Map<String, Long> uploadBounds(SubtaskCase c) {
    return Recording.times("closesAt", c.nextDeadline());
  }

  private static List<SubtaskCase> ofParty(
      List<SubtaskCase> cases, Address party, boolean asProvider) {
    return cases.stream()
        .filter(c -> (asProvider ? c.provider() : c.requestor()).equals(party))
        .toList();
  }
}
