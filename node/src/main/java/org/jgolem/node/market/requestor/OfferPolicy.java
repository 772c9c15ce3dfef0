package org.jgolem.node.market.requestor;

import java.math.BigInteger;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jgolem.eth.Address;
import org.jgolem.node.market.MarketConfig;
import org.jgolem.node.market.Pricing;
import org.jgolem.node.market.requestor.RequestorModel.Assignment;
import org.jgolem.node.market.requestor.RequestorModel.AssignmentState;
import org.jgolem.node.market.requestor.RequestorModel.Subtask;
import org.jgolem.node.market.requestor.RequestorModel.SubtaskState;
import org.jgolem.node.market.requestor.RequestorModel.Task;
import org.jgolem.node.reputation.Reputation;
import org.jgolem.protocol.messages.market.CannotAssignTask;
import org.jgolem.protocol.messages.market.WantToComputeTask;

/**
 * Which offers the requestor takes, in which order, for which subtask and at what price: rules
 * only, no state of its own beyond the reputation it reads.
 */
final class OfferPolicy {
  private final MarketConfig config;
  private final Reputation reputation;

  OfferPolicy(MarketConfig config, Reputation reputation) {
    this.config = config;
    this.reputation = reputation;
  }

  /**
   * Why an offer for a computing task {@code t} is refused (environment, price, machine,
   * reputation), if it is.
   */
  Optional<CannotAssignTask.Reason> refusal(Task t, WantToComputeTask want) {
    String needed =
        t.header.environment().equals("docker")
            ? "docker:" + t.header.image()
            : t.header.environment();
    if (!want.environments().contains(needed)
        || want.pricePerHour().compareTo(t.header.maxPricePerHour()) > 0
        || want.cpuCores() < t.header.minCpuCores()
        || want.memoryMib() < t.header.minMemoryMib()) {
      return Optional.of(CannotAssignTask.Reason.OFFER_REJECTED);
    }
    if (reputation.score(Reputation.Role.PROVIDER, want.provider()) < config.minReputation()) {
      return Optional.of(CannotAssignTask.Reason.PROVIDER_REPUTATION);
    }
    return Optional.empty();
  }

  /** Best reputation and performance per price first (higher is better). */
  double score(WantToComputeTask want) {
    double rep = reputation.score(Reputation.Role.PROVIDER, want.provider());
    double price = want.pricePerHour().doubleValue() + 1;
    return rep * (want.performance() + 1) / price;
  }

  /**
   * The first subtask (in order) that needs one more provider and that this provider has not
   * computed.
   */
  Subtask nextFor(Task t, Address provider) {
    List<Subtask> order = t.ordered();
    for (int i = t.advanceSettled(); i < order.size(); i++) {
      Subtask s = order.get(i);
      if (s.state == SubtaskState.ACCEPTED
          || s.state == SubtaskState.FAILED
          || !s.published()
          || s.computedBy(provider)) {
        continue;
      }
      if (providersNeeded(t, s) > 0) return s;
    }
    return null;
  }

  /** True while some subtask of {@code t} still waits for its resources to be published. */
  static boolean publishing(Task t) {
    for (Subtask s : t.subtasks.values()) {
      if (!s.published() && s.state != SubtaskState.ACCEPTED && s.state != SubtaskState.FAILED)
        return true;
    }
    return false;
  }

  /** How many more providers a subtask needs now (see {@link RequestorCore}'s redundancy rules). */
  static int providersNeeded(Task t, Subtask s) {
    if (s.acceptedDigest != null) return 0;
    int k = t.verification.redundancy();
    long open =
        s.assignments.stream()
            .filter(a -> a.state == AssignmentState.ASSIGNED || a.state == AssignmentState.REPORTED)
            .count();
    long agreeing = largestAgreement(s);
    return (int) Math.max(0, k - agreeing - open);
  }

  private static long largestAgreement(Subtask s) {
    Map<String, Long> groups = new HashMap<>();
    for (Assignment a : s.assignments) {
      if (a.state == AssignmentState.CHECKED || a.state == AssignmentState.ACCEPTED) {
        groups.merge(HexFormat.of().formatHex(a.digest), 1L, Long::sum);
      }
    }
    return groups.values().stream().mapToLong(Long::longValue).max().orElse(0);
  }

  /**
   * Whether a subtask has had all the attempts it may have (redundancy plus the attempts beyond
   * it).
   */
  boolean attemptsUsed(Task t, Subtask s) {
    return s.assignments.size()
        >= t.verification.redundancy() + config.maxAttemptsBeyondRedundancy();
  }

  /**
   * What the requestor pays the offering provider for one subtask: its price, at most the task's
   * bid.
   */
  BigInteger price(Task t, Subtask s, WantToComputeTask want) {
    return Pricing.subtaskPrice(
        want.pricePerHour().min(t.header.maxPricePerHour()), s.planned.limits().timeoutSeconds());
  }

  /**
   * When an assignment made at {@code now} must be reported: its timeout and the transfer slack,
   * within the task's.
   */
  long deadline(Task t, Subtask s, long now) {
    return Math.min(
        t.header.deadline(),
        now + s.planned.limits().timeoutSeconds() * 1000 + config.transferSlack().toMillis());
  }
}
