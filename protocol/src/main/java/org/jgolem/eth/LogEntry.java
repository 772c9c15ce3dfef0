package org.jgolem.eth;

import java.util.List;

/** One event log of a transaction: emitting contract, topics and data, as 0x hex. */
public record LogEntry(Address contract, List<String> topics, String data) {
  public LogEntry {
    topics = List.copyOf(topics);
  }
}
