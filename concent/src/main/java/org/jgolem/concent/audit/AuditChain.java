package org.jgolem.concent.audit;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.jgolem.eth.Address;

/**
 * What {@code audit --rpc} reads from the chain, decoded: a port, so that the checks stay pure. The
 * adapter is {@code org.jgolem.concent.chain.Web3AuditChain}.
 */
public interface AuditChain {
  long chainId();

  /** The latest block's number. */
  long head();

  /** A mined transaction, with the reimbursement events the deposit contract emitted in it. */
  Optional<MinedTx> transaction(String hash);

  /** The deposit contract's record: is this subtask's payment note of {@code payer} used? */
  boolean isSettled(Address payer, byte[] subtaskId);

  /**
   * Every reimbursement event of the deposit contract from block {@code fromBlock} on that pays
   * {@code subtaskId} from {@code payer} (ReimburseForSubtask naming it, or ReimburseForNoPayment
   * listing it).
   */
  List<Paid> paymentsOf(Address payer, byte[] subtaskId, long fromBlock);

  record MinedTx(String hash, long blockNumber, boolean success, List<Paid> events) {}

  /**
   * One reimbursement event: {@code ReimburseForSubtask} (one subtask, closureTime 0) or {@code
   * ReimburseForNoPayment}.
   */
  record Paid(
      String event,
      Address requestor,
      Address provider,
      BigInteger amount,
      List<byte[]> subtaskIds,
      long closureTime,
      String transactionHash) {}
}
