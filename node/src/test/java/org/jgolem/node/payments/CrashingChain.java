package org.jgolem.node.payments;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.jgolem.eth.Address;
import org.jgolem.eth.PackedPayment;

/**
 * A {@link PaymentChain} that dies around a broadcast, as the node process would: before the bytes
 * leave, or right after the node took them. The processor using it is then dropped and a new one
 * opened on the same database, as after a restart.
 */
final class CrashingChain implements PaymentChain {
  enum When {
    BEFORE_BROADCAST,
    AFTER_BROADCAST
  }

  static final class Crash extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Crash(String m) {
      super(m);
    }
  }

  private final PaymentChain d;
  private final When when;

  CrashingChain(PaymentChain delegate, When when) {
    this.d = delegate;
    this.when = when;
  }

  @Override
  public BroadcastResult broadcast(String raw) {
    if (when == When.BEFORE_BROADCAST) {
      throw new Crash("process killed before broadcasting");
    }
    d.broadcast(raw);
    throw new Crash("process killed after broadcasting");
  }

  @Override
  public ChainIdentity identity() {
    return d.identity();
  }

  @Override
  public boolean tokenDeployed() {
    return d.tokenDeployed();
  }

  @Override
  public long latestBlock() {
    return d.latestBlock();
  }

  @Override
  public Optional<String> blockHash(long number) {
    return d.blockHash(number);
  }

  @Override
  public BigInteger tokenBalance(Address account) {
    return d.tokenBalance(account);
  }

  @Override
  public BigInteger etherBalance(Address account) {
    return d.etherBalance(account);
  }

  @Override
  public List<IncomingTransfer> transfersTo(Address payee, long fromBlock, long toBlock) {
    return d.transfersTo(payee, fromBlock, toBlock);
  }

  @Override
  public Address account() {
    return d.account();
  }

  @Override
  public Address token() {
    return d.token();
  }

  @Override
  public long nonceAt(long number) {
    return d.nonceAt(number);
  }

  @Override
  public long pendingNonce() {
    return d.pendingNonce();
  }

  @Override
  public Fees fees() {
    return d.fees();
  }

  @Override
  public Estimate estimateBatch(List<PackedPayment> words, long closureTime) {
    return d.estimateBatch(words, closureTime);
  }

  @Override
  public SignedTx signBatch(
      List<PackedPayment> words, long closureTime, long nonce, BigInteger gasLimit, Fees fees) {
    return d.signBatch(words, closureTime, nonce, gasLimit, fees);
  }

  @Override
  public SignedTx signFiller(long nonce, Fees fees) {
    return d.signFiller(nonce, fees);
  }

  @Override
  public Optional<Receipt> receipt(String transactionHash) {
    return d.receipt(transactionHash);
  }
}
