package org.jgolem.protocol.messages.market;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.Eip712;
import org.jgolem.protocol.messages.EvidencePayload;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.notes.NoteSigner;
import org.jgolem.protocol.notes.Purpose;

/**
 * The requestor assigns a subtask to a provider (evidence): the subtask definition, the total
 * {@code price} for it, the {@code deadline} (ms since the epoch) for the result, a promissory note
 * paying the provider at least the price, and a note of purpose VERIFICATION_COST for Concent
 * ({@code concentNote}: what Concent charges the requestor, through the deposit contract, when an
 * additional verification finds the provider right, as Golem's TaskToCompute's Concent note did),
 * both signed by the requestor for this very subtask.
 *
 * <p>As EIP-712 typed data it is {@link #TYPE}: the primary type followed by the struct types it
 * references ({@link ResourceLimits}, {@link WireNote}'s {@code SignedNote}, {@link
 * SubtaskDefinition}, {@link SubtaskRun}) sorted by name; the members of those types are their
 * struct hashes. {@link #structHash()} is what a {@link ReportComputedTask} refers to.
 *
 * <p>{@link #validate()} checks the notes' form and that they match this subtask; who signed them
 * is checked by the receiver with its {@link NoteSigner} ({@link #notesSignedByRequestor}).
 */
@JsonPropertyOrder({
  "taskId",
  "subtaskId",
  "requestor",
  "provider",
  "price",
  "deadline",
  "definition",
  "providerNote",
  "concentNote"
})
public record TaskToCompute(
    byte[] taskId,
    byte[] subtaskId,
    Address requestor,
    Address provider,
    BigInteger price,
    long deadline,
    SubtaskDefinition definition,
    WireNote providerNote,
    WireNote concentNote)
    implements EvidencePayload {

  public static final String PRIMARY_TYPE =
      "TaskToCompute(bytes32 taskId,bytes32 subtaskId,address requestor,address provider,uint256 price,uint64 deadline,"
          + "SubtaskDefinition definition,SignedNote providerNote,SignedNote concentNote)";
  public static final String TYPE =
      PRIMARY_TYPE
          + ResourceLimits.TYPE
          + WireNote.TYPE
          + SubtaskDefinition.PRIMARY_TYPE
          + SubtaskRun.TYPE;
  private static final byte[] TYPE_HASH = Eip712.typeHash(TYPE);

  @Override
  public MessageType type() {
    return MessageType.TASK_TO_COMPUTE;
  }

  @Override
  public byte[] structHash() {
    return Eip712.hashStruct(
        TYPE_HASH,
        Eip712.fixedBytes(taskId),
        Eip712.fixedBytes(subtaskId),
        Eip712.address(requestor),
        Eip712.address(provider),
        Eip712.uint(price),
        Eip712.uint(deadline),
        definition.structHash(),
        providerNote.structHash(),
        concentNote.structHash());
  }

  @Override
  public void validate() {
    Rules.bytes32("taskId", taskId);
    Rules.id("subtaskId", subtaskId);
    Rules.address("requestor", requestor);
    Rules.address("provider", provider);
    if (requestor.equals(provider)) {
      throw InvalidMessageException.invalid("provider", "must not be the requestor");
    }
    Rules.uint256("price", price);
    Rules.range("deadline", deadline, 1, Long.MAX_VALUE);
    Rules.present("definition", definition);
    definition.validate("definition");

    Rules.present("providerNote", providerNote);
    providerNote.validate("providerNote");
    requireNoteFor("providerNote", providerNote, Purpose.SUBTASK_PAYMENT);
    if (!providerNote.payee().equals(provider)) {
      throw InvalidMessageException.invalid("providerNote.payee", "must be the provider");
    }
    if (providerNote.amount().compareTo(price) < 0) {
      throw InvalidMessageException.invalid(
          "providerNote.amount", "must be at least the price " + price);
    }

    Rules.present("concentNote", concentNote);
    concentNote.validate("concentNote");
    requireNoteFor("concentNote", concentNote, Purpose.VERIFICATION_COST);
    if (concentNote.payee().equals(provider) || concentNote.payee().equals(requestor)) {
      throw InvalidMessageException.invalid(
          "concentNote.payee", "must be the deposit contract, not a party");
    }
  }

  private void requireNoteFor(String field, WireNote note, Purpose purpose) {
    if (!note.payer().equals(requestor)) {
      throw InvalidMessageException.invalid(field + ".payer", "must be the requestor");
    }
    if (!Arrays.equals(note.subtaskId(), subtaskId)) {
      throw InvalidMessageException.invalid(
          field + ".subtaskId", "must be this message's subtaskId");
    }
    if (note.purpose() != purpose) {
      throw InvalidMessageException.invalid(field + ".purpose", "must be " + purpose);
    }
  }

  /**
   * True if both notes were signed by the requestor in {@code signer}'s domain; never throws on a
   * bad signature.
   */
  public boolean notesSignedByRequestor(NoteSigner signer) {
    try {
      return signer.recover(providerNote.toSignedNote()).equals(requestor)
          && signer.recover(concentNote.toSignedNote()).equals(requestor);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** The subtask id as 0x-hex. */
  public String subtaskIdHex() {
    return "0x" + HexFormat.of().formatHex(subtaskId);
  }

  @Override
  public byte[] taskId() {
    return Rules.copy(taskId);
  }

  @Override
  public byte[] subtaskId() {
    return Rules.copy(subtaskId);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TaskToCompute t
        && Arrays.equals(taskId, t.taskId)
        && Arrays.equals(subtaskId, t.subtaskId)
        && Objects.equals(requestor, t.requestor)
        && Objects.equals(provider, t.provider)
        && Objects.equals(price, t.price)
        && deadline == t.deadline
        && Objects.equals(definition, t.definition)
        && Objects.equals(providerNote, t.providerNote)
        && Objects.equals(concentNote, t.concentNote);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(subtaskId) * 31 + Objects.hashCode(provider);
  }

  @Override
  public String toString() {
    return "TaskToCompute[subtask "
        + (subtaskId == null ? "null" : subtaskIdHex())
        + " "
        + requestor
        + " -> "
        + provider
        + ", price "
        + price
        + ", deadline "
        + deadline
        + "]";
  }
}
