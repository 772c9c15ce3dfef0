package org.jgolem.protocol.messages.concent;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Arrays;
import java.util.Objects;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.Rules;
import org.jgolem.protocol.messages.market.SubtaskResultsRejected;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.messages.market.WireNote;
import org.jgolem.protocol.notes.Purpose;

/**
 * Use case 5, AdditionalVerification, from the provider (Golem's SubtaskResultsVerify): the
 * requestor rejected its results as wrong, and the provider disputes the rejection. It embeds the
 * chain of evidence as the original signed frames, the TaskToCompute, the provider's report
 * answering it, and the requestor's SubtaskResultsRejected of that report, and carries the
 * provider's own signed {@link Purpose#VERIFICATION_COST} note that backs the verification fee from
 * its deposit, should it lose.
 *
 * <p>{@link #validate()} checks what the message itself shows: the frames' form and types, their
 * payloads' own rules, the links between them (the report answers the TaskToCompute, the rejection
 * answers the report, between the same parties, one subtask throughout), that the rejection's
 * reason is {@code VERIFICATION_NEGATIVE} (no other rejection can be disputed), and the note's
 * form: purpose VERIFICATION_COST, payer the provider, this subtask, a positive amount, and a payee
 * that is neither party (the deposit contract, whose {@code reimburseForVerificationCosts} checks
 * the note with itself as the payee and pays Concent's cold wallet). The frames' signatures, the
 * note's signer (in the GNTDeposit domain, which the codec does not know), the dispute window and
 * the deposits are Concent's checks.
 */
@JsonPropertyOrder({"taskToCompute", "report", "rejection", "verificationNote"})
public record SubtaskResultsVerify(
    byte[] taskToCompute, byte[] report, byte[] rejection, WireNote verificationNote)
    implements Payload {
  @Override
  public MessageType type() {
    return MessageType.SUBTASK_RESULTS_VERIFY;
  }

  @Override
  public void validate() {
    TaskToCompute ttc =
        Frames.peek(
            "taskToCompute", taskToCompute, MessageType.TASK_TO_COMPUTE, TaskToCompute.class);
    ReportComputedTask rct =
        Frames.peek("report", report, MessageType.REPORT_COMPUTED_TASK, ReportComputedTask.class);
    SubtaskResultsRejected srr =
        Frames.peek(
            "rejection",
            rejection,
            MessageType.SUBTASK_RESULTS_REJECTED,
            SubtaskResultsRejected.class);
    if (!Arrays.equals(rct.subtaskId(), ttc.subtaskId())) {
      throw InvalidMessageException.invalid(
          "report.subtaskId", "must be the TaskToCompute's subtask");
    }
    if (!rct.answers(ttc)) {
      throw InvalidMessageException.invalid(
          "report", "must answer the TaskToCompute (its struct hash and provider)");
    }
    if (!Arrays.equals(srr.subtaskId(), ttc.subtaskId())) {
      throw InvalidMessageException.invalid(
          "rejection.subtaskId", "must be the TaskToCompute's subtask");
    }
    if (!srr.answers(rct)) {
      throw InvalidMessageException.invalid(
          "rejection", "must reject the embedded report (its struct hash and provider)");
    }
    if (!srr.requestor().equals(ttc.requestor())) {
      throw InvalidMessageException.invalid(
          "rejection.requestor", "must be the TaskToCompute's requestor");
    }
    if (srr.reason() != SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE) {
      throw InvalidMessageException.invalid(
          "rejection.reason", "must be VERIFICATION_NEGATIVE to be disputed, got " + srr.reason());
    }
    Rules.present("verificationNote", verificationNote);
    verificationNote.validate("verificationNote");
    if (verificationNote.purpose() != Purpose.VERIFICATION_COST) {
      throw InvalidMessageException.invalid(
          "verificationNote.purpose",
          "must be VERIFICATION_COST, got " + verificationNote.purpose());
    }
    if (!verificationNote.payer().equals(ttc.provider())) {
      throw InvalidMessageException.invalid("verificationNote.payer", "must be the provider");
    }
    if (verificationNote.payee().equals(ttc.provider())
        || verificationNote.payee().equals(ttc.requestor())) {
      throw InvalidMessageException.invalid(
          "verificationNote.payee", "must be the deposit contract, not a party");
    }
    if (!Arrays.equals(verificationNote.subtaskId(), ttc.subtaskId())) {
      throw InvalidMessageException.invalid(
          "verificationNote.subtaskId", "must be the TaskToCompute's subtask");
    }
    if (verificationNote.amount().signum() == 0) {
      throw InvalidMessageException.invalid("verificationNote.amount", "must be positive");
    }
  }

  @Override
  public byte[] taskToCompute() {
    return Frames.copy(taskToCompute);
  }

  @Override
  public byte[] report() {
    return Frames.copy(report);
  }

  @Override
  public byte[] rejection() {
    return Frames.copy(rejection);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SubtaskResultsVerify v
        && Arrays.equals(taskToCompute, v.taskToCompute)
        && Arrays.equals(report, v.report)
        && Arrays.equals(rejection, v.rejection)
        && Objects.equals(verificationNote, v.verificationNote);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(rejection) * 31 + Objects.hashCode(verificationNote);
  }

  @Override
  public String toString() {
    return "SubtaskResultsVerify["
        + ForceReportComputedTask.lengths(taskToCompute, report, rejection)
        + ", "
        + verificationNote
        + "]";
  }
}
