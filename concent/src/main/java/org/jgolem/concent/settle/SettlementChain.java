package org.jgolem.concent.settle;

import java.util.List;
import java.util.Optional;
import org.jgolem.concent.service.Settlement;

/**
 * What the settler needs from the chain, as Concent's account: sign reimbursements apart from
 * sending them, broadcast raw bytes, read receipts and nonces. A port; the adapter is {@code
 * org.jgolem.concent.chain.Web3SettlementChain}.
 */
public interface SettlementChain {
  /** The account's next nonce, counting transactions in the node's pool. */
  long pendingNonce();

  /**
   * Signs one transaction paying these FORCED_ACCEPTANCE settlements (one note each), with {@code
   * nonce}; the gas is estimated first.
   *
   * @throws ItemRefusedException if the estimate shows the contract would refuse item {@code index}
   *     (e.g. the deposit no longer covers it, or it is already settled)
   */
  SignedSettlement signForcedAcceptance(List<Settlement> batch, long nonce);

  /**
   * Signs one AdditionalVerification settlement with {@code nonce}: {@code reimburseForSubtask}
   * (ADDITIONAL_VERIFICATION, the price to the provider) or {@code reimburseForVerificationCosts}
   * (VERIFICATION_COST, a fee to the cold wallet).
   */
  SignedSettlement signVerification(Settlement settlement, long nonce);

  /** Signs one ForcePayment reimbursement ({@code reimburseForNoPayment}) with {@code nonce}. */
  SignedSettlement signForcedPayment(Settlement settlement, long nonce);

  /** Sends raw bytes, and says what the node made of them. */
  Sent broadcast(String raw);

  enum Sent {
    /** The node holds it (accepted, already known, or mined at once). */
    IN_POOL,
    /** Its nonce is used: it, or another transaction with that nonce, was mined. */
    NONCE_USED,
    /** Refused for another reason (fees, funds); try again later. */
    REFUSED
  }

  /** The receipt of a mined transaction, if it is mined. */
  Optional<Receipt> receipt(String transactionHash);

  record SignedSettlement(String hash, String raw, long nonce) {}

  record Receipt(boolean success, long gasUsed, long blockNumber) {}

  /**
   * The contract would refuse item {@code index} of a batch, for {@code reason}; {@code
   * alreadySettled} if because its note was used already (the contract's own record).
   */
  final class ItemRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int index;
    private final boolean alreadySettled;

    public ItemRefusedException(int index, String reason, boolean alreadySettled) {
      super("item " + index + ": " + reason);
      this.index = index;
      this.alreadySettled = alreadySettled;
    }

    public int index() {
      return index;
    }

    public boolean alreadySettled() {
      return alreadySettled;
    }
  }
}
