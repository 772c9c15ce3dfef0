package org.jgolem.chain;

import java.util.List;
import org.jgolem.eth.Address;

/** An event log from {@code eth_getLogs}, with where it is: block, transaction and position. */
public record ChainLog(
    Address contract,
    List<String> topics,
    String data,
    long blockNumber,
    String blockHash,
    String transactionHash,
    long logIndex) {
  public ChainLog {
    topics = List.copyOf(topics);
  }
}
