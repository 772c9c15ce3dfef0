package org.jgolem.protocol.messages.market;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.p2p.NodeRecord;

/**
 * A provider's offer for a task it saw in a {@link TaskHeader}: its price per hour (base units),
 * its performance score (benchmark operations per second), the cores and memory it offers, and the
 * endpoint the requestor can reach it at (whose node id is the provider), and the environments it
 * can run subtasks in: {@code "wasm"}, and {@code "docker:sha256:<image id>"} for each whitelisted
 * image it has.
 */
@JsonPropertyOrder({
  "taskId",
  "provider",
  "pricePerHour",
  "performance",
  "cpuCores",
  "memoryMib",
  "providerEndpoint",
  "environments"
})
public record WantToComputeTask(
    byte[] taskId,
    Address provider,
    BigInteger pricePerHour,
    long performance,
    int cpuCores,
    long memoryMib,
    NodeRecord providerEndpoint,
    List<String> environments)
    implements Payload {

  public static final int MAX_ENVIRONMENTS = 32;
  private static final Pattern ENVIRONMENT =
      Pattern.compile("wasm|host|docker:sha256:[0-9a-f]{64}");

  public WantToComputeTask {
    environments = environments == null ? null : List.copyOf(environments);
  }

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
    Rules.strings("environments", environments, MAX_ENVIRONMENTS, 1, 80);
    for (int i = 0; i < environments.size(); i++) {
      if (!ENVIRONMENT.matcher(environments.get(i)).matches()) {
        throw InvalidMessageException.invalid(
            "environments[" + i + "]", "must be wasm, host or docker:sha256:<64 hex>");
      }
    }
  }

  @Override
  public byte[] taskId() {
    return Rules.copy(taskId);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WantToComputeTask w
        && Arrays.equals(taskId, w.taskId)
        && Objects.equals(provider, w.provider)
        && Objects.equals(pricePerHour, w.pricePerHour)
        && performance == w.performance
        && cpuCores == w.cpuCores
        && memoryMib == w.memoryMib
        && Objects.equals(providerEndpoint, w.providerEndpoint)
        && Objects.equals(environments, w.environments);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(taskId) * 31 + Objects.hashCode(provider);
  }

  @Override
  public String toString() {
    return "WantToComputeTask[task 0x"
        + (taskId == null ? "null" : HexFormat.of().formatHex(taskId))
        + " by "
        + provider
        + ", "
        + pricePerHour
        + "/h, perf "
        + performance
        + ", "
        + cpuCores
        + " cores, "
        + memoryMib
        + " MiB, "
        + environments
        + "]";
  }
}
