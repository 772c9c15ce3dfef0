package org.jgolem.protocol.messages.market;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.jgolem.eth.Address;
import org.jgolem.protocol.identity.Secp256k1;
import org.jgolem.protocol.messages.Eip712;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.Purpose;
import org.jgolem.protocol.notes.SignedNote;

/**
 * A signed promissory note as carried inside a message: the note's fields and its signature as
 * plain values (r and s 32 bytes each, v 27 or 28). Its signature is over the GNTDeposit domain
 * ({@link org.jgolem.protocol.notes.NoteSigner}), which the codec does not know: {@link #validate}
 * checks the form only, and the receiver checks who signed with its own {@code NoteSigner}.
 *
 * <p>As an EIP-712 struct (a member of {@link TaskToCompute}) it is {@link #TYPE}, the purpose
 * encoded as its ordinal.
 */
@JsonPropertyOrder({"payer", "payee", "amount", "subtaskId", "purpose", "v", "r", "s"})
public record WireNote(
    Address payer,
    Address payee,
    BigInteger amount,
    byte[] subtaskId,
    Purpose purpose,
    int v,
    byte[] r,
    byte[] s) {

  public static final String TYPE =
      "SignedNote(address payer,address payee,uint256 amount,bytes32 subtaskId,uint8 purpose,uint8 v,bytes32 r,bytes32 s)";
  private static final byte[] TYPE_HASH = Eip712.typeHash(TYPE);

  public static WireNote of(SignedNote signed) {
    PromissoryNote n = signed.note();
    return new WireNote(
        n.payer(),
        n.payee(),
        n.amount(),
        n.subtaskId(),
        n.purpose(),
        signed.v(),
        signed.r(),
        signed.s());
  }

  /** Back to the notes API (for {@code NoteSigner.recover} or a contract call); validate first. */
  public SignedNote toSignedNote() {
    return new SignedNote(new PromissoryNote(payer, payee, amount, subtaskId, purpose), v, r, s);
  }

  public byte[] structHash() {
    return Eip712.hashStruct(
        TYPE_HASH,
        Eip712.address(payer),
        Eip712.address(payee),
        Eip712.uint(amount),
        Eip712.fixedBytes(subtaskId),
        Eip712.uint(purpose.ordinal()),
        Eip712.uint(v),
        Eip712.fixedBytes(r),
        Eip712.fixedBytes(s));
  }

  /** Form checks, with {@code field} as the prefix of the name reported. */
  public void validate(String field) {
    Rules.address(field + ".payer", payer);
    Rules.address(field + ".payee", payee);
    Rules.uint256(field + ".amount", amount);
    Rules.bytes32(field + ".subtaskId", subtaskId);
    Rules.present(field + ".purpose", purpose);
    if (v != 27 && v != 28) {
      throw InvalidMessageException.invalid(field + ".v", "must be 27 or 28, got " + v);
    }
    Rules.bytes32(field + ".r", r);
    Rules.bytes32(field + ".s", s);
    BigInteger rv = new BigInteger(1, r);
    BigInteger sv = new BigInteger(1, s);
    if (rv.signum() == 0 || rv.compareTo(Secp256k1.N) >= 0) {
      throw InvalidMessageException.invalid(field + ".r", "must be in 1..n-1");
    }
    if (sv.signum() == 0 || sv.compareTo(Secp256k1.HALF_N) > 0) {
      throw InvalidMessageException.invalid(field + ".s", "must be in 1..n/2 (low s)");
    }
  }

  @Override
  public byte[] subtaskId() {
    return Rules.copy(subtaskId);
  }

  @Override
  public byte[] r() {
    return Rules.copy(r);
  }

  @Override
  public byte[] s() {
    return Rules.copy(s);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WireNote n
        && Objects.equals(payer, n.payer)
        && Objects.equals(payee, n.payee)
        && Objects.equals(amount, n.amount)
        && Arrays.equals(subtaskId, n.subtaskId)
        && purpose == n.purpose
        && v == n.v
        && Arrays.equals(r, n.r)
        && Arrays.equals(s, n.s);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        payer,
        payee,
        amount,
        Arrays.hashCode(subtaskId),
        purpose,
        v,
        Arrays.hashCode(r),
        Arrays.hashCode(s));
  }

  @Override
  public String toString() {
    return "WireNote["
        + payer
        + " -> "
        + payee
        + ", "
        + amount
        + ", subtask 0x"
        + (subtaskId == null ? "null" : HexFormat.of().formatHex(subtaskId))
        + ", "
        + purpose
        + "]";
  }
}
