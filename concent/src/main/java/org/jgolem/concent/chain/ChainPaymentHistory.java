package org.jgolem.concent.chain;

import java.math.BigInteger;
import org.jgolem.chain.Chain;
import org.jgolem.chain.contracts.GntToken;
import org.jgolem.chain.contracts.GntToken.IncomingTransfer;
import org.jgolem.concent.service.PaymentHistory;
import org.jgolem.eth.Address;

/**
 * {@link PaymentHistory} from the token's logs: the {@code Transfer}s to the provider made by the
 * requestor's {@code batchTransfer}s (they carry the batch's closure time), from the deployment
 * block to the latest one. A plain transfer is not counted: ForcePayment judges batch payments, as
 * Golem's did.
 */
public final class ChainPaymentHistory implements PaymentHistory {
  private final Chain chain;
  private final GntToken token;
  private final long fromBlock;

  public ChainPaymentHistory(Chain chain, GntToken token, long fromBlock) {
    this.chain = chain;
    this.token = token;
    this.fromBlock = fromBlock;
  }

  @Override
  public BigInteger batchPaidSince(Address requestor, Address provider, long sinceSeconds) {
    long latest = chain.blockNumber();
    BigInteger sum = BigInteger.ZERO;
    for (IncomingTransfer t : token.incomingTransfers(provider, fromBlock, latest)) {
      if (t.from().equals(requestor)
          && t.closureTime().isPresent()
          && t.closureTime().getAsLong() >= sinceSeconds) {
        sum = sum.add(t.value());
      }
    }
    return sum;
  }
}
