package org.jgolem.chain.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jgolem.chain.Chain;
import org.jgolem.contracts.generated.GolemNetworkToken;
import org.jgolem.eth.Address;
import org.jgolem.eth.LogEntry;
import org.jgolem.eth.TxResult;
import org.web3j.abi.EventEncoder;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.tx.gas.ContractGasProvider;
import org.web3j.tx.gas.StaticEIP1559GasProvider;
import org.web3j.utils.Numeric;

/**
 * Helpers shared by the GNT contract tests: raw batch words, Approval events, unestimated sends.
 */
final class TokenTestSupport {
  static final BigInteger MAX_UINT256 = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);
  static final BigInteger MAX_WORD_VALUE = BigInteger.ONE.shiftLeft(96).subtract(BigInteger.ONE);
  static final String APPROVAL_TOPIC = EventEncoder.encode(GolemNetworkToken.APPROVAL_EVENT);
  static final String BATCH_TOPIC = EventEncoder.encode(GolemNetworkToken.BATCHTRANSFER_EVENT);

  record ApprovalEvent(Address owner, Address spender, BigInteger value) {}

  private TokenTestSupport() {}

  /**
   * The signing manager estimates gas and sets fees itself; this provider only selects EIP-1559.
   */
  static ContractGasProvider gas(Chain chain) {
    return new StaticEIP1559GasProvider(
        chain.chainId(), BigInteger.ONE, BigInteger.ONE, BigInteger.ONE);
  }

  /** The generated wrapper at {@code token}, sending as {@code as} through the project's signer. */
  static GolemNetworkToken wrapper(Chain chain, Address token, Credentials as) {
    return GolemNetworkToken.load(token.hex(), chain.web3j(), chain.signer(as), gas(chain));
  }

  /** A batchTransfer word built by hand: {@code (value << 160) | payee}, 32 bytes big-endian. */
  static byte[] word(BigInteger value, Address payee) {
    return Numeric.toBytesPadded(value.shiftLeft(160).or(payee.toBigInteger()), 32);
  }

  static byte[] word(long value, Address payee) {
    return word(BigInteger.valueOf(value), payee);
  }

  static List<ApprovalEvent> approvals(Address token, TxResult tx) {
    List<ApprovalEvent> out = new ArrayList<>();
    for (LogEntry log : tx.logs()) {
      if (log.contract().equals(token)
          && log.topics().size() == 3
          && APPROVAL_TOPIC.equals(log.topics().get(0))) {
        out.add(
            new ApprovalEvent(
                topicAddress(log.topics().get(1)),
                topicAddress(log.topics().get(2)),
                Numeric.toBigInt(log.data())));
      }
    }
    return out;
  }

  /** The indexed {@code from} of every BatchTransfer event of {@code tx}. */
  static List<Address> batchSenders(Address token, TxResult tx) {
    return tx.logs().stream()
        .filter(l ->
            l.contract().equals(token)
                && !l.topics().isEmpty()
                && BATCH_TOPIC.equals(l.topics().get(0)))
        .map(l -> topicAddress(l.topics().get(1)))
        .toList();
  }

  static Address topicAddress(String topic) {
    return Address.of(Numeric.toBigInt(topic));
  }

  /** Runs a read-only eth_call of {@code data} as {@code from} and returns the raw 0x result. */
  static String call(Chain chain, Address from, Address to, String data) {
    try {
      var r =
          chain
              .web3j()
              .ethCall(
                  Transaction.createEthCallTransaction(from.hex(), to.hex(), data),
                  DefaultBlockParameterName.LATEST)
              .send();
      assertThat(r.hasError())
          .as("eth_call error: %s", r.getError() == null ? "" : r.getError().getMessage())
          .isFalse();
      return r.getValue();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Signs and sends {@code data} to {@code to} with a fixed gas limit and no estimate, so that a
   * reverting call really lands on chain as a failed transaction. Returns the mined receipt.
   */
  static TransactionReceipt sendWithoutEstimate(
      Chain chain, Credentials from, Address to, String data) {
    var web3j = chain.web3j();
    try {
      BigInteger nonce =
          web3j
              .ethGetTransactionCount(from.getAddress(), DefaultBlockParameterName.PENDING)
              .send()
              .getTransactionCount();
      BigInteger base =
          web3j
              .ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false)
              .send()
              .getBlock()
              .getBaseFeePerGas();
      BigInteger tip = BigInteger.valueOf(1_000_000_000L);
      RawTransaction raw =
          RawTransaction.createTransaction(
              chain.chainId(),
              nonce,
              BigInteger.valueOf(2_000_000),
              to.hex(),
              BigInteger.ZERO,
              data,
              tip,
              base.shiftLeft(1).add(tip));
      EthSendTransaction sent =
          web3j
              .ethSendRawTransaction(Numeric.toHexString(TransactionEncoder.signMessage(raw, from)))
              .send();
      assertThat(sent.hasError())
          .as("node refused: %s", sent.getError() == null ? "" : sent.getError().getMessage())
          .isFalse();
      for (int i = 0; i < 200; i++) {
        Optional<TransactionReceipt> r =
            web3j
                .ethGetTransactionReceipt(sent.getTransactionHash())
                .send()
                .getTransactionReceipt();
        if (r.isPresent()) {
          return r.get();
        }
        Thread.sleep(10);
      }
      throw new AssertionError("no receipt for " + sent.getTransactionHash());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } finally {
      chain.resetNonces(); // the signer of `from` did not see this nonce being used
    }
  }
}
