package org.jgolem.concent.evidence;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jgolem.concent.cases.SubtaskCase;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.concent.ForceGetTaskResult;
import org.jgolem.protocol.messages.concent.ForcePayment;
import org.jgolem.protocol.messages.concent.ForceReportComputedTask;
import org.jgolem.protocol.messages.concent.ForceReportComputedTaskResponse;
import org.jgolem.protocol.messages.concent.ForceSubtaskResults;
import org.jgolem.protocol.messages.concent.ServiceRefused;
import org.jgolem.protocol.messages.concent.SubtaskResultsVerify;
import org.jgolem.protocol.messages.market.AckReportComputedTask;
import org.jgolem.protocol.messages.market.RejectReportComputedTask;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.jgolem.protocol.messages.market.SubtaskResultsRejected;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.messages.market.WireNote;
import org.jgolem.protocol.notes.NoteSigner;

/**
 * Opens the frames a request embeds and checks the chain of evidence, link by link, as Golem's
 * Concent did: each frame with the codec (layout, payload rules, signature, and so the chain id,
 * which is in the EIP-712 domain), each frame signed by the party that must have signed it, each
 * answer answering exactly the message before it, and the request sent by the party entitled to it.
 * Every failure is an {@link EvidenceException} naming the frame and what is wrong with it. Pure:
 * no clock, no store.
 */
public final class EvidenceVerifier {
  private final MessageCodec codec;
  private final NoteSigner notes;
  private final Address concent;

  /**
   * @param codec the codec of this chain
   * @param notes the note signer of this chain's deposit contract
   * @param concent Concent's own address, which signs its verdicts
   */
  public EvidenceVerifier(MessageCodec codec, NoteSigner notes, Address concent) {
    this.codec = Objects.requireNonNull(codec, "codec");
    this.notes = Objects.requireNonNull(notes, "notes");
    this.concent = Objects.requireNonNull(concent, "concent");
  }

  // ------------------------------------------------------------------ the four requests

  /** Use case 1: a provider forces its own report. */
  public ReportEvidence forceReport(Envelope request) {
    ForceReportComputedTask f = request.payload(ForceReportComputedTask.class);
    ReportEvidence e = reportChain(f.taskToCompute(), f.report());
    requireSender(request, e.ttc().provider(), "the provider of the subtask");
    return e;
  }

  /** Use case 2: a requestor forces the result of its own task. */
  public ReportEvidence forceGetResult(Envelope request) {
    ForceGetTaskResult f = request.payload(ForceGetTaskResult.class);
    ReportEvidence e = reportChain(f.taskToCompute(), f.report());
    requireSender(request, e.ttc().requestor(), "the requestor of the subtask");
    return e;
  }

  /** Use case 3: a provider forces the acceptance of its own acknowledged report. */
  public AcceptanceEvidence forceAcceptance(Envelope request) {
    ForceSubtaskResults f = request.payload(ForceSubtaskResults.class);
    ReportEvidence e = reportChain(f.taskToCompute(), f.report());
    Signed<? extends Payload> ack = ack("ack", f.ack(), e.ttc(), e.rct());
    requireSender(request, e.ttc().provider(), "the provider of the subtask");
    return new AcceptanceEvidence(e.task(), e.report(), ack);
  }

