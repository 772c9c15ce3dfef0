package org.jgolem.node.payments;

import java.math.BigInteger;
import java.time.Instant;
import org.jgolem.eth.Address;

/**
 * One income the provider expects or has received. {@code txHash} and {@code blockNumber} are null
 * until received, except that an income Concent's settlement named keeps that transaction's hash
 * while it is still EXPECTED (see {@link IncomeKeeper#paidByConcent}); {@code overdueReported} says
 * the listener was told it was late.
 */
public record IncomeRecord(
    String subtaskId,
    String taskId,
    Address requestor,
    BigInteger amount,
    Instant acceptedAt,
    IncomeStatus status,
    String txHash,
    Long blockNumber,
    boolean overdueReported) {}
