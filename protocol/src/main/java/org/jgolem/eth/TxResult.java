package org.jgolem.eth;

import java.util.List;

/** A mined, successful transaction. */
public record TxResult(String hash, long blockNumber, long gasUsed, List<LogEntry> logs) {
  public TxResult {
    logs = List.copyOf(logs);
  }
}
