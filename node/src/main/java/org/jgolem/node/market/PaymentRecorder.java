package org.jgolem.node.market;

import java.math.BigInteger;
import org.jgolem.eth.Address;

/**
 * Where a requestor's accepted work goes to be paid (the payment processor); idempotent per subtask
 * id.
 */
public interface PaymentRecorder {
  void paymentDue(
      byte[] taskId, byte[] subtaskId, Address payee, BigInteger amount, long acceptedAtMillis);

  /**
   * Concent paid these subtasks (wire ids, hex) from the requestor's deposit: a payment of one
   * still waiting for its batch is never sent. (A recorder without Concent ignores it.)
   */
  default void settledByConcent(java.util.List<String> subtaskIds, String reason) {}
}
