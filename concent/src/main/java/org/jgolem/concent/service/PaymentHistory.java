package org.jgolem.concent.service;

import java.math.BigInteger;
import org.jgolem.eth.Address;

/** Reads the requestor's batch payments from the chain (GNT batchTransfer): a port. */
public interface PaymentHistory {
  /**
   * The sum that {@code requestor} paid {@code provider} through batch transfers whose closure time
   * is at least {@code sinceSeconds}, in blocks up to the latest one.
   */
  BigInteger batchPaidSince(Address requestor, Address provider, long sinceSeconds);
}
