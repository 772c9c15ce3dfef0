package org.jgolem.node.market;

import java.math.BigInteger;
import org.jgolem.eth.Address;

/**
 * Where a provider's accepted work goes to be watched for payment (the income keeper); idempotent
 * per subtask id.
 */
public interface IncomeRecorder {
  void incomeExpected(
      Address requestor, byte[] taskId, byte[] subtaskId, BigInteger amount, long acceptedAtMillis);
}
