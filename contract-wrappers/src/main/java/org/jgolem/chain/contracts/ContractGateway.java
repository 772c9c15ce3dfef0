package org.jgolem.chain.contracts;

import java.math.BigInteger;
import java.util.List;
import org.jgolem.chain.Chain;
import org.jgolem.chain.LocalSigningTransactionManager;
import org.jgolem.chain.Rpc;
import org.jgolem.chain.SignedTransaction;
import org.jgolem.chain.TxFees;
import org.jgolem.eth.Address;
import org.jgolem.eth.LogEntry;
import org.jgolem.eth.TxResult;
import org.web3j.crypto.AccessListObject;
import org.web3j.protocol.core.RemoteFunctionCall;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.tx.gas.ContractEIP1559GasProvider;

/**
 * Shared plumbing of the gateways: the only place that runs web3j's {@code RemoteFunctionCall}s.
 * Each gateway acts for one account (its signer); views need no signature.
 */
abstract class ContractGateway {
  /**
   * Placeholders for web3j's wrappers: {@link LocalSigningTransactionManager} estimates gas and
   * sets fees itself, and ignores these. Being an EIP-1559 provider makes the wrappers take that
   * path.
   */
  static final ContractEIP1559GasProvider IGNORED_GAS =
      new ContractEIP1559GasProvider() {
        @Override
        public long getChainId() {
          return 0;
        }

        @Override
        public BigInteger getMaxFeePerGas() {
          return BigInteger.ZERO;
        }

        @Override
        public BigInteger getMaxPriorityFeePerGas() {
          return BigInteger.ZERO;
        }

        @Override
        public BigInteger getGasPrice() {
          return BigInteger.ZERO;
        }

        @Override
        public BigInteger getGasLimit() {
          return BigInteger.ZERO;
        }

        @Override
        public BigInteger getGasLimit(
            org.web3j.protocol.core.methods.request.Transaction transaction) {
          return BigInteger.ZERO;
        }
      };

  protected final Chain chain;
  protected final LocalSigningTransactionManager signer;
  protected final Address address;

  ContractGateway(Chain chain, LocalSigningTransactionManager signer, Address address) {
    this.chain = chain;
    this.signer = signer;
    this.address = address;
  }

  public Address address() {
    return address;
  }

  /** The account this gateway sends transactions from. */
  public Address sender() {
    return Address.of(signer.getFromAddress());
  }

  protected <T> T view(String what, RemoteFunctionCall<T> call) {
    return Rpc.call(what, call::send);
  }

  protected TxResult tx(String what, RemoteFunctionCall<TransactionReceipt> call) {
    return result(Rpc.call(what, call::send));
  }

  protected TxResult tx(
      String what, RemoteFunctionCall<TransactionReceipt> call, List<AccessListObject> accessList) {
    return result(
        signer.execute(address.hex(), call.encodeFunctionCall(), BigInteger.ZERO, accessList));
  }

  /** {@code eth_estimateGas} for {@code call} and the gas limit to sign it with. */
  protected GntToken.GasQuote quote(RemoteFunctionCall<TransactionReceipt> call) {
    BigInteger estimate =
        signer.estimateGas(address.hex(), call.encodeFunctionCall(), BigInteger.ZERO);
    return new GntToken.GasQuote(
        estimate, LocalSigningTransactionManager.gasLimitFor(estimate, List.of()));
  }

  /** Signs {@code call} with an explicit nonce, gas limit and fees; sends nothing. */
  protected SignedTransaction sign(
      RemoteFunctionCall<TransactionReceipt> call, long nonce, BigInteger gasLimit, TxFees fees) {
    return signer.sign(
        address.hex(),
        call.encodeFunctionCall(),
        BigInteger.ZERO,
        gasLimit,
        fees,
        nonce,
        List.of());
  }

  static TxResult result(TransactionReceipt r) {
    List<LogEntry> logs =
        r.getLogs().stream()
            .map(l -> new LogEntry(Address.of(l.getAddress()), l.getTopics(), l.getData()))
            .toList();
    return new TxResult(
        r.getTransactionHash(),
        r.getBlockNumber().longValueExact(),
        r.getGasUsed().longValueExact(),
        logs);
  }
}
