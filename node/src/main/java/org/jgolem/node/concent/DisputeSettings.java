package org.jgolem.node.concent;

import java.math.BigInteger;
import java.util.Objects;
import java.util.function.Function;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.market.WireNote;
import org.jgolem.protocol.notes.PromissoryNote;

/**
 * How the provider disputes a rejection of its result as wrong (use case 5,
 * AdditionalVerification): whether it does ({@code concent.dispute}), the verification fee its note
 * promises ({@code concent.verificationFee}: Concent does not publish its fee yet), the deposit
 * contract (the note's payee, CONCENT.md §9), how its own key signs the note (in the GNTDeposit
 * domain), and where its own deposit is read (on chain), which must cover the fee.
 */
public record DisputeSettings(
    boolean on,
    BigInteger fee,
    Address depositContract,
    Function<PromissoryNote, WireNote> signer,
    Deposits deposits) {
  public DisputeSettings {
    Objects.requireNonNull(fee, "fee");
    if (on) {
      Objects.requireNonNull(depositContract, "depositContract");
      Objects.requireNonNull(signer, "signer");
      Objects.requireNonNull(deposits, "deposits");
      if (fee.signum() <= 0) {
        throw new IllegalArgumentException("the verification fee must be positive, got " + fee);
      }
    }
  }

  /** The provider never disputes. */
  public static DisputeSettings off() {
    return new DisputeSettings(false, BigInteger.ZERO, null, null, null);
  }
}
