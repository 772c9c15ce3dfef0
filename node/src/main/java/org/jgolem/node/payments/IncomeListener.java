package org.jgolem.node.payments;

import java.math.BigInteger;
import org.jgolem.eth.Address;

/**
 * Told by the {@link IncomeKeeper} when a requestor has not paid in time, once per income, so that
 * the node can lower that requestor's reputation. Called on the keeper's tick thread; should return
 * quickly and not throw.
 */
@FunctionalInterface
public interface IncomeListener {
  /**
   * The income for {@code subtaskId} from {@code requestor}, {@code amount} base units, is overdue.
   */
  void overdue(Address requestor, String subtaskId, BigInteger amount);

  IncomeListener NONE = (requestor, subtaskId, amount) -> {};
}
