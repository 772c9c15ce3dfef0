package org.jgolem.concent.api;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.jgolem.eth.Address;

/**
 * What Concent offers over HTTP, with the transport taken off: the HTTP adapter has already checked
 * the request's {@link org.jgolem.protocol.messages.concent.ConcentAuth} (signature, Concent's
 * address, method, path, body hash, freshness, nonce), so {@code client} is the proven sender.
 */
public interface ConcentApi {
  /**
   * One message from {@code client}: a Force… request, or a party's answer to a relayed one (an
   * AckReportComputedTask, RejectReportComputedTask, SubtaskResultsAccepted or Rejected). Never
   * throws on bad input: a refusal is a signed ServiceRefused reply.
   */
  SendResult send(Address client, byte[] frame);

  /**
   * Acknowledges {@code ackIds}, then returns the messages pending for {@code client} as one signed
   * ConcentDelivery frame, or empty if none is pending.
   */
  Optional<byte[]> receive(Address client, List<byte[]> ackIds);

  /**
   * Why {@code client} may not upload the result {@code cid} to Concent's storage now, or empty if
   * Concent expects exactly that upload from that client (use case 2: a case of that provider in
   * FORCING_RESULT_TRANSFER whose report names {@code cid}, before its upload deadline).
   */
  Optional<String> uploadRefusal(Address client, String cid);

  /**
   * The storage holds the complete, verified result {@code cid} uploaded by {@code client}: the
   * case moves on and the requestor is told where to download it. Idempotent.
   */
  void resultUploaded(Address client, String cid);

  /** Why {@code client} may not download {@code cid} now, or empty if it may (its requestor). */
  Optional<String> downloadRefusal(Address client, String cid);

  /** The windows in force, for {@code GET /api/v1/protocol-constants}. */
  ProtocolConstants constants();

  /** {@code owner}'s deposit as Concent sees it: on chain, and what open claims reserve. */
  DepositReport deposit(Address owner);

  /**
   * The auditors' record (docs/AUDITORS.md), if this Concent keeps one: the read API's cases and
   * evidence bundles.
   */
  default Optional<org.jgolem.concent.record.CaseRecords> records() {
    return Optional.empty();
  }

  /**
   * @param reply Concent's signed reply frame (HTTP 200), or empty if the request was queued and
   *     the answer will come through receive (HTTP 202)
   */
  record SendResult(Optional<byte[]> reply) {
    public static SendResult queued() {
      return new SendResult(Optional.empty());
    }

    public static SendResult reply(byte[] frame) {
      return new SendResult(Optional.of(frame));
    }
  }

  /** The windows, in ms (JSON for nodes and operators). */
  record ProtocolConstants(
      long concentMessagingTimeMs,
      long forceAcceptanceTimeMs,
      long paymentDueTimeMs,
      long maximumMessageTransportTimeMs,
      long maximumActionTimeMs,
      long downloadLeadInMs,
      long uploadBytesPerSecond,
      long additionalVerificationCallTimeMs) {}

  record DepositReport(Address owner, BigInteger balance, long timelock, BigInteger reserved) {}
}
