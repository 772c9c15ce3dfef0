package org.jgolem.protocol.messages;

/**
 * A payload that Concent and the contracts judge: signed as EIP-712 typed data. {@link
 * #structHash()} is the EIP-712 {@code hashStruct} of the payload's own fields; the envelope's
 * signature covers it.
 */
public interface EvidencePayload extends Payload {
  byte[] structHash();
}
