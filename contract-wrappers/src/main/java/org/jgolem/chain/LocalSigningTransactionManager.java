package org.jgolem.chain;

import java.io.IOException;
import java.math.BigInteger;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.AccessListObject;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthEstimateGas;
import org.web3j.protocol.core.methods.response.EthGetCode;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.tx.TransactionManager;
import org.web3j.utils.Numeric;

/**
 * Signs every transaction locally as an EIP-1559 transaction: no unlocked accounts, only standard
 * JSON-RPC, so anvil, Besu and public networks all work the same.
 *
 * <ul>
 *   <li>Each transaction is estimated first. A revert is thus decoded into a typed {@link
 *       ContractRevertedException} before anything is sent or any nonce is used.
 *   <li>Nonces are tracked locally (one signer per account per process) and resynchronised from the
 *       chain when the node says they are off.
 *   <li>Fees: max priority fee from the node, max fee = 2 × base fee + priority fee.
 *   <li>The gas and fee values web3j's wrappers pass in are ignored; this class sets both.
 * </ul>
 */
public final class LocalSigningTransactionManager extends TransactionManager {
  private static final Logger LOG = LoggerFactory.getLogger(LocalSigningTransactionManager.class);
  private static final BigInteger FALLBACK_TIP = BigInteger.valueOf(1_000_000_000L);
  private static final long ACCESS_LIST_ADDRESS_GAS = 2400;
  private static final long ACCESS_LIST_KEY_GAS = 1900;

  private final Web3j web3j;
  private final Credentials credentials;
  private final long chainId;
  private final RevertDecoder decoder;
  private final Object nonceLock = new Object();
  private BigInteger nextNonce; // guarded by nonceLock; null = read from chain

  LocalSigningTransactionManager(
      Web3j web3j,
      Credentials credentials,
      long chainId,
      RevertDecoder decoder,
      FastReceiptProcessor receipts) {
    super(receipts, credentials.getAddress());
    this.web3j = web3j;
    this.credentials = credentials;
    this.chainId = chainId;
    this.decoder = decoder;
  }

  /**
   * Forgets the local nonce; the next transaction reads it from the chain (after a chain reset).
   */
  public void resetNonce() {
    synchronized (nonceLock) {
      nextNonce = null;
    }
  }

  public Credentials credentials() {
    return credentials;
  }

  @Override
  public EthSendTransaction sendTransaction(
      BigInteger gasPrice,
      BigInteger gasLimit,
      String to,
      String data,
      BigInteger value,
      boolean constructor)
      throws IOException {
    return send(to, data, value, List.of());
  }

  @Override
  public EthSendTransaction sendEIP1559Transaction(
      long chainId,
      BigInteger maxPriorityFeePerGas,
      BigInteger maxFeePerGas,
      BigInteger gasLimit,
      String to,
      String data,
      BigInteger value,
      boolean constructor)
      throws IOException {
    return send(to, data, value, List.of());
  }

  /** Sends and waits for a successful receipt. */
  public TransactionReceipt execute(
      String to, String data, BigInteger value, List<AccessListObject> accessList) {
    try {
      return processResponse(send(to, data, value, accessList));
    } catch (IOException e) {
      throw new ChainException(
          ChainException.Reason.UNAVAILABLE, "sending to " + to + ": " + e.getMessage(), e);
    } catch (org.web3j.protocol.exceptions.TransactionException e) {
      throw new ChainException(ChainException.Reason.TIMEOUT, e.getMessage(), e);
    }
  }

