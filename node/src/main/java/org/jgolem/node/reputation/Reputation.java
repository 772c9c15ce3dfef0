package org.jgolem.node.reputation;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.jgolem.eth.Address;

/**
 * The node's two local rankings: of providers (as a requestor sees them) and of requestors (as a
 * provider sees them). Each node keeps its own, from what it saw itself.
 *
 * <p>A score is {@code (1 + good) / (2 + good + bad)}, where {@code bad} weighs each kind of
 * failure: a wrong result counts {@value #WRONG_RESULT_WEIGHT} times a good one, a timeout {@value
 * #TIMEOUT_WEIGHT} times, a late payment {@value #LATE_PAYMENT_WEIGHT} times, and a failure the
 * provider reported itself only {@value #REPORTED_FAILURE_WEIGHT}: owning up is cheap, cheating is
 * not. A stranger starts at 0.5; one wrong result drops a fresh provider to 1/12.
 */
public final class Reputation {
  public static final double WRONG_RESULT_WEIGHT = 10;
  public static final double TIMEOUT_WEIGHT = 2;
  public static final double LATE_PAYMENT_WEIGHT = 3;
  public static final double REPORTED_FAILURE_WEIGHT = 0.5;
  public static final double REJECTED_RESULT_WEIGHT = 1;

  public enum Role {
    PROVIDER,
    REQUESTOR
  }

  /** What happened in one interaction. */
  public enum Event {
    /** A provider's result was accepted. */
    RESULT_ACCEPTED,
    /** A provider's result failed verification. */
    WRONG_RESULT,
    /** A provider did not report within the deadline. */
    TIMEOUT,
    /** A provider said it could not compute. */
    FAILURE_REPORTED,
    /** A requestor paid in time. */
    PAID,
    /** A requestor's payment is overdue. */
    LATE_PAYMENT,
    /** A requestor rejected a result this provider computed (as the provider sees it). */
    RESULT_REJECTED,
    /**
     * A provider's result rejected as wrong was found right by Concent (use case 5): the wrong
     * result it was counted is taken back (never below 0), and it counts as accepted.
     */
    WRONG_RESULT_OVERTURNED
  }

  /** Counts for one node in one role. */
  public record Counters(
      long accepted,
      long wrong,
      long timeouts,
      long failures,
      long paid,
      long late,
      long rejected) {
    public static final Counters ZERO = new Counters(0, 0, 0, 0, 0, 0, 0);

    Counters plus(Event e) {
      return switch (e) {
        case RESULT_ACCEPTED ->
            new Counters(accepted + 1, wrong, timeouts, failures, paid, late, rejected);
        case WRONG_RESULT ->
            new Counters(accepted, wrong + 1, timeouts, failures, paid, late, rejected);
        case TIMEOUT -> new Counters(accepted, wrong, timeouts + 1, failures, paid, late, rejected);
        case FAILURE_REPORTED ->
            new Counters(accepted, wrong, timeouts, failures + 1, paid, late, rejected);
        case PAID -> new Counters(accepted, wrong, timeouts, failures, paid + 1, late, rejected);
        case LATE_PAYMENT ->
            new Counters(accepted, wrong, timeouts, failures, paid, late + 1, rejected);
        case RESULT_REJECTED ->
            new Counters(accepted, wrong, timeouts, failures, paid, late, rejected + 1);
        case WRONG_RESULT_OVERTURNED ->
            new Counters(
                accepted + 1, Math.max(0, wrong - 1), timeouts, failures, paid, late, rejected);
      };
    }

    public double score() {
      double good = accepted + paid;
      double bad =
          wrong * WRONG_RESULT_WEIGHT
              + timeouts * TIMEOUT_WEIGHT
              + late * LATE_PAYMENT_WEIGHT
              + failures * REPORTED_FAILURE_WEIGHT
              + rejected * REJECTED_RESULT_WEIGHT;
      return (1 + good) / (2 + good + bad);
    }
  }

  /** One node's standing. */
  public record Entry(Address node, Counters counters) {
    public double score() {
      return counters.score();
    }
  }

  /** Where the counters live (SQLite in the node, memory in tests). */
  public interface Store {
    Counters load(Role role, Address node);

    void save(Role role, Address node, Counters counters);

    List<Entry> all(Role role);
  }

  private final Store store;

  public Reputation(Store store) {
    this.store = Objects.requireNonNull(store, "store");
  }

  public synchronized void record(Role role, Address node, Event event) {
    store.save(role, node, store.load(role, node).plus(event));
  }

  public synchronized double score(Role role, Address node) {
    return store.load(role, node).score();
  }

  public synchronized Counters counters(Role role, Address node) {
    return store.load(role, node);
  }

  /** Best first. */
  public synchronized List<Entry> ranking(Role role) {
    return store.all(role).stream()
        .sorted(
            Comparator.comparingDouble(Entry::score)
                .reversed()
                .thenComparing(e -> e.node().toString()))
        .toList();
  }

  /** A store in memory (tests, and nodes run without a data folder). */
  public static Store inMemory() {
    var map = new java.util.concurrent.ConcurrentHashMap<String, Entry>();
    return new Store() {
      @Override
      public Counters load(Role role, Address node) {
        Entry e = map.get(role + "/" + node);
        return e == null ? Counters.ZERO : e.counters();
      }

      @Override
      public void save(Role role, Address node, Counters c) {
        map.put(role + "/" + node, new Entry(node, c));
      }

      @Override
      public List<Entry> all(Role role) {
        return map.entrySet().stream()
            .filter(e -> e.getKey().startsWith(role + "/"))
            .map(java.util.Map.Entry::getValue)
            .toList();
      }
    };
  }
}
