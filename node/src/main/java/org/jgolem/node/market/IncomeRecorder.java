package org.jgolem.node.market;

import java.math.BigInteger;
import java.util.List;
import org.jgolem.eth.Address;

/**
 * Where a provider's accepted work goes to be watched for payment (the income keeper); idempotent
 * per subtask id.
 */
public interface IncomeRecorder {
  void incomeExpected(
      Address requestor, byte[] taskId, byte[] subtaskId, BigInteger amount, long acceptedAtMillis);

  /**
   * Concent paid {@code amount} for {@code subtaskIds} from a requestor's deposit, in transaction
   * {@code txHash} sent by the deposit contract {@code payer}: those incomes are the deposit's now
   * (the income keeper: {@code IncomeKeeper#paidByConcent}). Nothing by default (no incomes
   * watched).
   */
  default void paidByConcent(
      String txHash, Address payer, List<String> subtaskIds, BigInteger amount) {}
}
