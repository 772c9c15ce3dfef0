package org.jgolem.node.chain;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.jgolem.chain.Chain;
import org.jgolem.chain.ChainException;
import org.jgolem.chain.contracts.GntTokenGateway;
import org.jgolem.eth.Address;
import org.jgolem.node.payments.ChainView;
import org.jgolem.node.payments.PaymentException;
import org.web3j.crypto.Credentials;

/**
 * {@link ChainView} over contract-wrappers' {@link Chain} and {@link GntTokenGateway}. Chain
 * failures become {@link PaymentException}s with reason {@code CHAIN_UNAVAILABLE}.
 */
public class Web3ChainView implements ChainView {
  protected final Chain chain;
  protected final GntTokenGateway token;

  /**
   * {@code credentials}: the node's account (the gateway makes its calls from it; nothing is signed
   * here).
   */
  public Web3ChainView(Chain chain, Address tokenAddress, Credentials credentials) {
    this.chain = chain;
    this.token = new GntTokenGateway(chain, tokenAddress, credentials);
  }

  @Override
  public ChainIdentity identity() {
    return call(
        "chain identity", () -> new ChainIdentity(chain.remoteChainId(), chain.genesisHash()));
  }

  @Override
  public boolean tokenDeployed() {
    return call("token code", () -> chain.hasCode(token.address()));
  }

  @Override
  public long latestBlock() {
    return call("latest block", chain::blockNumber);
  }

  @Override
  public Optional<String> blockHash(long number) {
    return call("block hash", () -> chain.blockHash(number));
  }

  @Override
  public BigInteger tokenBalance(Address account) {
    return call("GNT balance", () -> token.balanceOf(account));
  }

  @Override
  public BigInteger etherBalance(Address account) {
    return call("ether balance", () -> chain.etherBalance(account));
  }

  @Override
  public List<IncomingTransfer> transfersTo(Address payee, long fromBlock, long toBlock) {
    return call(
        "GNT transfers",
        () ->
            token.incomingTransfers(payee, fromBlock, toBlock).stream()
                .map(t ->
                    new IncomingTransfer(
                        t.transactionHash(),
                        t.logIndex(),
                        t.blockNumber(),
                        t.blockHash(),
                        t.from(),
                        t.value(),
                        t.closureTime()))
                .toList());
  }

  /**
   * Runs a chain call; a {@link ChainException} becomes a {@link PaymentException}
   * (CHAIN_UNAVAILABLE).
   */
  protected static <T> T call(String what, Supplier<T> action) {
    try {
      return action.get();
    } catch (ChainException e) {
      throw new PaymentException(
          PaymentException.Reason.CHAIN_UNAVAILABLE, what + ": " + e.getMessage(), e);
    }
  }
}
