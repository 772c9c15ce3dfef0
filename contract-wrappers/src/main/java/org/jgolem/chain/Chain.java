package org.jgolem.chain;

import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jgolem.eth.Address;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.http.HttpService;

/**
 * A connection to one chain over standard JSON-RPC (HTTP). Hands out one signing transaction
 * manager per account, so that nonces are tracked in one place.
 */
public final class Chain implements AutoCloseable {
  /** How receipts are awaited. Local chains: the defaults. Public chains: a longer interval. */
  public record Options(Duration maxReceiptPollInterval, Duration receiptTimeout) {
    public static Options defaults() {
      return new Options(Duration.ofMillis(100), Duration.ofMinutes(5));
    }
  }

  private final String rpcUrl;
  private final Web3j web3j;
  private final long chainId;
  private final Options options;
  private final RevertDecoder decoder = RevertDecoder.project();
  private final Map<String, LocalSigningTransactionManager> signers = new ConcurrentHashMap<>();

  private Chain(String rpcUrl, Web3j web3j, long chainId, Options options) {
    this.rpcUrl = rpcUrl;
    this.web3j = web3j;
    this.chainId = chainId;
    this.options = options;
  }

  public static Chain connect(String rpcUrl) {
    return connect(rpcUrl, Options.defaults());
  }

  public static Chain connect(String rpcUrl, Options options) {
    Web3j web3j = Web3j.build(new HttpService(rpcUrl));
    try {
      long id = web3j.ethChainId().send().getChainId().longValueExact();
      return new Chain(rpcUrl, web3j, id, options);
    } catch (IOException | RuntimeException e) {
      web3j.shutdown();
      throw new ChainException(ChainException.Reason.UNAVAILABLE, "no Ethereum node answers at " + rpcUrl + ": " + e.getMessage(), e);
    }
  }

  public String rpcUrl() {
    return rpcUrl;
  }

  public long chainId() {
    return chainId;
  }

  /** For the gateway classes in this module only; domain code uses the gateways. */
  public Web3j web3j() {
    return web3j;
  }

  public RevertDecoder decoder() {
    return decoder;
  }

  public LocalSigningTransactionManager signer(Credentials credentials) {
    return signers.computeIfAbsent(credentials.getAddress().toLowerCase(), a -> {
      LocalSigningTransactionManager[] self = new LocalSigningTransactionManager[1];
      FastReceiptProcessor receipts = new FastReceiptProcessor(
          web3j, options.maxReceiptPollInterval(), options.receiptTimeout(), r -> self[0].explain(r));
      self[0] = new LocalSigningTransactionManager(web3j, credentials, chainId, decoder, receipts);
      return self[0];
    });
  }

  /** After the chain was reset or reverted: every signer re-reads its nonce from the chain. */
  public void resetNonces() {
    signers.values().forEach(LocalSigningTransactionManager::resetNonce);
  }

  public long blockNumber() {
    return Rpc.call("eth_blockNumber", () -> web3j.ethBlockNumber().send().getBlockNumber().longValueExact());
  }

  public BigInteger etherBalance(Address account) {
    return Rpc.call("eth_getBalance", () ->
        web3j.ethGetBalance(account.hex(), DefaultBlockParameterName.LATEST).send().getBalance());
  }

  /** Timestamp (seconds) of the latest block. */
  public long latestBlockTimestamp() {
    return Rpc.call("eth_getBlockByNumber", () -> {
      EthBlock.Block b = web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send().getBlock();
      return b.getTimestamp().longValueExact();
    });
  }

  public boolean hasCode(Address account) {
    return Rpc.call("eth_getCode", () -> {
      String code = web3j.ethGetCode(account.hex(), DefaultBlockParameterName.LATEST).send().getCode();
      return code != null && code.length() > 2;
    });
  }

  @Override
  public void close() {
    web3j.shutdown();
  }
}
