package org.jgolem.protocol.messages.market;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import org.jgolem.protocol.messages.Eip712;

/**
 * What a subtask may use on the provider: cores, memory, wall-clock time and output size. As an
 * EIP-712 struct (inside {@link SubtaskDefinition}) it is {@link #TYPE}.
 */
@JsonPropertyOrder({"cpuCores", "memoryMib", "timeoutSeconds", "maxOutputBytes"})
public record ResourceLimits(
    int cpuCores, long memoryMib, long timeoutSeconds, long maxOutputBytes) {
  public static final String TYPE =
      "ResourceLimits(uint32 cpuCores,uint64 memoryMib,uint64 timeoutSeconds,uint64 maxOutputBytes)";
  private static final byte[] TYPE_HASH = Eip712.typeHash(TYPE);

  public static final int MAX_CPU_CORES = 4096;
  public static final long MAX_TIMEOUT_SECONDS = 7 * 24 * 3600;

  public byte[] structHash() {
    return Eip712.hashStruct(
        TYPE_HASH,
        Eip712.uint(cpuCores),
        Eip712.uint(memoryMib),
        Eip712.uint(timeoutSeconds),
        Eip712.uint(maxOutputBytes));
  }

  public void validate(String field) {
    Rules.range(field + ".cpuCores", cpuCores, 1, MAX_CPU_CORES);
    Rules.range(field + ".memoryMib", memoryMib, 1, Long.MAX_VALUE);
    Rules.range(field + ".timeoutSeconds", timeoutSeconds, 1, MAX_TIMEOUT_SECONDS);
    Rules.range(field + ".maxOutputBytes", maxOutputBytes, 1, Long.MAX_VALUE);
  }
}