  /** Use case 4: a provider forces the payment of its own accepted subtasks, one requestor. */
  public PaymentEvidence forcePayment(Envelope request) {
    ForcePayment f = request.payload(ForcePayment.class);
    List<byte[]> ttcs = f.taskToComputes();
    List<byte[]> sras = f.accepted();
    List<PaymentEvidence.Item> items = new ArrayList<>(ttcs.size());
    Set<String> seen = new HashSet<>();
    Address requestor = null;
    for (int i = 0; i < ttcs.size(); i++) {
      Signed<TaskToCompute> task = taskToCompute("taskToComputes[" + i + "]", ttcs.get(i));
      TaskToCompute ttc = task.payload();
      Signed<SubtaskResultsAccepted> sra = accepted("accepted[" + i + "]", sras.get(i), ttc);
      if (requestor == null) {
        requestor = ttc.requestor();
      } else if (!requestor.equals(ttc.requestor())) {
        throw EvidenceException.invalid(
            "taskToComputes["
                + i
                + "] is from requestor "
                + ttc.requestor()
                + ", not "
                + requestor
                + ": one ForcePayment names one requestor");
      }
      if (!seen.add(ttc.subtaskIdHex())) {
        throw EvidenceException.invalid(
            "taskToComputes[" + i + "] repeats subtask " + ttc.subtaskIdHex());
      }
      requireSender(request, ttc.provider(), "the provider of subtask " + ttc.subtaskIdHex());
      items.add(new PaymentEvidence.Item(task, sra));
    }
    return new PaymentEvidence(requestor, request.sender(), items);
  }

  /**
   * Use case 5: a provider disputes the requestor's rejection of its own report. The rejection is
   * the requestor's, of exactly this report, for VERIFICATION_NEGATIVE; the fee note is the
   * provider's, signed in this chain's deposit contract domain.
   */
  public VerificationEvidence additionalVerification(Envelope request) {
    SubtaskResultsVerify v = request.payload(SubtaskResultsVerify.class);
    ReportEvidence e = reportChain(v.taskToCompute(), v.report());
    TaskToCompute ttc = e.ttc();
    Signed<SubtaskResultsRejected> rejection =
        open("rejection", v.rejection(), SubtaskResultsRejected.class);
    signedBy("rejection", rejection, ttc.requestor(), "the requestor");
    SubtaskResultsRejected srr = rejection.payload();
    if (!srr.answers(e.rct())
        || !srr.requestor().equals(ttc.requestor())
        || !Arrays.equals(srr.subtaskId(), ttc.subtaskId())) {
      throw EvidenceException.invalid("rejection does not reject this report");
    }
    if (srr.reason() != SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE) {
      throw new EvidenceException(
          ServiceRefused.Reason.REJECTION_NOT_DISPUTABLE,
          "rejection.reason is " + srr.reason() + "; only VERIFICATION_NEGATIVE is disputed");
    }
    WireNote note = v.verificationNote();
    Address signer;
    try {
      signer = notes.recover(note.toSignedNote());
    } catch (IllegalArgumentException ex) {
      throw EvidenceException.invalid("verificationNote's signature does not recover: " + ex);
    }
    if (!signer.equals(ttc.provider())) {
      throw EvidenceException.invalid(
          "verificationNote is not signed by the provider "
              + ttc.provider()
              + " for this chain's deposit contract");
    }
    requireSender(request, ttc.provider(), "the provider of the subtask");
    return new VerificationEvidence(e.task(), e.report(), rejection, note);
  }

  // ------------------------------------------------------------------ answers to an open case

  /**
   * The requestor's answer to the report relayed in case {@code c} (use case 1): an
   * AckReportComputedTask or RejectReportComputedTask signed by the case's requestor, for the
   * case's report.
   */
  public void reportAnswer(Envelope answer, SubtaskCase c) {
    requireSender(answer, c.requestor(), "the requestor of the subtask");
    byte[][] ids =
        switch (answer.payload()) {
          case AckReportComputedTask a -> new byte[][] {a.reportHash(), a.subtaskId()};
          case RejectReportComputedTask r -> new byte[][] {r.reportHash(), r.subtaskId()};
          default ->
              throw EvidenceException.invalid(
                  answer.type() + " is no answer to a ReportComputedTask");
        };
    answersReport(answer, ids[0], ids[1], c);
  }

