package org.jgolem.node.chain;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.jgolem.chain.Broadcast;
import org.jgolem.chain.Chain;
import org.jgolem.chain.ChainException;
import org.jgolem.chain.ContractRevertedException;
import org.jgolem.chain.LocalSigningTransactionManager;
import org.jgolem.chain.SignedTransaction;
import org.jgolem.chain.TxFees;
import org.jgolem.eth.Address;
import org.jgolem.eth.PackedPayment;
import org.jgolem.eth.TxResult;
import org.jgolem.node.payments.PaymentChain;
import org.jgolem.node.payments.PaymentException;
import org.web3j.crypto.Credentials;

/**
 * {@link PaymentChain} for one account, over contract-wrappers: estimates and signs {@code
 * batchTransfer} locally (EIP-1559, the nonce the processor gives), broadcasts raw bytes, and reads
 * receipts and nonces.
 */
public final class Web3PaymentChain extends Web3ChainView implements PaymentChain {
  private static final BigInteger FILLER_GAS = BigInteger.valueOf(21_000);

  private final LocalSigningTransactionManager signer;
  private final Address account;

  public Web3PaymentChain(Chain chain, Address tokenAddress, Credentials credentials) {
    super(chain, tokenAddress, credentials);
    this.signer = chain.signer(credentials);
    this.account = Address.of(credentials.getAddress());
  }

  @Override
  public Address account() {
    return account;
  }

  @Override
  public Address token() {
    return token.address();
  }

  @Override
  public long nonceAt(long number) {
    return call("nonce", () -> chain.transactionCount(account, number));
  }

  @Override
  public long pendingNonce() {
    return call("pending nonce", () -> chain.pendingTransactionCount(account));
  }

  @Override
  public Fees fees() {
    return call(
        "fees",
        () -> {
          TxFees f = signer.currentFees();
          return new Fees(f.baseFee(), f.maxPriorityFeePerGas(), f.maxFeePerGas());
        });
  }

  @Override
  public Estimate estimateBatch(List<PackedPayment> words, long closureTime) {
    try {
      var quote = token.quoteBatchTransfer(words, closureTime);
      return new Estimate.Ok(quote.estimate(), quote.gasLimit());
    } catch (ContractRevertedException e) {
      return new Estimate.Refused(e.errorName(), e.arguments(), e.getMessage());
    } catch (ChainException e) {
      if (e.reason() == ChainException.Reason.REJECTED
          || e.reason() == ChainException.Reason.REVERTED) {
        return new Estimate.Refused("NodeRejected", List.of(), e.getMessage());
      }
      throw new PaymentException(
          PaymentException.Reason.CHAIN_UNAVAILABLE, "estimate: " + e.getMessage(), e);
    }
  }

  @Override
  public SignedTx signBatch(
      List<PackedPayment> words, long closureTime, long nonce, BigInteger gasLimit, Fees fees) {
    return tx(token.signBatchTransfer(words, closureTime, nonce, gasLimit, txFees(fees)));
  }

  @Override
  public SignedTx signFiller(long nonce, Fees fees) {
    return tx(
        signer.sign(
            account.hex(), "0x", BigInteger.ZERO, FILLER_GAS, txFees(fees), nonce, List.of()));
  }

  @Override
  public BroadcastResult broadcast(String raw) {
    Broadcast b = call("broadcast", () -> signer.broadcast(raw));
    return new BroadcastResult(BroadcastResult.Status.valueOf(b.status().name()), b.message());
  }

  @Override
  public Optional<Receipt> receipt(String transactionHash) {
    return call(
        "receipt",
        () ->
            chain
                .receipt(transactionHash)
                .map(r ->
                    new Receipt(
                        r.hash(),
                        r.blockNumber(),
                        r.blockHash(),
                        r.success(),
                        r.gasUsed(),
                        r.success()
                            && token
                                .batchClosureTime(
                                    new TxResult(r.hash(), r.blockNumber(), r.gasUsed(), r.logs()))
                                .isPresent())));
  }

  private static TxFees txFees(Fees f) {
    return new TxFees(f.baseFee(), f.tip(), f.maxFee());
  }

  private static SignedTx tx(SignedTransaction s) {
    return new SignedTx(
        s.hash(), s.raw(), s.nonce(), s.gasLimit(), s.maxPriorityFeePerGas(), s.maxFeePerGas());
  }
}
