package org.jgolem.node.payments;

import java.math.BigInteger;
import java.time.Instant;
import org.jgolem.eth.Address;

/**
 * One accepted subtask's payment as the ledger has it. {@code batchId}, {@code txHash} and {@code
 * blockNumber} are null until set; {@code heldReason} is set only when held back.
 */
public record PaymentRecord(
    String subtaskId,
    String taskId,
    Address payee,
    BigInteger amount,
    Instant acceptedAt,
    PaymentStatus status,
    Long batchId,
    String txHash,
    Long blockNumber,
    String heldReason) {}
