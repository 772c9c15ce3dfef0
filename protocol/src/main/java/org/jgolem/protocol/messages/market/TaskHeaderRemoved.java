package org.jgolem.protocol.messages.market;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
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

/** The requestor withdraws a task header; signed by the requestor and gossiped like the header. */
@JsonPropertyOrder({"taskId", "requestor", "removedAt", "signature"})
public record TaskHeaderRemoved(byte[] taskId, Address requestor, long removedAt, byte[] signature)
    implements RequestorSigned {
  public static final String TYPE =
      "TaskHeaderRemoved(bytes32 taskId,address requestor,uint64 removedAt)";
  private static final byte[] TYPE_HASH = Eip712.typeHash(TYPE);

  public static TaskHeaderRemoved signed(
      byte[] taskId, NodeKey requestorKey, long removedAt, MessageHasher hasher) {
    TaskHeaderRemoved unsigned =
        new TaskHeaderRemoved(
            taskId, requestorKey.address(), removedAt, new byte[Signature.LENGTH]);
    return new TaskHeaderRemoved(
        taskId,
        requestorKey.address(),
        removedAt,
        RequestorSigned.sign(unsigned, hasher, requestorKey).toBytes());
  }

  @Override
  public MessageType type() {
    return MessageType.TASK_HEADER_REMOVED;
  }

  @Override
  public Address author() {
    return requestor;
  }

  @Override
  public Signature authorSignature() {
    return Signature.fromBytes(signature);
  }

  @Override
  public byte[] structHash() {
    return Eip712.hashStruct(
        TYPE_HASH, Eip712.fixedBytes(taskId), Eip712.address(requestor), Eip712.uint(removedAt));
  }

  @Override
  public void validate() {
    if (taskId == null || taskId.length != 32) {
      throw InvalidMessageException.invalid("taskId", "must have 32 bytes");
    }
    if (requestor == null) {
      throw InvalidMessageException.invalid("requestor", "is missing");
    }
    if (removedAt <= 0) {
      throw InvalidMessageException.invalid("removedAt", "must be a positive time in ms");
    }
    if (signature == null || signature.length != Signature.LENGTH) {
      throw InvalidMessageException.invalid("signature", "must have 65 bytes");
    }
  }

  @Override
  public byte[] taskId() {
    return taskId.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TaskHeaderRemoved r
        && Arrays.equals(taskId, r.taskId)
        && requestor.equals(r.requestor)
        && removedAt == r.removedAt
        && Arrays.equals(signature, r.signature);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(taskId);
  }

  @Override
  public String toString() {
    return "TaskHeaderRemoved[task 0x"
        + HexFormat.of().formatHex(taskId)
        + " by "
        + requestor
        + "]";
  }
}