  /** Estimates, signs and sends; returns once the node has accepted the transaction. */
  public EthSendTransaction send(
      String to, String data, BigInteger value, List<AccessListObject> accessList)
      throws IOException {
    String target = to == null || to.isEmpty() ? null : to;
    BigInteger gasLimit = gasLimit(estimate(target, data, value), accessList);
    TxFees fees = fees();
    for (int attempt = 0; ; attempt++) {
      synchronized (nonceLock) {
        if (nextNonce == null) {
          nextNonce =
              web3j
                  .ethGetTransactionCount(getFromAddress(), DefaultBlockParameterName.PENDING)
                  .send()
                  .getTransactionCount();
        }
        String signed = signRaw(target, data, value, gasLimit, fees, nextNonce, accessList);
        EthSendTransaction response = web3j.ethSendRawTransaction(signed).send();
        if (!response.hasError()) {
          nextNonce = nextNonce.add(BigInteger.ONE);
          return response;
        }
        String message = response.getError().getMessage();
        nextNonce = null; // whatever happened, trust the chain's count next time
        if (attempt == 0 && isNonceProblem(message)) {
          LOG.info("nonce out of step for {} ({}); resynchronising", getFromAddress(), message);
          continue;
        }
        throw new ChainException(
            ChainException.Reason.REJECTED, "transaction rejected by the node: " + message);
      }
    }
  }

  // ------------------------------------------------------------ signing apart from sending

  /**
   * {@code eth_estimateGas} for a call from this account. A revert is decoded into a {@link
   * ContractRevertedException}; nothing is signed or sent.
   */
  public BigInteger estimateGas(String to, String data, BigInteger value) {
    return Rpc.call(
        "eth_estimateGas", () -> estimate(to == null || to.isEmpty() ? null : to, data, value));
  }

  /**
   * The gas limit this manager would use for an estimate: 25% headroom plus the access list's
   * intrinsic cost.
   */
  public static BigInteger gasLimitFor(BigInteger estimate, List<AccessListObject> accessList) {
    return gasLimit(estimate, accessList);
  }

  /** Current fees: the node's suggested tip and max fee = 2 x base fee + tip. */
  public TxFees currentFees() {
    return Rpc.call("fees", this::fees);
  }

  /**
   * Signs a transaction with an explicit nonce, gas limit and fees, and sends nothing. The local
   * nonce counter of {@link #send} is not touched: a caller that picks nonces itself (the payment
   * processor) owns them, and {@link #send} re-reads the chain's count if it collides.
   */
  public SignedTransaction sign(
      String to,
      String data,
      BigInteger value,
      BigInteger gasLimit,
      TxFees fees,
      long nonce,
      List<AccessListObject> accessList) {
    String target = to == null || to.isEmpty() ? null : to;
    String raw =
        signRaw(target, data, value, gasLimit, fees, BigInteger.valueOf(nonce), accessList);
    return new SignedTransaction(
        Numeric.toHexString(Hash.sha3(Numeric.hexStringToByteArray(raw))),
        raw,
        nonce,
        gasLimit,
        fees.maxPriorityFeePerGas(),
        fees.maxFeePerGas());
  }

  /** Sends raw signed bytes as they are; the node's refusal is returned, classified, not thrown. */
  public Broadcast broadcast(String raw) {
    EthSendTransaction response =
        Rpc.call("eth_sendRawTransaction", () -> web3j.ethSendRawTransaction(raw).send());
    if (response.hasError()) {
      return Broadcast.fromError(response.getError().getMessage());
    }
    return new Broadcast(Broadcast.Status.ACCEPTED, response.getTransactionHash());
  }

  private String signRaw(
      String target,
      String data,
      BigInteger value,
      BigInteger gasLimit,
      TxFees fees,
      BigInteger nonce,
      List<AccessListObject> accessList) {
    RawTransaction raw =
        RawTransaction.createTransaction(
            chainId,
            nonce,
            gasLimit,
            target == null ? "" : target,
            value,
            data,
            fees.maxPriorityFeePerGas(),
            fees.maxFeePerGas(),
            accessList);
    return Numeric.toHexString(TransactionEncoder.signMessage(raw, credentials));
  }

  private TxFees fees() throws IOException {
    return TxFees.of(baseFee(), priorityFee());
  }

