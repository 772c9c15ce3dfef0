package org.jgolem.protocol.notes;

import java.math.BigInteger;
import org.jgolem.eth.Address;
import org.jgolem.protocol.identity.Secp256k1;
import org.jgolem.protocol.identity.Signature;
import org.jgolem.protocol.messages.Eip712;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.utils.Numeric;

/**
 * EIP-712 hashing and signing of promissory notes for one GNTDeposit contract on one chain. The
 * same digest as {@code GNTDeposit.noteDigest}; signatures are low-s, as the contract requires.
 */
public final class NoteSigner {
  static final byte[] DOMAIN_TYPEHASH =
      Eip712.typeHash(
          "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
  static final byte[] NOTE_TYPEHASH =
      Eip712.typeHash(
          "PromissoryNote(address payer,address payee,uint256 amount,bytes32 subtaskId,uint8 purpose)");

  /** The order n of secp256k1's group. */
  public static final BigInteger CURVE_ORDER = Secp256k1.N;

  private final byte[] domainSeparator;

  public NoteSigner(long chainId, Address depositContract) {
    this.domainSeparator =
        Eip712.hashStruct(
            DOMAIN_TYPEHASH,
            Eip712.string("GNTDeposit"),
            Eip712.string("1"),
            Eip712.uint(chainId),
            Eip712.address(depositContract));
  }

  public byte[] domainSeparator() {
    return domainSeparator.clone();
  }

  public byte[] digest(PromissoryNote note) {
    byte[] structHash =
        Eip712.hashStruct(
            NOTE_TYPEHASH,
            Eip712.address(note.payer()),
            Eip712.address(note.payee()),
            Eip712.uint(note.amount()),
            note.subtaskId(),
            Eip712.uint(note.purpose().ordinal()));
    return Eip712.hash(domainSeparator, structHash);
  }

  /** Signs with the payer's key; refuses a key that is not the payer's. */
  public SignedNote sign(PromissoryNote note, ECKeyPair payerKey) {
    Address signer = Address.of(Keys.getAddress(payerKey.getPublicKey()));
    if (!signer.equals(note.payer())) {
      throw new IllegalArgumentException(
          "note payer " + note.payer() + " is not the signing key's address " + signer);
    }
    Signature sig =
        Secp256k1.sign(digest(note), payerKey); // native when available; same bytes as web3j
    return new SignedNote(note, sig.v(), sig.r(), sig.s());
  }

  /** Who signed {@code signed}, by the same rules as the contract (v 27/28, low s). */
  public Address recover(SignedNote signed) {
    if (signed.v() != 27 && signed.v() != 28) {
      throw new IllegalArgumentException("signature v must be 27 or 28, got " + signed.v());
    }
    BigInteger r = new BigInteger(1, signed.r());
    BigInteger s = new BigInteger(1, signed.s());
    if (s.compareTo(CURVE_ORDER.shiftRight(1)) > 0) {
      throw new IllegalArgumentException("high-s signature refused");
    }
    // ecrecover returns address 0 unless 0 < r < n and 0 < s < n; plain recovery would not refuse
    // them
    if (r.signum() == 0 || r.compareTo(CURVE_ORDER) >= 0 || s.signum() == 0) {
      throw new IllegalArgumentException(
          "signature r or s out of range (0 < r < n, 0 < s required)");
    }
    return Secp256k1.recover(
        digest(signed.note()), new Signature(signed.r(), signed.s(), signed.v()));
  }

  /** The malleable twin of a signature: s' = n - s, v flipped. The contract must refuse it. */
  public static SignedNote highS(SignedNote signed) {
    BigInteger s = new BigInteger(1, signed.s());
    byte[] highS = Numeric.toBytesPadded(CURVE_ORDER.subtract(s), 32);
    return new SignedNote(signed.note(), signed.v() == 27 ? 28 : 27, signed.r(), highS);
  }
}
