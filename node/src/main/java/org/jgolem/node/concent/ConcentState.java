package org.jgolem.node.concent;

/** Where a subtask stands with Concent, as this node sees it. */
public enum ConcentState {
  /** Concent was never needed (or is off for the subtask). */
  NONE,
  /** Provider: the report got no answer; Concent was asked to force it (use case 1). */
  FORCING_REPORT,
  /** Provider: the requestor acknowledged the report through Concent. */
  REPORT_ACKNOWLEDGED,
  /** Provider: the requestor rejected the report through Concent. */
  REPORT_REJECTED,
  /** Provider: Concent acknowledged the report in the silent requestor's place. */
  CONCENT_ACK,
  /** Provider: no verdict within SVT; Concent was asked to force one (use case 3). */
  FORCING_ACCEPTANCE,
  /** Provider: the requestor accepted the result through Concent. */
  ACCEPTED_BY_REQUESTOR,
  /** Provider: the requestor rejected the result through Concent. */
  REJECTED_BY_REQUESTOR,
  /** Provider: Concent accepted in the silent requestor's place; it pays from the deposit. */
  ACCEPTED_BY_CONCENT,
  /** Provider: the income is overdue; Concent was asked to make the requestor pay (use case 4). */
  FORCING_PAYMENT,
  /** Provider: Concent found nothing missing for this subtask. */
  PAYMENT_NOT_MISSING,
  /** Both: Concent paid this subtask from the requestor's deposit. */
  PAID_BY_CONCENT,
  /** Requestor: the result could not be downloaded; Concent was asked to get it (use case 2). */
  FORCING_RESULT,
  /** Provider: Concent asked for the result; it is being uploaded to Concent's storage. */
  UPLOADING_RESULT,
  /** Provider: the result is in Concent's storage. */
  RESULT_UPLOADED,
  /** Requestor: the result is in Concent's storage, to be downloaded from there. */
  RESULT_AT_CONCENT,
  /** Requestor: the provider did not upload; the subtask is rejected citing Concent's verdict. */
  RESULT_NOT_UPLOADED,
  /** Requestor: Concent relayed a provider's request and this node answered it. */
  ANSWERED,
  /** Concent refused the request ({@link ConcentStatus#detail} says why). */
  REFUSED,
  /**
   * Provider: the result was rejected as wrong (VERIFICATION_NEGATIVE); the dispute
   * (SubtaskResultsVerify, use case 5) is decided and being sent, again after a back-off while
   * Concent cannot be reached, until the dispute window closes.
   */
  DISPUTE_PENDING,
  /** Provider: the dispute was sent; Concent's admission (its upload order) is awaited. */
  DISPUTING,
  /**
   * Provider: a VERIFICATION_NEGATIVE rejection not disputed ({@link ConcentStatus#detail} says
   * why: the window closed, the own deposit cannot cover the fee).
   */
  NOT_DISPUTED,
  /** Provider: Concent admitted the dispute; the result and resources are being uploaded. */
  UPLOADING_FOR_VERIFICATION,
  /** Provider: the result and the resources are in Concent's storage; Concent re-computes. */
  RESULT_UPLOADED_FOR_VERIFICATION,
  /**
   * Both: Concent re-computed and found the provider right: the rejection is overturned, the price
   * paid from the requestor's deposit.
   */
  OVERTURNED,
  /** Both: Concent found the provider wrong: the rejection stands, the provider paid the fee. */
  REJECTION_UPHELD,
  /** Both: Concent could not judge for its own reasons: nobody pays, the rejection stands. */
  VERIFICATION_NEUTRAL
}
