package org.jgolem.protocol.messages.market;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;
import org.jgolem.eth.Address;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.identity.Signature;
import org.jgolem.protocol.messages.Eip712;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.MessageHasher;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.RequestorSigned;
import org.jgolem.protocol.messages.p2p.NodeRecord;

/**
 * A task announced to the network, signed by its requestor (EIP-712, independent of the envelope)
 * and gossiped hop by hop until its {@code deadline}. {@code id()} (the struct hash) de-duplicates
 * it.
 *
 * <p>{@code concentEnabled} (Golem's {@code concent_enabled}) says the requestor backs the task
 * with a Concent deposit: a provider may turn to Concent over its subtasks, and checks that deposit
 * before it offers.
 */
@JsonPropertyOrder({
  "taskId",
  "requestor",
  "requestorEndpoint",
  "environment",
  "image",
  "maxPricePerHour",
  "subtaskCount",
  "subtaskTimeoutSeconds",
  "deadline",
  "minMemoryMib",
  "minCpuCores",
  "concentEnabled",
  "signature"
})
public record TaskHeader(
    byte[] taskId,
    Address requestor,
    NodeRecord requestorEndpoint,
    String environment,
    String image,
    BigInteger maxPricePerHour,
    int subtaskCount,
    long subtaskTimeoutSeconds,
    long deadline,
    long minMemoryMib,
    int minCpuCores,
    boolean concentEnabled,
    byte[] signature)
    implements RequestorSigned {

  public static final String TYPE =
      "TaskHeader(bytes32 taskId,address requestor,address requestorNode,string requestorHost,uint16 requestorPort,"
          + "string environment,string image,uint256 maxPricePerHour,uint32 subtaskCount,uint64 subtaskTimeoutSeconds,"
          + "uint64 deadline,uint64 minMemoryMib,uint32 minCpuCores,bool concentEnabled)";
  private static final byte[] TYPE_HASH = Eip712.typeHash(TYPE);

  /** Builds and signs a header with the requestor's key. */
  public static TaskHeader signed(
      byte[] taskId,
      NodeKey requestorKey,
      NodeRecord endpoint,
      String environment,
      String image,
      BigInteger maxPricePerHour,
      int subtaskCount,
      long subtaskTimeoutSeconds,
      long deadline,
      long minMemoryMib,
      int minCpuCores,
      boolean concentEnabled,
      MessageHasher hasher) {
    TaskHeader unsigned =
        new TaskHeader(
            taskId,
            requestorKey.address(),
            endpoint,
            environment,
            image,
            maxPricePerHour,
            subtaskCount,
            subtaskTimeoutSeconds,
            deadline,
            minMemoryMib,
            minCpuCores,
            concentEnabled,
            new byte[Signature.LENGTH]);
    Signature sig = RequestorSigned.sign(unsigned, hasher, requestorKey);
    return new TaskHeader(
        taskId,
        requestorKey.address(),
        endpoint,
        environment,
        image,
        maxPricePerHour,
        subtaskCount,
        subtaskTimeoutSeconds,
        deadline,
        minMemoryMib,
        minCpuCores,
        concentEnabled,
        sig.toBytes());
  }

  @Override
  public MessageType type() {
    return MessageType.TASK_HEADER;
  }

  @Override
  public Address author() {
    return requestor;
  }

  @Override
  public Signature authorSignature() {
    return Signature.fromBytes(signature);
  }

  /** The header's identity: its EIP-712 struct hash. */
  @JsonIgnore
  public String id() {
    return HexFormat.of().formatHex(structHash());
  }

  @Override
  public byte[] structHash() {
    return Eip712.hashStruct(
        TYPE_HASH,
        Eip712.fixedBytes(taskId),
        Eip712.address(requestor),
        Eip712.address(requestorEndpoint.nodeId()),
        Eip712.string(requestorEndpoint.host()),
        Eip712.uint(requestorEndpoint.port()),
        Eip712.string(environment),
        Eip712.string(image),
        Eip712.uint(maxPricePerHour),
        Eip712.uint(subtaskCount),
        Eip712.uint(subtaskTimeoutSeconds),
        Eip712.uint(deadline),
        Eip712.uint(minMemoryMib),
        Eip712.uint(minCpuCores),
        Eip712.bool(concentEnabled));
  }

  @Override
  public void validate() {
    if (taskId == null || taskId.length != 32) {
      throw InvalidMessageException.invalid("taskId", "must have 32 bytes");
    }
    if (requestor == null) {
      throw InvalidMessageException.invalid("requestor", "is missing");
    }
    if (requestorEndpoint == null) {
      throw InvalidMessageException.invalid("requestorEndpoint", "is missing");
    }
    requestorEndpoint.validate("requestorEndpoint");
    if (!requestorEndpoint.nodeId().equals(requestor)) {
      throw InvalidMessageException.invalid("requestorEndpoint.nodeId", "must be the requestor");
    }
    if (environment == null || !(environment.equals("wasm") || environment.equals("docker"))) {
      throw InvalidMessageException.invalid("environment", "must be \"wasm\" or \"docker\"");
    }
    if (image == null || image.isEmpty() || image.length() > 256) {
      throw InvalidMessageException.invalid("image", "must have 1..256 characters");
    }
    if (maxPricePerHour == null
        || maxPricePerHour.signum() < 0
        || maxPricePerHour.bitLength() > 256) {
      throw InvalidMessageException.invalid("maxPricePerHour", "must be a non-negative uint256");
    }
    if (subtaskCount < 1 || subtaskCount > 100_000) {
      throw InvalidMessageException.invalid("subtaskCount", "must be in 1..100000");
    }
    if (subtaskTimeoutSeconds < 1 || subtaskTimeoutSeconds > 7 * 24 * 3600) {
      throw InvalidMessageException.invalid("subtaskTimeoutSeconds", "must be in 1 s .. 7 days");
    }
    if (deadline <= 0) {
      throw InvalidMessageException.invalid("deadline", "must be a positive time in ms");
    }
    if (minMemoryMib < 0 || minCpuCores < 0) {
      throw InvalidMessageException.invalid("minMemoryMib/minCpuCores", "must not be negative");
    }
    if (signature == null || signature.length != Signature.LENGTH) {
      throw InvalidMessageException.invalid("signature", "must have 65 bytes");
    }
  }

  @Override
  public byte[] taskId() {
    return taskId == null ? null : taskId.clone();
  }

  @Override
  public byte[] signature() {
    return signature == null ? null : signature.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TaskHeader h
        && Arrays.equals(structHash(), h.structHash())
        && Arrays.equals(signature, h.signature);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(structHash());
  }

  @Override
  public String toString() {
    return "TaskHeader[task 0x"
        + HexFormat.of().formatHex(taskId)
        + " by "
        + requestor
        + ", "
        + environment
        + ", deadline "
        + deadline
        + (concentEnabled ? ", Concent on" : "")
        + "]";
  }
}