  /**
   * The requestor's decision on the results forced in case {@code c} (use case 3): a
   * SubtaskResultsAccepted or SubtaskResultsRejected signed by the case's requestor, for the case's
   * report and parties (and, accepting, its price).
   */
  public void resultsAnswer(Envelope answer, SubtaskCase c) {
    requireSender(answer, c.requestor(), "the requestor of the subtask");
    switch (answer.payload()) {
      case SubtaskResultsAccepted a -> {
        answersReport(answer, a.reportHash(), a.subtaskId(), c);
        parties(answer, a.requestor(), a.provider(), c);
        if (!a.price().equals(c.price())) {
          throw EvidenceException.invalid(
              "SubtaskResultsAccepted accepts price "
                  + a.price()
                  + ", but the TaskToCompute says "
                  + c.price());
        }
      }
      case SubtaskResultsRejected r -> {
        answersReport(answer, r.reportHash(), r.subtaskId(), c);
        parties(answer, r.requestor(), r.provider(), c);
      }
      default ->
          throw EvidenceException.invalid(answer.type() + " is no decision on a subtask's results");
    }
  }

  private static void answersReport(
      Envelope answer, byte[] reportHash, byte[] subtaskId, SubtaskCase c) {
    if (!Arrays.equals(subtaskId, c.subtaskId())) {
      throw EvidenceException.invalid(
          answer.type() + " is about subtask " + hex(subtaskId) + ", not " + c.subtaskIdHex());
    }
    if (!Arrays.equals(reportHash, c.reportHash())) {
      throw EvidenceException.invalid(
          answer.type()
              + " answers report "
              + hex(reportHash)
              + ", not the case's report "
              + hex(c.reportHash()));
    }
  }

  private static void parties(Envelope answer, Address requestor, Address provider, SubtaskCase c) {
    if (!requestor.equals(c.requestor()) || !provider.equals(c.provider())) {
      throw EvidenceException.invalid(
          answer.type()
              + " names "
              + requestor
              + " -> "
              + provider
              + ", not the subtask's parties "
              + c.requestor()
              + " -> "
              + c.provider());
    }
  }

  // ------------------------------------------------------------------ links

  /** The TaskToCompute and the report answering it. */
  public ReportEvidence reportChain(byte[] ttcFrame, byte[] reportFrame) {
    Signed<TaskToCompute> task = taskToCompute("taskToCompute", ttcFrame);
    Signed<ReportComputedTask> report = report("report", reportFrame, task.payload());
    return new ReportEvidence(task, report);
  }

  /** A TaskToCompute signed by its requestor, both notes too, in the deposit contract's domain. */
  public Signed<TaskToCompute> taskToCompute(String field, byte[] frame) {
    Signed<TaskToCompute> s = open(field, frame, TaskToCompute.class);
    TaskToCompute ttc = s.payload();
    signedBy(field, s, ttc.requestor(), "its requestor");
    if (!ttc.notesSignedByRequestor(notes)) {
      throw EvidenceException.invalid(
          field
              + "'s promissory notes are not signed by the requestor "
              + ttc.requestor()
              + " for this chain's deposit contract");
    }
    return s;
  }

  /** A report signed by the provider of {@code ttc}, answering exactly {@code ttc}. */
  public Signed<ReportComputedTask> report(String field, byte[] frame, TaskToCompute ttc) {
    Signed<ReportComputedTask> s = open(field, frame, ReportComputedTask.class);
    signedBy(field, s, ttc.provider(), "the provider");
    if (!s.payload().answers(ttc)) {
      throw EvidenceException.invalid(
          field + " does not answer this TaskToCompute (subtask " + ttc.subtaskIdHex() + ")");
    }
    return s;
  }

  /**
   * The acknowledgement of {@code report}: the requestor's AckReportComputedTask, or Concent's own
   * ForceReportComputedTaskResponse with outcome CONCENT_ACK.
   */
  public Signed<? extends Payload> ack(
      String field, byte[] frame, TaskToCompute ttc, ReportComputedTask report) {
    Envelope e = decode(field, frame);
    Signed<? extends Payload> s =
        switch (e.payload()) {
          case AckReportComputedTask a -> {
            signedBy(field, e, ttc.requestor(), "the requestor");
            if (!a.answers(report)) {
              throw EvidenceException.invalid(field + " does not acknowledge this report");
            }
            yield new Signed<>(e, a, frame);
          }
          case ForceReportComputedTaskResponse r -> {
            signedBy(field, e, concent, "Concent");
            concentAck(field, r, report);
            yield new Signed<>(e, r, frame);
          }
          default ->
              throw EvidenceException.invalid(
                  field
                      + " must be an AckReportComputedTask or Concent's"
                      + " ForceReportComputedTaskResponse, got "
                      + e.type());
        };
    return s;
  }

