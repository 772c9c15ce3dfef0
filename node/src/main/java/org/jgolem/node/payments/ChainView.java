package org.jgolem.node.payments;

import java.math.BigInteger;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.jgolem.eth.Address;

/**
 * What payments and incomes read from the chain: a port of ours, so that the domain never sees
 * web3j. The adapter is {@code org.jgolem.node.chain.Web3ChainView}; unit tests use a fake.
 *
 * <p>Every method may throw {@link PaymentException} with reason {@code CHAIN_UNAVAILABLE}.
 */
public interface ChainView {
  /** Which chain this is: chain id and genesis hash, read from the node now (not cached). */
  ChainIdentity identity();

  /**
   * Whether the GNT contract has code on this chain now. A development chain reset from scratch can
   * come back with the same chain id and even the same genesis hash (same config, same second), but
   * without the contract.
   */
  boolean tokenDeployed();

  /** The number of the newest block. */
  long latestBlock();

  /** Hash of block {@code number}, empty if the chain has no such block (yet, or any more). */
  Optional<String> blockHash(long number);

  /** GNT balance, base units, at the latest block. */
  BigInteger tokenBalance(Address account);

  /** Ether balance, wei, at the latest block. */
  BigInteger etherBalance(Address account);

  /**
   * GNT {@code Transfer} logs to {@code payee} in blocks {@code fromBlock..toBlock} inclusive
   * ({@code toBlock} at most {@link #latestBlock()}), in chain order.
   */
  List<IncomingTransfer> transfersTo(Address payee, long fromBlock, long toBlock);

  record ChainIdentity(long chainId, String genesisHash) {
    public ChainIdentity {
      Objects.requireNonNull(genesisHash, "genesisHash");
    }

    @Override
    public String toString() {
      return "chain " + chainId + " (genesis " + genesisHash + ")";
    }
  }

  /**
   * One GNT {@code Transfer} log; {@code closureTime} (seconds) is set when a {@code batchTransfer}
   * made it.
   */
  record IncomingTransfer(
      String transactionHash,
      long logIndex,
      long blockNumber,
      String blockHash,
      Address from,
      BigInteger value,
      OptionalLong closureTime) {}
}
