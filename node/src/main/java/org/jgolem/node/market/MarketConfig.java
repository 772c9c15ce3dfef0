package org.jgolem.node.market;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jgolem.eth.Address;

/**
 * Market settings of one node.
 *
 * @param chainId and {@code depositContract}: the EIP-712 domain of promissory notes
 * @param concentFee what the requestor's Concent communication note promises (wei)
 * @param minPricePerHour a provider does not offer below this (wei per hour)
 * @param minReputation neither side deals with a counterpart scored below this (0..1)
 * @param transferSlack added to a subtask's compute timeout for fetching resources and sending
 *     results
 * @param maxAttemptsBeyondRedundancy how many more providers a subtask may go to after
 *     disagreements or failures
 * @param resultsInMemoryUpTo a requestor fetches results up to this size into memory for their
 *     check and keeps them there until the task's merge (0: every result goes to the disk first)
 * @param timings the agents' timers and waits
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
    long resultsInMemoryUpTo,
    Timings timings) {

  /**
   * The market agents' timers and waits.
   *
   * @param requestorTick how often the requestor looks at deadlines, deferred acknowledgements and
   *     waiting offers
   * @param ackDelay how long a report waits for its verdict before the requestor acknowledges it: a
   *     verdict (accepted or rejected) answers the report by itself, so a result checked within
   *     this time saves the AckReportComputedTask (a signed message each way). Below {@code
   *     reportRetry}, after which the provider reports again
   * @param providerTick how often the provider offers, reports again and expires what waits
   * @param reportRetry how long a provider waits for an answer to its report (or its notice of a
   *     lost job) before it sends it again
   * @param offerTimeout an offer unanswered this long expires (the provider may offer for the task
   *     again)
   * @param askAgain how long a provider told there is nothing more in a task waits before it offers
   *     for it again: a subtask whose results disagree, or whose provider failed, needs another
   *     provider later
   */
  public record Timings(
      Duration requestorTick,
      Duration ackDelay,
      Duration providerTick,
      Duration reportRetry,
      Duration offerTimeout,
      Duration askAgain) {
    public static final Timings DEFAULT =
        new Timings(
            Duration.ofMillis(100),
            Duration.ofMillis(700),
            Duration.ofMillis(200),
            Duration.ofSeconds(2),
            Duration.ofSeconds(5),
            Duration.ofSeconds(2));

    public Timings {
      for (Duration d :
          List.of(requestorTick, ackDelay, providerTick, reportRetry, offerTimeout, askAgain)) {
        if (d.isNegative() || d.isZero())
          throw new IllegalArgumentException("market timings must be positive: " + d);
      }
    }
  }

  /** Settings with the default {@link Timings}. */
  public MarketConfig(
      long chainId,
      Address depositContract,
      BigInteger concentFee,
      BigInteger minPricePerHour,
      double minReputation,
      Duration transferSlack,
      int maxAttemptsBeyondRedundancy,
      long performance,
      long resultsInMemoryUpTo) {
    this(
        chainId,
        depositContract,
        concentFee,
        minPricePerHour,
        minReputation,
        transferSlack,
        maxAttemptsBeyondRedundancy,
        performance,
        resultsInMemoryUpTo,
        Timings.DEFAULT);
  }

  public MarketConfig {
    Objects.requireNonNull(depositContract, "depositContract");
    Objects.requireNonNull(concentFee, "concentFee");
    Objects.requireNonNull(minPricePerHour, "minPricePerHour");
    Objects.requireNonNull(transferSlack, "transferSlack");
    Objects.requireNonNull(timings, "timings");
    if (minReputation < 0 || minReputation > 1)
      throw new IllegalArgumentException("minReputation must be in 0..1");
    if (maxAttemptsBeyondRedundancy < 0)
      throw new IllegalArgumentException("maxAttemptsBeyondRedundancy must be >= 0");
    if (resultsInMemoryUpTo < 0)
      throw new IllegalArgumentException("resultsInMemoryUpTo must be >= 0");
  }

  public static MarketConfig defaults(long chainId, Address depositContract) {
    return new MarketConfig(
        chainId,
        depositContract,
        BigInteger.TEN.pow(15),
        BigInteger.TEN.pow(17),
        0.2,
        Duration.ofSeconds(60),
        4,
        1000,
        1L << 20);
  }

  public MarketConfig withMinPricePerHour(BigInteger p) {
    return new MarketConfig(
        chainId,
        depositContract,
        concentFee,
        p,
        minReputation,
        transferSlack,
        maxAttemptsBeyondRedundancy,
        performance,
        resultsInMemoryUpTo,
        timings);
  }

  public MarketConfig withTransferSlack(Duration d) {
    return new MarketConfig(
        chainId,
        depositContract,
        concentFee,
        minPricePerHour,
        minReputation,
        d,
        maxAttemptsBeyondRedundancy,
        performance,
        resultsInMemoryUpTo,
        timings);
  }

  public MarketConfig withResultsInMemoryUpTo(long bytes) {
    return new MarketConfig(
        chainId,
        depositContract,
        concentFee,
        minPricePerHour,
        minReputation,
        transferSlack,
        maxAttemptsBeyondRedundancy,
        performance,
        bytes,
        timings);
  }

  public MarketConfig withTimings(Timings t) {
    return new MarketConfig(
        chainId,
        depositContract,
        concentFee,
        minPricePerHour,
        minReputation,
        transferSlack,
        maxAttemptsBeyondRedundancy,
        performance,
        resultsInMemoryUpTo,
        t);
  }
}
