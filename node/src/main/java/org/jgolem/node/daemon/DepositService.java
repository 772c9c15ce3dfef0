package org.jgolem.node.daemon;

import java.math.BigInteger;
import java.util.List;
import java.util.function.Supplier;
import org.jgolem.node.api.ApiException;
import org.jgolem.node.api.NodeService.DepositSummary;
import org.jgolem.node.concent.DepositException;
import org.jgolem.node.concent.OwnDeposit;

/**
 * The Concent deposit routes of {@link DaemonService}: {@link OwnDeposit}'s commands, their
 * failures as API errors (the contract's refusals 409, a chain that does not answer 503).
 */
final class DepositService {
  private final OwnDeposit own;

  /** {@code own}: the node's deposit, null on a node without a chain. */
  DepositService(OwnDeposit own) {
    this.own = own;
  }

  private OwnDeposit own() throws ApiException {
    if (own == null) {
      throw ApiException.conflict(
          "this node has no chain configured, so no Concent deposit (set chain.deployment)");
    }
    return own;
  }

  DepositSummary status() throws ApiException {
    OwnDeposit o = own();
    return onChain(() -> summary(o.status(), ""));
  }

  DepositSummary add(String amountWei) throws ApiException {
    BigInteger wei;
    try {
      wei = new BigInteger(amountWei);
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(
          "the amount must be a whole number of wei, got '" + amountWei + "'", List.of());
    }
    if (wei.signum() <= 0) {
      throw ApiException.badRequest("the amount to deposit must be positive", List.of());
    }
    OwnDeposit o = own();
    return onChain(() -> done(o.deposit(wei)));
  }

  DepositSummary unlock() throws ApiException {
    OwnDeposit o = own();
    return onChain(() -> done(o.unlock()));
  }

  DepositSummary withdraw() throws ApiException {
    OwnDeposit o = own();
    return onChain(() -> done(o.withdraw()));
  }

  private static DepositSummary onChain(Supplier<DepositSummary> op) throws ApiException {
    try {
      return op.get();
    } catch (DepositException e) {
      throw e.unavailable()
          ? new ApiException(503, "chain_unavailable", e.getMessage(), List.of())
          : ApiException.conflict(e.getMessage());
    }
  }

  private static DepositSummary done(OwnDeposit.Done done) {
    return summary(done.status(), done.txHash());
  }

  private static DepositSummary summary(OwnDeposit.Status s, String txHash) {
    return new DepositSummary(
        s.owner().toString(),
        s.balance().toString(),
        s.state().name(),
        s.timelock(),
        s.chainTime(),
        s.withdrawalDelaySeconds(),
        s.reserved().map(BigInteger::toString).orElse(null),
        txHash);
  }
}
