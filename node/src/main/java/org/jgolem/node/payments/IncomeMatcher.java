package org.jgolem.node.payments;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Decides which expected incomes one payment covers. Pure logic.
 *
 * <p>A requestor's batch pays each provider one aggregate: the sum of some of the incomes that
 * provider expects from it. The payment is one (transaction, sender) pair, its amount the sum of
 * that transaction's transfers from the sender to us. The candidates are the incomes from that
 * sender still expected, oldest accepted first. The rule, first match wins:
 *
 * <ol>
 *   <li><b>Closure</b>: a batch carries its closure time, the newest acceptance it pays (the
 *       requestor's clock). If the candidates accepted at or before closure time + {@code skew}
 *       (our clock may trail) add up to the amount exactly, they are all covered: Golem's rule.
 *   <li><b>Exact</b>: otherwise, the first subset of the oldest {@value #EXACT_SEARCH_LIMIT}
 *       candidates (preferring older ones) whose sum is exactly the amount. This covers a batch
 *       that skipped an older income (held back, or paid in an earlier batch we have not scanned).
 *   <li><b>Cover</b>: otherwise, oldest first, every candidate that still fits in what is left.
 *       What remains unallocated stays with the payment as credit for incomes from the same sender
 *       recorded later (a payment can be seen before the provider records its acceptance).
 * </ol>
 *
 * Amounts are exact base units, so an exact match is rarely ambiguous; when it is (equal amounts),
 * any choice covers the same sum from the same requestor, and what stays expected is reported
 * overdue in due course.
 */
final class IncomeMatcher {
  static final int EXACT_SEARCH_LIMIT = 16;

  enum Rule {
    CLOSURE,
    EXACT,
    COVER
  }

  record Candidate(String subtaskId, BigInteger amount, long acceptedAtMillis) {}

  record Allocation(List<String> subtaskIds, BigInteger remainder, Rule rule) {}

  private IncomeMatcher() {}

  static Allocation allocate(
      BigInteger amount, OptionalLong closureTime, Duration skew, List<Candidate> candidates) {
    if (closureTime.isPresent()) {
      long limit = (closureTime.getAsLong() + skew.toSeconds()) * 1000 + 999;
      List<String> ids = new ArrayList<>();
      BigInteger sum = BigInteger.ZERO;
      for (Candidate c : candidates) {
        if (c.acceptedAtMillis() <= limit) {
          ids.add(c.subtaskId());
          sum = sum.add(c.amount());
        }
      }
      if (!ids.isEmpty() && sum.equals(amount)) {
        return new Allocation(ids, BigInteger.ZERO, Rule.CLOSURE);
      }
    }
    List<Candidate> head = candidates.subList(0, Math.min(candidates.size(), EXACT_SEARCH_LIMIT));
    BigInteger[] suffix = new BigInteger[head.size() + 1];
    suffix[head.size()] = BigInteger.ZERO;
    for (int i = head.size() - 1; i >= 0; i--) {
      suffix[i] = suffix[i + 1].add(head.get(i).amount());
    }
    List<String> chosen = new ArrayList<>();
    if (exact(head, 0, amount, suffix, chosen)) {
      return new Allocation(chosen, BigInteger.ZERO, Rule.EXACT);
    }
    List<String> covered = new ArrayList<>();
    BigInteger left = amount;
    for (Candidate c : candidates) {
      if (c.amount().compareTo(left) <= 0) {
        covered.add(c.subtaskId());
        left = left.subtract(c.amount());
      }
    }
    return new Allocation(covered, left, Rule.COVER);
  }

  /** Depth first, taking older candidates first; prunes when the rest cannot reach the target. */
  private static boolean exact(
      List<Candidate> c, int i, BigInteger target, BigInteger[] suffix, List<String> chosen) {
    if (target.signum() == 0) {
      return !chosen.isEmpty();
    }
    if (i == c.size() || suffix[i].compareTo(target) < 0) {
      return false;
    }
    if (c.get(i).amount().compareTo(target) <= 0) {
      chosen.add(c.get(i).subtaskId());
      if (exact(c, i + 1, target.subtract(c.get(i).amount()), suffix, chosen)) {
        return true;
      }
      chosen.remove(chosen.size() - 1);
    }
    return exact(c, i + 1, target, suffix, chosen);
  }
}
