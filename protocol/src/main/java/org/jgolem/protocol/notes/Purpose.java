package org.jgolem.protocol.notes;

/** What a promissory note pays for; the same ordinals as {@code GNTDeposit.Purpose}. */
public enum Purpose {
  /**
   * Requestor to provider, for a subtask (ForceSubtaskResults, AdditionalVerification,
   * ForcePayment).
   */
  SUBTASK_PAYMENT,
  /** Provider to Concent's cold wallet, after losing an additional verification. */
  VERIFICATION_COST,
  /** A party to Concent's cold wallet, for using Concent about a subtask. */
  COMMUNICATION
}
