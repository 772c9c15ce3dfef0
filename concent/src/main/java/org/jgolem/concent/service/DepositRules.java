package org.jgolem.concent.service;

import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.concent.ServiceRefused.Reason;

/**
 * The deposit checks of the use cases that may end in a reimbursement (3 and 4): a deposit being
 * withdrawn is refused, and a claim is reserved in full or refused at the start, never promised in
 * part.
 */
final class DepositRules {
  private DepositRules() {}

  /** Refuses DEPOSIT_BEING_WITHDRAWN if {@code payer} has started a withdrawal. */
  static void requireNotWithdrawn(DepositBook.DepositStatus deposit, Address payer, byte[] sid) {
    if (deposit.beingWithdrawn()) {
      throw new RefusedException(
          Reason.DEPOSIT_BEING_WITHDRAWN,
          sid,
          "the deposit of requestor "
              + payer
              + " is being withdrawn (timelock "
              + deposit.timelock()
              + ")");
    }
  }

  /**
   * Reserves {@code claim} on the deposit; refuses DUPLICATE_REQUEST (with {@code duplicate} as the
   * detail) or DEPOSIT_TOO_SMALL naming the balance, what is reserved and what is needed.
   */
  static void reserve(
      ConcentTx tx, Claim claim, DepositBook.DepositStatus deposit, String duplicate) {
    switch (tx.claim(claim, deposit.balance())) {
      case ClaimResult.Reserved r -> {}
      case ClaimResult.Duplicate d ->
          throw new RefusedException(Reason.DUPLICATE_REQUEST, claim.subtaskId(), duplicate);
      case ClaimResult.Insufficient i ->
          throw new RefusedException(
              Reason.DEPOSIT_TOO_SMALL,
              claim.subtaskId(),
              "the deposit of "
                  + claim.payer()
                  + " holds "
                  + i.balance()
                  + ", open claims reserve "
                  + i.reservedBefore()
                  + ", and this case needs "
                  + i.needed());
    }
  }
}
