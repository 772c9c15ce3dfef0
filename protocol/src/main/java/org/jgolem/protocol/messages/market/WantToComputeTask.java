package org.jgolem.protocol.messages.market;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.p2p.NodeRecord;

/**
 * A provider's offer for a task it saw in a {@link TaskHeader}: its price per hour (base units),
 * its performance score (benchmark operations per second), the cores and memory it offers, and the
 * endpoint the requestor can reach it at (whose node id is the provider).
 */
@JsonPropertyOrder({"taskId", "provider", "pricePerHour", "performance", "cpuCores", "memoryMib", "providerEndpoint"})
public record WantToComputeTask(
    byte[] taskId,
    Address provider,
    BigInteger pricePerHour,
    long performance,
    int cpuCores,
    long memoryMib,
    NodeRecord providerEndpoint)
    implements Payload {

  @Override
  public MessageType type() {
    return MessageType.WANT_TO_COMPUTE_TASK;
  }

  @Override
  public void validate() {
    Rules.bytes32("taskId", taskId);
    Rules.address("provider", provider);
    Rules.uint256("pricePerHour", pricePerHour);
    Rules.nonNegative("performance", performance);
    Rules.range("cpuCores", cpuCores, 1, ResourceLimits.MAX_CPU_CORES);
    Rules.range("memoryMib", memoryMib, 1, Long.MAX_VALUE);
    Rules.present("providerEndpoint", providerEndpoint);
    providerEndpoint.validate("providerEndpoint");
    if (!providerEndpoint.nodeId().equals(provider)) {
      throw InvalidMessageException.invalid("providerEndpoint.nodeId", "must be the provider");
    }
  }

  @Override
  public byte[] taskId() {
    return Rules.copy(taskId);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WantToComputeTask w && Arrays.equals(taskId, w.taskId) && Objects.equals(provider, w.provider)
        && Objects.equals(pricePerHour, w.pricePerHour) && performance == w.performance && cpuCores == w.cpuCores
        && memoryMib == w.memoryMib && Objects.equals(providerEndpoint, w.providerEndpoint);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(taskId) * 31 + Objects.hashCode(provider);
  }

  @Override
  public String toString() {
    return "WantToComputeTask[task 0x" + (taskId == null ? "null" : HexFormat.of().formatHex(taskId)) + " by " + provider
        + ", " + pricePerHour + "/h, perf " + performance + ", " + cpuCores + " cores, " + memoryMib + " MiB]";
  }
}
