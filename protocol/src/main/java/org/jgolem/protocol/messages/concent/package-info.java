/**
 * The messages between nodes and Concent, the arbitration service. Requests from nodes ({@code
 * Force…}) embed the signed envelopes they rely on, as encoded frames, so that Concent and anyone
 * who does not trust it can open and check each one with the same {@link
 * org.jgolem.protocol.messages.codec.MessageCodec}; Concent's own answers and verdicts are signed
 * by Concent's key. {@link ConcentAuth} binds an HTTP request to Concent's address, its method,
 * path and body, and a fresh nonce (the envelope's message id).
 *
 * <p>Use case 5, AdditionalVerification: {@link SubtaskResultsVerify} (the provider's dispute),
 * {@link AckSubtaskResultsVerify} (Concent's upload order) and {@link SubtaskResultsSettled} (the
 * verdict, with its {@link VerificationCheck}s).
 */
package org.jgolem.protocol.messages.concent;
