package org.jgolem.protocol.messages.concent;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.math.BigInteger;
import java.util.List;
import java.util.Objects;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.market.Rules;

/**
 * Concent tells both parties that it paid {@code amount} from {@code payer}'s deposit to {@code
 * payee} for {@code subtaskIds}, in the mined transaction {@code transactionHash}: anyone can check
 * it on chain.
 */
@JsonPropertyOrder({"useCase", "payer", "payee", "subtaskIds", "amount", "transactionHash"})
public record SettlementMade(
    UseCase useCase,
    Address payer,
    Address payee,
    List<byte[]> subtaskIds,
    BigInteger amount,
    String transactionHash)
    implements Payload {

  /** The names are the wire form: append only, never rename or remove. */
  public enum UseCase {
    FORCED_ACCEPTANCE,
    FORCED_PAYMENT,
    /** Use case 5 won by the provider: the price, from the requestor's deposit to the provider. */
    ADDITIONAL_VERIFICATION,
    /** Use case 5: a verification fee, from the losing party's deposit to the cold wallet. */
    VERIFICATION_COST
  }

  @Override
  public MessageType type() {
    return MessageType.SETTLEMENT_MADE;
  }

  @Override
  public void validate() {
    Rules.present("useCase", useCase);
    Rules.address("payer", payer);
    Rules.address("payee", payee);
    if (subtaskIds == null || subtaskIds.isEmpty() || subtaskIds.size() > Frames.MAX_ITEMS) {
      throw InvalidMessageException.invalid("subtaskIds", "must hold 1.." + Frames.MAX_ITEMS);
    }
    for (int i = 0; i < subtaskIds.size(); i++) {
      Rules.id("subtaskIds[" + i + "]", subtaskIds.get(i));
    }
    Rules.uint256("amount", amount);
    if (transactionHash == null || !transactionHash.matches("0x[0-9a-f]{64}")) {
      throw InvalidMessageException.invalid("transactionHash", "must be 0x and 64 hex digits");
    }
  }

  @Override
  public List<byte[]> subtaskIds() {
    return Frames.copy(subtaskIds);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SettlementMade s
        && useCase == s.useCase
        && Objects.equals(payer, s.payer)
        && Objects.equals(payee, s.payee)
        && Frames.equal(subtaskIds, s.subtaskIds)
        && Objects.equals(amount, s.amount)
        && Objects.equals(transactionHash, s.transactionHash);
  }

  @Override
  public int hashCode() {
    return Objects.hash(useCase, transactionHash);
  }

  @Override
  public String toString() {
    return "SettlementMade["
        + useCase
        + ", "
        + payer
        + " -> "
        + payee
        + ", "
        + amount
        + ", tx "
        + transactionHash
        + "]";
  }
}
