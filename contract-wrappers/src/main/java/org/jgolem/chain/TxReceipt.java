package org.jgolem.chain;

import java.util.List;
import org.jgolem.eth.LogEntry;

/** A receipt as the chain reports it, successful or not, with the block it is in. */
public record TxReceipt(
    String hash,
    long blockNumber,
    String blockHash,
    boolean success,
    long gasUsed,
    String from,
    List<LogEntry> logs) {
  public TxReceipt {
    logs = List.copyOf(logs);
  }
}
