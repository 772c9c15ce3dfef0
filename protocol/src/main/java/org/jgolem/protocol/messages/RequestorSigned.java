package org.jgolem.protocol.messages;

import org.jgolem.eth.Address;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.identity.Secp256k1;
import org.jgolem.protocol.identity.Signature;

/**
 * A payload that carries its author's own EIP-712 signature, independent of the envelope, so it can
 * be forwarded hop by hop (each hop signs its own envelope) without losing proof of authorship.
 */
public interface RequestorSigned extends Payload {
  /** Who must have signed: the requestor. */
  Address author();

  /** EIP-712 struct hash of every field except the signature. */
  byte[] structHash();

  Signature authorSignature();

  /** The digest the author signs, in the jgolem EIP-712 domain of {@code hasher}. */
  default byte[] signingDigest(MessageHasher hasher) {
    return Eip712.hash(hasher.domainSeparator(), structHash());
  }

  /** True if the signature recovers to {@link #author()}; never throws on a bad signature. */
  default boolean hasValidAuthorSignature(MessageHasher hasher) {
    try {
      return Secp256k1.recover(signingDigest(hasher), authorSignature()).equals(author());
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Signs the digest with the author's key (which must be the author's). */
  static Signature sign(RequestorSigned unsigned, MessageHasher hasher, NodeKey key) {
    if (!key.address().equals(unsigned.author())) {
      throw new IllegalArgumentException(
          "key " + key.address() + " is not the author " + unsigned.author());
    }
    return key.sign(unsigned.signingDigest(hasher));
  }
}
