package org.jgolem.chain;

import java.util.Locale;

/**
 * What the node said to {@code eth_sendRawTransaction}. Only {@link Status#ACCEPTED} and {@link
 * Status#ALREADY_KNOWN} mean the transaction is in the node's pool; the others are answers, not
 * failures of the connection (those throw {@link ChainException} with reason UNAVAILABLE).
 */
public record Broadcast(Status status, String message) {
  public enum Status {
    /** Taken into the pool (or mined at once, on an automining dev chain). */
    ACCEPTED,
    /** The node already has this very transaction. */
    ALREADY_KNOWN,
    /**
     * The account's nonce has moved past this transaction's: some transaction with this nonce was
     * mined.
     */
    NONCE_TOO_LOW,
    /**
     * Its fees are too low: below the base fee, or too small a bump to replace the pool's
     * transaction with its nonce.
     */
    UNDERPRICED,
    /** Any other refusal (for example not enough ether for gas); see the message. */
    REJECTED
  }

  public boolean inPool() {
    return status == Status.ACCEPTED || status == Status.ALREADY_KNOWN;
  }

  /** Classifies a JSON-RPC error message of geth, Besu, Nethermind or anvil. */
  public static Broadcast fromError(String message) {
    String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
    Status s;
    if (m.contains("already known")
        || m.contains("already imported")
        || m.contains("known transaction")
        || m.contains("already in pool")
        || m.contains("alreadyknown")) {
      s = Status.ALREADY_KNOWN;
    } else if (m.contains("nonce too low")
        || m.contains("nonce is too low")
        || m.contains("oldnonce")
        || m.contains("nonce too small")) {
      s = Status.NONCE_TOO_LOW;
    } else if (m.contains("underpriced")
        || m.contains("fee cap less than block base fee")
        || m.contains("less than block base fee")
        || m.contains("max fee per gas less than")
        || m.contains("feetoolow")
        || m.contains("fee too low")) {
      s = Status.UNDERPRICED;
    } else {
      s = Status.REJECTED;
    }
    return new Broadcast(s, message);
  }
}
