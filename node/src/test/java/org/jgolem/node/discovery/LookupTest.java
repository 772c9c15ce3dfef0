package org.jgolem.node.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.p2p.NodeRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The iterative lookup against a simulated network of routing tables (no transport). */
class LookupTest {
  static final int N = 400;
  static final int K = 16;

  final ExecutorService answers = Executors.newFixedThreadPool(2);
  final Map<Address, RoutingTable> tables = new HashMap<>();
  final List<Address> ids = new ArrayList<>();
  final Set<Address> dead = new HashSet<>();
  final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger maxInFlight = new AtomicInteger();
  Random random;

  @BeforeEach
  void network() {
    long seed = System.nanoTime();
    System.out.println("LookupTest seed=" + seed);
    random = new Random(seed);
    for (int i = 0; i < N; i++) {
      byte[] b = new byte[20];
      random.nextBytes(b);
      Address id = Address.of(b);
      ids.add(id);
      tables.put(id, new RoutingTable(id, K, 0, 3, 0));
    }
    // Every node has heard of every other in a random order; each table keeps what Kademlia allows.
    for (Address id : ids) {
      List<Address> others = new ArrayList<>(ids);
      java.util.Collections.shuffle(others, random);
      for (Address o : others) {
        tables.get(id).seen(rec(o), 0);
      }
    }
  }

  @AfterEach
  void stop() {
    answers.shutdownNow();
  }

  static NodeRecord rec(Address id) {
    return new NodeRecord(id, "10.0.0.1", 40102);
  }

  /** Answers like a node would, on another thread, and tracks how many queries are in flight. */
  Lookup.Querier querierFor(Address asker) {
    return (node, target) -> {
      int now = inFlight.incrementAndGet();
      maxInFlight.accumulateAndGet(now, Math::max);
      return CompletableFuture.supplyAsync(
          () -> {
            inFlight.decrementAndGet();
            if (dead.contains(node.nodeId())) {
              throw new DiscoveryException(DiscoveryException.Reason.TIMEOUT, "dead");
            }
            return tables.get(node.nodeId()).closest(target, K, Set.of(asker));
          },
          answers);
    };
  }

  List<Address> trueClosest(Address target, Address exclude) {
    List<Address> all = new ArrayList<>(ids);
    all.remove(exclude);
    all.removeAll(dead);
    all.sort(XorDistance.closerTo(target));
    return all.subList(0, K);
  }

  Lookup.Result lookup(Address from, Address target, boolean stopWhenFound) throws Exception {
    Lookup l =
        new Lookup(
            from,
            target,
            tables.get(from).closest(target, K),
            K,
            3,
            stopWhenFound,
            Set.of(),
            querierFor(from));
    return l.run().get(10, TimeUnit.SECONDS);
  }

  @Test
  void findsTheKClosestNodesOfTheWholeNetwork() throws Exception {
    for (int i = 0; i < 30; i++) {
      Address from = ids.get(random.nextInt(N));
      byte[] b = new byte[20];
      random.nextBytes(b);
      Address target = Address.of(b);
      Lookup.Result r = lookup(from, target, false);
      assertThat(r.closest())
          .extracting(NodeRecord::nodeId)
          .containsExactlyElementsOf(trueClosest(target, from));
      // far fewer queries than nodes
      assertThat(r.queries()).isLessThan(N / 4);
    }
    assertThat(maxInFlight.get()).isLessThanOrEqualTo(3);
  }

  @Test
  void aLookupForANodeStopsWhenAnAnswerNamesIt() throws Exception {
    int found = 0;
    for (int i = 0; i < 30; i++) {
      Address from = ids.get(random.nextInt(N));
      Address target = ids.get(random.nextInt(N));
      if (target.equals(from) || tables.get(from).contains(target)) {
        continue;
      }
      Lookup.Result full = lookup(from, target, false);
      Lookup.Result quick = lookup(from, target, true);
      assertThat(quick.found()).map(NodeRecord::nodeId).contains(target);
      assertThat(quick.queries()).isLessThanOrEqualTo(full.queries());
      found++;
    }
    assertThat(found).isGreaterThan(10);
  }

  @Test
  void deadNodesAreSkippedAndTheNextClosestTakeTheirPlace() throws Exception {
    List<Address> shuffled = new ArrayList<>(ids);
    java.util.Collections.shuffle(shuffled, random);
    dead.addAll(shuffled.subList(0, N / 5));
    Address from = shuffled.get(N - 1);
    int failures = 0;
    int overlap = 0;
    for (int i = 0; i < 20; i++) {
      byte[] b = new byte[20];
      random.nextBytes(b);
      Address target = Address.of(b);
      Lookup.Result r = lookup(from, target, false);
      List<Address> got = r.closest().stream().map(NodeRecord::nodeId).toList();
      // how many live nodes one lookup reaches depends on the random tables (a CI run once found 7
      // of the
      // K/2 = 8 this asserted per lookup); what lookups find together is checked below
      assertThat(got)
          .hasSizeBetween(1, K)
          .doesNotContainAnyElementsOf(dead)
          .isSortedAccordingTo(XorDistance.closerTo(target));
      // The tables still list the dead (nobody evicted them), so a live node known only beside dead
      // ones can be missed: most of the true closest are found, not always all.
      overlap += (int) got.stream().filter(trueClosest(target, from)::contains).count();
      failures += r.failures();
    }
    assertThat(failures).isPositive();
    System.out.println("found " + overlap + " of " + 20 * K + " true closest live nodes");
    assertThat(overlap).isGreaterThanOrEqualTo(20 * K * 8 / 10);
  }

  @Test
  void aLookupWithNothingToAskEndsAtOnce() throws Exception {
    Address self = ids.get(0);
    Lookup.Result r =
        new Lookup(self, ids.get(1), List.of(), K, 3, false, Set.of(), querierFor(self))
            .run()
            .get(1, TimeUnit.SECONDS);
    assertThat(r.closest()).isEmpty();
    assertThat(r.found()).isEmpty();
    assertThat(r.queries()).isZero();
  }
}