  private static boolean isNonceProblem(String message) {
    String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
    return m.contains("nonce") || m.contains("already known") || m.contains("replacement");
  }

  private static BigInteger gasLimit(BigInteger estimate, List<AccessListObject> accessList) {
    long keys = accessList.stream().mapToLong(a -> a.getStorageKeys().size()).sum();
    long listGas = accessList.size() * ACCESS_LIST_ADDRESS_GAS + keys * ACCESS_LIST_KEY_GAS;
    // 25% headroom over the estimate; an access list's intrinsic cost is not in the estimate.
    return estimate
        .multiply(BigInteger.valueOf(5))
        .divide(BigInteger.valueOf(4))
        .add(BigInteger.valueOf(listGas));
  }

  private BigInteger estimate(String to, String data, BigInteger value) throws IOException {
    Transaction tx = new Transaction(getFromAddress(), null, null, null, to, value, data);
    EthEstimateGas response = web3j.ethEstimateGas(tx).send();
    if (response.hasError()) {
      throw failure(response.getError(), to == null ? "deployment" : "transaction to " + to);
    }
    return response.getAmountUsed();
  }

  private ChainException failure(Response.Error error, String context) {
    String data = error.getData();
    String message = error.getMessage() == null ? "" : error.getMessage();
    if (data != null || message.toLowerCase(Locale.ROOT).contains("revert")) {
      return decoder.decode(data, context);
    }
    return new ChainException(ChainException.Reason.REJECTED, context + ": " + message);
  }

  private BigInteger priorityFee() throws IOException {
    var response = web3j.ethMaxPriorityFeePerGas().send();
    return response.hasError() ? FALLBACK_TIP : response.getMaxPriorityFeePerGas();
  }

  private BigInteger baseFee() throws IOException {
    var block =
        web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send().getBlock();
    BigInteger base = block == null ? null : block.getBaseFeePerGas();
    if (base == null) {
      throw new ChainException(
          ChainException.Reason.MISCONFIGURED, "the chain has no EIP-1559 base fee (pre-London?)");
    }
    return base;
  }

  @Override
  public String sendCall(String to, String data, DefaultBlockParameter block) throws IOException {
    EthCall response =
        web3j
            .ethCall(Transaction.createEthCallTransaction(getFromAddress(), to, data), block)
            .send();
    if (response.hasError()) {
      throw failure(response.getError(), "call to " + to);
    }
    if (response.isReverted()) {
      throw decoder.decode(response.getRevertReason(), "call to " + to);
    }
    return response.getValue();
  }

  @Override
  public EthGetCode getCode(String contractAddress, DefaultBlockParameter block)
      throws IOException {
    return web3j.ethGetCode(contractAddress, block).send();
  }

  /** Replays a failed transaction as a call on the state before its block, for its revert data. */
  ChainException explain(TransactionReceipt receipt) {
    String context = "transaction " + receipt.getTransactionHash();
    try {
      var tx =
          web3j
              .ethGetTransactionByHash(receipt.getTransactionHash())
              .send()
              .getTransaction()
              .orElse(null);
      if (tx == null) {
        return new ChainException(ChainException.Reason.REVERTED, context + " failed");
      }
      DefaultBlockParameter before =
          DefaultBlockParameter.valueOf(receipt.getBlockNumber().subtract(BigInteger.ONE));
      EthCall call =
          web3j
              .ethCall(
                  new Transaction(
                      tx.getFrom(),
                      null,
                      null,
                      tx.getGas(),
                      tx.getTo(),
                      tx.getValue(),
                      tx.getInput()),
                  before)
              .send();
      if (call.hasError()) {
        return decoder.decode(call.getError().getData(), context);
      }
      return new ChainException(
          ChainException.Reason.REVERTED,
          context + " failed on chain (out of gas, or state changed in its block)");
    } catch (IOException e) {
      return new ChainException(
          ChainException.Reason.REVERTED, context + " failed; its reason could not be read", e);
    }
  }
}