  private static void concentAck(
      String field, ForceReportComputedTaskResponse r, ReportComputedTask report) {
    if (r.outcome() != ForceReportComputedTaskResponse.Outcome.CONCENT_ACK) {
      throw EvidenceException.invalid(
          field + " is Concent's " + r.outcome() + ", not its CONCENT_ACK");
    }
    if (!Arrays.equals(r.reportHash(), report.structHash())
        || !Arrays.equals(r.subtaskId(), report.subtaskId())) {
      throw EvidenceException.invalid(field + " is Concent's acknowledgement of another report");
    }
  }

  /**
   * A SubtaskResultsAccepted signed by the requestor of {@code ttc}, for its subtask, its parties
   * and its price.
   */
  public Signed<SubtaskResultsAccepted> accepted(String field, byte[] frame, TaskToCompute ttc) {
    Signed<SubtaskResultsAccepted> s = open(field, frame, SubtaskResultsAccepted.class);
    signedBy(field, s, ttc.requestor(), "the requestor");
    acceptanceMatches(field, s.payload(), ttc);
    return s;
  }

  private static void acceptanceMatches(String field, SubtaskResultsAccepted a, TaskToCompute ttc) {
    if (!Arrays.equals(a.subtaskId(), ttc.subtaskId())) {
      throw EvidenceException.invalid(
          field + " accepts subtask " + hex(a.subtaskId()) + ", not " + ttc.subtaskIdHex());
    }
    if (!a.requestor().equals(ttc.requestor()) || !a.provider().equals(ttc.provider())) {
      throw EvidenceException.invalid(
          field
              + " names "
              + a.requestor()
              + " -> "
              + a.provider()
              + ", but the TaskToCompute "
              + ttc.requestor()
              + " -> "
              + ttc.provider());
    }
    if (!a.price().equals(ttc.price())) {
      throw EvidenceException.invalid(
          field + " accepts price " + a.price() + ", but the TaskToCompute says " + ttc.price());
    }
  }

  // ------------------------------------------------------------------ frames

  /** Opens {@code frame} as a {@code type}; refuses another type or a bad frame. */
  public <T extends Payload> Signed<T> open(String field, byte[] frame, Class<T> type) {
    Envelope e = decode(field, frame);
    if (!type.isInstance(e.payload())) {
      throw EvidenceException.invalid(
          field + " must be a " + type.getSimpleName() + ", got " + e.type());
    }
    return new Signed<>(e, type.cast(e.payload()), frame);
  }

  private Envelope decode(String field, byte[] frame) {
    try {
      return codec.decode(frame);
    } catch (InvalidMessageException e) {
      throw EvidenceException.invalid(field + ": " + e.getMessage());
    } catch (RuntimeException e) {
      throw EvidenceException.invalid(field + " does not decode: " + e);
    }
  }

  private static void signedBy(String field, Signed<?> s, Address expected, String who) {
    signedBy(field, s.envelope(), expected, who);
  }

  private static void signedBy(String field, Envelope e, Address expected, String who) {
    if (!e.sender().equals(expected)) {
      throw EvidenceException.invalid(
          field
              + " ("
              + e.type()
              + ") is signed by "
              + e.sender()
              + ", not by "
              + who
              + " "
              + expected);
    }
  }

  private static void requireSender(Envelope request, Address expected, String who) {
    if (!request.sender().equals(expected)) {
      throw new EvidenceException(
          ServiceRefused.Reason.INVALID_REQUEST,
          request.type()
              + " must come from "
              + who
              + " "
              + expected
              + ", not from "
              + request.sender());
    }
  }

  private static String hex(byte[] b) {
    return "0x" + HexFormat.of().formatHex(b);
  }
}
