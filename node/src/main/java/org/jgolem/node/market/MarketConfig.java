package org.jgolem.node.market;

import java.math.BigInteger;
import java.time.Duration;
import java.util.Objects;
import org.jgolem.eth.Address;

/**
 * Market settings of one node.
 *
 * @param chainId and {@code depositContract}: the EIP-712 domain of promissory notes
 * @param concentFee what the requestor's Concent communication note promises (wei)
 * @param minPricePerHour a provider does not offer below this (wei per hour)
 * @param minReputation neither side deals with a counterpart scored below this (0..1)
 * @param transferSlack added to a subtask's compute timeout for fetching resources and sending results
 * @param maxAttemptsBeyondRedundancy how many more providers a subtask may go to after disagreements or failures
 * @param resultsInMemoryUpTo a requestor fetches results up to this size into memory for their check and keeps them
 *     there until the task's merge (0: every result goes to the disk first)
 */
public record MarketConfig(
    long chainId,
    Address depositContract,
    BigInteger concentFee,
    BigInteger minPricePerHour,
    double minReputation,
    Duration transferSlack,
    int maxAttemptsBeyondRedundancy,
    long performance,
    long resultsInMemoryUpTo) {

  public MarketConfig {
    Objects.requireNonNull(depositContract, "depositContract");
    Objects.requireNonNull(concentFee, "concentFee");
    Objects.requireNonNull(minPricePerHour, "minPricePerHour");
    Objects.requireNonNull(transferSlack, "transferSlack");
    if (minReputation < 0 || minReputation > 1) throw new IllegalArgumentException("minReputation must be in 0..1");
    if (maxAttemptsBeyondRedundancy < 0) throw new IllegalArgumentException("maxAttemptsBeyondRedundancy must be >= 0");
    if (resultsInMemoryUpTo < 0) throw new IllegalArgumentException("resultsInMemoryUpTo must be >= 0");
  }

  public static MarketConfig defaults(long chainId, Address depositContract) {
    return new MarketConfig(chainId, depositContract, BigInteger.TEN.pow(15), BigInteger.TEN.pow(17), 0.2,
        Duration.ofSeconds(60), 4, 1000, 1L << 20);
  }

  public MarketConfig withMinPricePerHour(BigInteger p) {
    return new MarketConfig(chainId, depositContract, concentFee, p, minReputation, transferSlack,
        maxAttemptsBeyondRedundancy, performance, resultsInMemoryUpTo);
  }

  public MarketConfig withTransferSlack(Duration d) {
    return new MarketConfig(chainId, depositContract, concentFee, minPricePerHour, minReputation, d,
        maxAttemptsBeyondRedundancy, performance, resultsInMemoryUpTo);
  }

  public MarketConfig withResultsInMemoryUpTo(long bytes) {
    return new MarketConfig(chainId, depositContract, concentFee, minPricePerHour, minReputation, transferSlack,
        maxAttemptsBeyondRedundancy, performance, bytes);
  }
}
