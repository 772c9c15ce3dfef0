package org.jgolem.chain;

import java.io.IOException;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.jgolem.eth.Address;
import org.jgolem.eth.LogEntry;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
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

  /** Times the pauses between receipt polls (one daemon thread; closed with the chain). */
  private final ScheduledExecutorService receiptTimer =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "receipt-timer");
        t.setDaemon(true);
        return t;
      });

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
      throw new ChainException(
          ChainException.Reason.UNAVAILABLE,
          "no Ethereum node answers at " + rpcUrl + ": " + e.getMessage(),
          e);
    }
  }

  public String rpcUrl() {
    return rpcUrl;
  }

  /** The chain id read when connecting. */
  public long chainId() {
    return chainId;
  }

  /**
   * The chain id the node reports now (a node restarted behind the same URL may be another chain).
   */
  public long remoteChainId() {
    return Rpc.call("eth_chainId", () -> web3j.ethChainId().send().getChainId().longValueExact());
  }

  /** For the gateway classes in this module only; domain code uses the gateways. */
  public Web3j web3j() {
    return web3j;
  }

  public RevertDecoder decoder() {
    return decoder;
  }

  public LocalSigningTransactionManager signer(Credentials credentials) {
    return signers.computeIfAbsent(
        credentials.getAddress().toLowerCase(),
        a -> {
          LocalSigningTransactionManager[] self = new LocalSigningTransactionManager[1];
          FastReceiptProcessor receipts =
              new FastReceiptProcessor(
                  web3j,
                  options.maxReceiptPollInterval(),
                  options.receiptTimeout(),
                  r -> self[0].explain(r),
                  Clock.systemUTC(),
                  receiptTimer);
          self[0] =
              new LocalSigningTransactionManager(web3j, credentials, chainId, decoder, receipts);
          return self[0];
        });
  }

  /** After the chain was reset or reverted: every signer re-reads its nonce from the chain. */
  public void resetNonces() {
    signers.values().forEach(LocalSigningTransactionManager::resetNonce);
  }

  public long blockNumber() {
    return Rpc.call(
        "eth_blockNumber", () -> web3j.ethBlockNumber().send().getBlockNumber().longValueExact());
  }

  public BigInteger etherBalance(Address account) {
    return Rpc.call(
        "eth_getBalance",
        () ->
            web3j
                .ethGetBalance(account.hex(), DefaultBlockParameterName.LATEST)
                .send()
                .getBalance());
  }

  /** Timestamp (seconds) of the latest block. */
  public long latestBlockTimestamp() {
    return Rpc.call(
        "eth_getBlockByNumber",
        () -> {
          EthBlock.Block b =
              web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send().getBlock();
          return b.getTimestamp().longValueExact();
        });
  }

  /**
   * Hash of block {@code number} on the canonical chain, empty if the chain has no such block (yet,
   * or any more).
   */
  public Optional<String> blockHash(long number) {
    return Rpc.call(
        "eth_getBlockByNumber",
        () -> {
          EthBlock.Block b =
              web3j
                  .ethGetBlockByNumber(
                      DefaultBlockParameter.valueOf(BigInteger.valueOf(number)), false)
                  .send()
                  .getBlock();
          return Optional.ofNullable(b).map(EthBlock.Block::getHash);
        });
  }

  /**
   * Hash of block 0: with the chain id, what tells one chain from another (and a reset dev chain
   * from before).
   */
  public String genesisHash() {
    return blockHash(0)
        .orElseThrow(() ->
            new ChainException(ChainException.Reason.MISCONFIGURED, rpcUrl + " has no block 0"));
  }

  /**
   * How many transactions {@code account} had sent as of block {@code number}: its next nonce
   * there.
   */
  public long transactionCount(Address account, long number) {
    return Rpc.call(
        "eth_getTransactionCount",
        () ->
            web3j
                .ethGetTransactionCount(
                    account.hex(), DefaultBlockParameter.valueOf(BigInteger.valueOf(number)))
                .send()
                .getTransactionCount()
                .longValueExact());
  }

  /** The account's next nonce counting the node's pool ({@code pending}). */
  public long pendingTransactionCount(Address account) {
    return Rpc.call(
        "eth_getTransactionCount",
        () ->
            web3j
                .ethGetTransactionCount(account.hex(), DefaultBlockParameterName.PENDING)
                .send()
                .getTransactionCount()
                .longValueExact());
  }

  /**
   * The receipt of a mined transaction, successful or not; empty if it is not (or no longer) mined.
   */
  public Optional<TxReceipt> receipt(String transactionHash) {
    return Rpc.call(
        "eth_getTransactionReceipt",
        () -> {
          var response = web3j.ethGetTransactionReceipt(transactionHash).send();
          if (response.hasError()) {
            throw new ChainException(
                ChainException.Reason.UNAVAILABLE,
                "eth_getTransactionReceipt("
                    + transactionHash
                    + "): "
                    + response.getError().getMessage());
          }
          return response
              .getTransactionReceipt()
              .map(r ->
                  new TxReceipt(
                      r.getTransactionHash(),
                      r.getBlockNumber().longValueExact(),
                      r.getBlockHash(),
                      r.isStatusOK(),
                      r.getGasUsed().longValueExact(),
                      r.getFrom() == null ? null : r.getFrom().toLowerCase(java.util.Locale.ROOT),
                      r.getLogs().stream()
                          .map(l ->
                              new LogEntry(Address.of(l.getAddress()), l.getTopics(), l.getData()))
                          .toList()));
        });
  }

  /**
   * {@code eth_getLogs} of one contract over an explicit, inclusive block range. {@code topics} are
   * positional; a null entry matches anything, a list entry matches any of its values. Removed logs
   * (reorganisations) are left out.
   */
  public List<ChainLog> logs(Address contract, long fromBlock, long toBlock, List<?> topics) {
    for (Object t : topics) {
      if (t != null && !(t instanceof String) && !(t instanceof List<?>)) {
        throw new IllegalArgumentException("a topic is a String, a List of Strings, or null: " + t);
      }
    }
    return Rpc.call(
        "eth_getLogs",
        () -> {
          EthFilter filter =
              new EthFilter(
                  DefaultBlockParameter.valueOf(BigInteger.valueOf(fromBlock)),
                  DefaultBlockParameter.valueOf(BigInteger.valueOf(toBlock)),
                  contract.hex());
          for (Object t : topics) {
            if (t == null) {
              filter.addNullTopic();
            } else if (t instanceof String one) {
              filter.addSingleTopic(one);
            } else {
              filter.addOptionalTopics(
                  ((List<?>) t).stream().map(String::valueOf).toArray(String[]::new));
            }
          }
          EthLog response = web3j.ethGetLogs(filter).send();
          if (response.hasError()) {
            throw new ChainException(
                ChainException.Reason.UNAVAILABLE,
                "eth_getLogs("
                    + fromBlock
                    + ".."
                    + toBlock
                    + "): "
                    + response.getError().getMessage());
          }
          List<ChainLog> out = new ArrayList<>();
          for (EthLog.LogResult<?> result : response.getLogs()) {
            if (result.get() instanceof Log l && !l.isRemoved()) {
              out.add(
                  new ChainLog(
                      Address.of(l.getAddress()),
                      l.getTopics(),
                      l.getData(),
                      l.getBlockNumber().longValueExact(),
                      l.getBlockHash(),
                      l.getTransactionHash(),
                      l.getLogIndex().longValueExact()));
            }
          }
          return out;
        });
  }

  public boolean hasCode(Address account) {
    return Rpc.call(
        "eth_getCode",
        () -> {
          String code =
              web3j.ethGetCode(account.hex(), DefaultBlockParameterName.LATEST).send().getCode();
          return code != null && code.length() > 2;
        });
  }

  @Override
  public void close() {
    web3j.shutdown();
    receiptTimer.shutdownNow();
  }
}
