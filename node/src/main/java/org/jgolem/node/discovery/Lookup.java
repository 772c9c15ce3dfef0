package org.jgolem.node.discovery;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.p2p.NodeRecord;

/**
 * One iterative Kademlia lookup for {@code target}. Starting from the k closest nodes the table
 * knows, it keeps at most α FindNode queries in flight, always to the closest nodes not yet asked,
 * adds what they answer to the shortlist, and ends when the k closest nodes that did not fail have
 * all answered (or, with {@code stopWhenFound}, as soon as an answer names the target). Nodes that
 * fail are dropped from the shortlist, so the next closest take their place. Records in {@code
 * rejected} (endpoints already found not to answer) are ignored wherever they turn up.
 *
 * <p>Queries go through {@link Querier}, so the algorithm runs without a network in unit tests.
 * Thread-safe: answers may arrive on any thread.
 */
final class Lookup {
  /** Asks one node for the nodes it knows closest to a target. */
  @FunctionalInterface
  interface Querier {
    CompletableFuture<List<NodeRecord>> findNode(NodeRecord node, Address target);
  }

  /**
   * The outcome: the k closest nodes that answered (nearest first), the target's record if some
   * answer named it, and how many queries were sent.
   */
  record Result(List<NodeRecord> closest, Optional<NodeRecord> found, int queries, int failures) {}

  private enum State {
    NEW,
    ASKED,
    ANSWERED,
    FAILED
  }

  private static final class Candidate {
    final NodeRecord record;
    State state = State.NEW;

    Candidate(NodeRecord record) {
      this.record = record;
    }
  }

  private final Address self;
  private final Address target;
  private final int k;
  private final int alpha;
  private final boolean stopWhenFound;
  private final Set<NodeRecord> rejected;
  private final Querier querier;
  private final TreeMap<Address, Candidate> shortlist;
  private final CompletableFuture<Result> result = new CompletableFuture<>();
  private NodeRecord found;
  private int inFlight;
  private int queries;
  private int failures;

  Lookup(
      Address self,
      Address target,
      Collection<NodeRecord> start,
      int k,
      int alpha,
      boolean stopWhenFound,
      Set<NodeRecord> rejected,
      Querier querier) {
    this.self = self;
    this.target = target;
    this.k = k;
    this.alpha = alpha;
    this.stopWhenFound = stopWhenFound;
    this.rejected = rejected;
    this.querier = querier;
    this.shortlist = new TreeMap<>(XorDistance.closerTo(target));
    for (NodeRecord r : start) {
      consider(r);
    }
  }

  CompletableFuture<Result> run() {
    step();
    return result;
  }

  /** Ends the lookup now with what it has (used by the lookup timeout). */
  synchronized void finishNow() {
    finish();
  }

  private void step() {
    List<Candidate> toAsk = new ArrayList<>();
    synchronized (this) {
      if (result.isDone()) {
        return;
      }
      if (stopWhenFound && found != null) {
        finish();
        return;
      }
      int considered = 0;
      for (Candidate c : shortlist.values()) {
        if (c.state == State.FAILED) {
          continue;
        }
        if (considered++ >= k || inFlight >= alpha) {
          break;
        }
        if (c.state == State.NEW) {
          c.state = State.ASKED;
          inFlight++;
          queries++;
          toAsk.add(c);
        }
      }
      if (inFlight == 0) {
        finish();
        return;
      }
    }
    for (Candidate c : toAsk) {
      CompletableFuture<List<NodeRecord>> answer;
      try {
        answer = querier.findNode(c.record, target);
      } catch (RuntimeException e) {
        answer = CompletableFuture.failedFuture(e);
      }
      answer.whenComplete((nodes, error) -> {
        synchronized (this) {
          inFlight--;
          if (error != null) {
            c.state = State.FAILED;
            failures++;
          } else {
            c.state = State.ANSWERED;
            for (NodeRecord r : nodes) {
              consider(r);
            }
          }
        }
        step();
      });
    }
  }

  private void consider(NodeRecord r) {
    if (r.nodeId().equals(self) || rejected.contains(r)) {
      return;
    }
    if (r.nodeId().equals(target) && found == null) {
      found = r;
    }
    shortlist.putIfAbsent(r.nodeId(), new Candidate(r));
  }

  private void finish() {
    List<NodeRecord> closest = new ArrayList<>();
    for (Map.Entry<Address, Candidate> e : shortlist.entrySet()) {
      if (e.getValue().state == State.ANSWERED) {
        closest.add(e.getValue().record);
        if (closest.size() == k) {
          break;
        }
      }
    }
    result.complete(
        new Result(List.copyOf(closest), Optional.ofNullable(found), queries, failures));
  }
}
