package org.jgolem.node.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.jgolem.eth.Address;
import org.jgolem.node.discovery.RoutingTable.Entry;
import org.jgolem.node.discovery.RoutingTable.Outcome;
import org.jgolem.protocol.messages.p2p.NodeRecord;
import org.junit.jupiter.api.Test;

class RoutingTableTest {
  static final Address SELF = Address.ZERO;

  /**
   * An id that shares exactly {@code prefix} leading bits with 0 (its bit {@code prefix} is set),
   * plus {@code n} low bits.
   */
  static Address id(int prefix, int n) {
    return Address.of(BigInteger.ONE.shiftLeft(159 - prefix).or(BigInteger.valueOf(n)));
  }

  static NodeRecord rec(Address id) {
    return new NodeRecord(id, "127.0.0.1", 1000 + (id.toBigInteger().intValue() & 0x7fff));
  }

  static Address random(Random r) {
    byte[] b = new byte[20];
    r.nextBytes(b);
    return Address.of(b);
  }

  /**
   * The ids in bucket {@code index}: the table lists its entries bucket by bucket, {@code
   * bucketSizes} long each.
   */
  static List<Address> bucketIds(RoutingTable t, int index) {
    List<Integer> sizes = t.bucketSizes();
    int from = sizes.subList(0, index).stream().mapToInt(Integer::intValue).sum();
    return t.entries().subList(from, from + sizes.get(index)).stream().map(Entry::id).toList();
  }

  @Test
  void xorDistanceBasics() {
    Address a = Address.of("0x" + "f0" + "00".repeat(19));
    Address b = Address.of("0x" + "0f" + "00".repeat(19));
    assertThat(XorDistance.between(a, b)[0]).isEqualTo((byte) 0xff);
    assertThat(XorDistance.commonPrefixLength(a, b)).isZero();
    assertThat(XorDistance.commonPrefixLength(a, a)).isEqualTo(160);
    assertThat(XorDistance.commonPrefixLength(SELF, id(37, 0))).isEqualTo(37);
    assertThat(XorDistance.commonPrefixLength(SELF, Address.of(BigInteger.ONE))).isEqualTo(159);
    // 0 is closer to 1 than to 2, and the metric is symmetric
    Address one = Address.of(BigInteger.ONE);
    Address two = Address.of(BigInteger.TWO);
    assertThat(XorDistance.compare(SELF, one, two)).isNegative();
    assertThat(XorDistance.compare(SELF, two, one)).isPositive();
    assertThat(XorDistance.compare(one, one, one)).isZero();
    assertThat(new BigInteger(1, XorDistance.between(a, b)))
        .isEqualTo(new BigInteger(1, XorDistance.between(b, a)));
  }

  @Test
  void randomIdsHaveTheRequestedPrefix() {
    long seed = System.nanoTime();
    System.out.println("randomIdsHaveTheRequestedPrefix seed=" + seed);
    Random r = new Random(seed);
    for (int i = 0; i < 500; i++) {
      Address self = random(r);
      int p = r.nextInt(160);
      assertThat(
              XorDistance.commonPrefixLength(self, XorDistance.randomWithPrefix(self, p, false, r)))
          .isEqualTo(p);
      assertThat(
              XorDistance.commonPrefixLength(self, XorDistance.randomWithPrefix(self, p, true, r)))
          .isGreaterThanOrEqualTo(p);
    }
  }

  @Test
  void selfIsNeverStored() {
    RoutingTable t = new RoutingTable(SELF, 16, 8, 3, 0);
    assertThat(t.seen(rec(SELF), 1).outcome()).isEqualTo(Outcome.SELF);
    assertThat(t.size()).isZero();
  }

  @Test
  void theBucketCoveringSelfSplitsWhenFullOthersDoNot() {
    RoutingTable t = new RoutingTable(SELF, 4, 2, 3, 0);
    for (int i = 0; i < 4; i++) {
      assertThat(t.seen(rec(id(0, i)), i).outcome()).isEqualTo(Outcome.ADDED);
    }
    assertThat(t.bucketCount()).isEqualTo(1);
    // 5th far node: the only bucket covers self, so it splits; all four stay in bucket 0, which is
    // now full
    RoutingTable.AddResult r = t.seen(rec(id(0, 4)), 10);
    assertThat(r.outcome()).isEqualTo(Outcome.BUCKET_FULL);
    assertThat(r.probe()).map(Entry::id).contains(id(0, 0));
    assertThat(t.bucketCount()).isEqualTo(2);
    assertThat(t.bucketSizes()).containsExactly(4, 0);
    assertThat(t.replacements(0)).extracting(Entry::id).containsExactly(id(0, 4));
    // nearer nodes still have room: bucket 1 (last) fills, then splits again
    for (int i = 0; i < 4; i++) {
      assertThat(t.seen(rec(id(1 + i % 2, i)), 20).outcome()).isEqualTo(Outcome.ADDED);
    }
    assertThat(t.bucketSizes()).containsExactly(4, 4);
    assertThat(t.seen(rec(id(5, 1)), 30).outcome()).isEqualTo(Outcome.ADDED);
    assertThat(t.bucketSizes()).containsExactly(4, 2, 3);
    assertThat(bucketIds(t, 1)).containsExactlyInAnyOrder(id(1, 0), id(1, 2));
    assertThat(bucketIds(t, 2)).containsExactlyInAnyOrder(id(2, 1), id(2, 3), id(5, 1));
  }

  @Test
  void bucketsNeverExceedKAndHoldOnlyTheirPrefix() {
    long seed = System.nanoTime();
    System.out.println("bucketsNeverExceedKAndHoldOnlyTheirPrefix seed=" + seed);
    Random r = new Random(seed);
    Address self = random(r);
    RoutingTable t = new RoutingTable(self, 16, 4, 3, 0);
    for (int i = 0; i < 2_000; i++) {
      t.seen(rec(random(r)), i);
    }
    List<Integer> sizes = t.bucketSizes();
    assertThat(sizes).allMatch(s -> s <= 16);
    assertThat(t.size()).isEqualTo(sizes.stream().mapToInt(Integer::intValue).sum());
    // with 2,000 random ids the far buckets are full: about half share 0 bits, a quarter 1 bit, ...
    // (bucket 3 expects 125 candidates; bucket 5's 31 fell below 16 once in a CI run, about 0.2%
    // likely)
    for (int b = 0; b <= 3; b++) {
      assertThat(sizes.get(b)).as("bucket " + b + " (seed " + seed + ")").isEqualTo(16);
    }
    int last = sizes.size() - 1;
    for (int b = 0; b <= last; b++) {
      for (Address a : bucketIds(t, b)) {
        int cpl = XorDistance.commonPrefixLength(self, a);
        if (b < last) {
          assertThat(cpl).isEqualTo(b);
        } else {
          assertThat(cpl).isGreaterThanOrEqualTo(b);
        }
      }
      assertThat(t.replacements(b)).hasSizeLessThanOrEqualTo(4);
    }
  }

  @Test
  void closestReturnsTheKNearestInXorOrder() {
    long seed = System.nanoTime();
    System.out.println("closestReturnsTheKNearestInXorOrder seed=" + seed);
    Random r = new Random(seed);
    Address self = random(r);
    RoutingTable t = new RoutingTable(self, 16, 0, 3, 0);
    for (int i = 0; i < 300; i++) {
      t.seen(rec(random(r)), i);
    }
    for (int q = 0; q < 50; q++) {
      Address target = random(r);
      List<Address> expected = new ArrayList<>(t.entries().stream().map(Entry::id).toList());
      expected.sort(XorDistance.closerTo(target));
      List<Address> got = t.closest(target, 16).stream().map(NodeRecord::nodeId).toList();
      assertThat(got).containsExactlyElementsOf(expected.subList(0, 16));
      assertThat(got).isSortedAccordingTo(XorDistance.closerTo(target));
      Address excluded = got.get(0);
      assertThat(t.closest(target, 16, Set.of(excluded)).stream().map(NodeRecord::nodeId))
          .doesNotContain(excluded)
          .containsExactlyElementsOf(expected.subList(1, 17));
    }
    // a target in the table comes first, at distance 0
    Address member = t.entries().get(7).id();
    assertThat(t.closest(member, 1)).extracting(NodeRecord::nodeId).containsExactly(member);
  }

  @Test
  void aFullBucketKeepsLongLivedEntriesAndProbesTheStalest() {
    RoutingTable t = new RoutingTable(SELF, 3, 2, 2, 0);
    t.seen(rec(id(0, 1)), 1);
    t.seen(rec(id(0, 2)), 2);
    t.seen(rec(id(0, 3)), 3);
    t.seen(rec(id(3, 3)), 3); // forces the split, so bucket 0 stops splitting
    t.seen(rec(id(0, 1)), 4); // 1 answered again: now most recently seen, 2 is the stalest
    RoutingTable.AddResult r = t.seen(rec(id(0, 4)), 5);
    assertThat(r.outcome()).isEqualTo(Outcome.BUCKET_FULL);
    assertThat(r.probe()).map(Entry::id).contains(id(0, 2));
    assertThat(t.contains(id(0, 4))).isFalse();
    t.seen(rec(id(0, 5)), 6);
    t.seen(rec(id(0, 6)), 7); // replacement cache holds 2: drops 4, the oldest
    assertThat(t.replacements(0)).extracting(Entry::id).containsExactly(id(0, 5), id(0, 6));
    // one failure is not enough (maxFailures 2); an answer clears the count
    assertThat(t.failed(id(0, 2))).isFalse();
    assertThat(t.get(id(0, 2))).map(Entry::failures).contains(1);
    t.seen(rec(id(0, 2)), 8);
    assertThat(t.get(id(0, 2))).map(Entry::failures).contains(0);
    assertThat(t.failed(id(0, 3))).isFalse();
    assertThat(t.failed(id(0, 3))).isTrue();
    // evicted; the most recently seen replacement takes the place
    assertThat(t.contains(id(0, 3))).isFalse();
    assertThat(t.contains(id(0, 6))).isTrue();
    assertThat(t.replacements(0)).extracting(Entry::id).containsExactly(id(0, 5));
    assertThat(t.bucketSizes().get(0)).isEqualTo(3);
    assertThat(t.remove(id(0, 1))).isTrue();
    assertThat(t.contains(id(0, 5))).isTrue();
    assertThat(t.remove(id(0, 1))).isFalse();
    assertThat(t.failed(id(9, 9))).isFalse();
  }

  @Test
  void aNodeSeenAtANewEndpointKeepsItsHistory() {
    RoutingTable t = new RoutingTable(SELF, 16, 4, 3, 0);
    Address a = id(2, 7);
    t.seen(new NodeRecord(a, "127.0.0.1", 4000), 100);
    t.failed(a);
    assertThat(t.seen(new NodeRecord(a, "127.0.0.1", 4999), 200).outcome())
        .isEqualTo(Outcome.UPDATED);
    assertThat(t.get(a)).contains(new Entry(new NodeRecord(a, "127.0.0.1", 4999), 100, 200, 0));
  }

  @Test
  void staleBucketsAreReportedAndRandomIdsFallInThem() {
    long seed = System.nanoTime();
    System.out.println("staleBucketsAreReportedAndRandomIdsFallInThem seed=" + seed);
    Random r = new Random(seed);
    Address self = random(r);
    RoutingTable t = new RoutingTable(self, 4, 0, 3, 0);
    for (int i = 0; i < 200; i++) {
      t.seen(rec(random(r)), 0);
    }
    int n = t.bucketCount();
    assertThat(n).isGreaterThan(3);
    assertThat(t.bucketsToRefresh(1_000, 60_000)).isEmpty();
    assertThat(t.bucketsToRefresh(60_000, 60_000)).hasSize(n);
    for (int b = 0; b < n; b++) {
      Address target = t.randomIdIn(b, r);
      int cpl = XorDistance.commonPrefixLength(self, target);
      assertThat(Math.min(cpl, n - 1)).isEqualTo(b);
      t.lookedUp(target, 60_000);
    }
    assertThat(t.bucketsToRefresh(60_000, 60_000)).isEmpty();
  }

  @Test
  void withoutAReplacementAFailingEntryStaysButIsStaleUntilANewcomerTakesItsPlace() {
    RoutingTable t = new RoutingTable(SELF, 2, 2, 2, 0);
    t.seen(rec(id(0, 1)), 1);
    t.seen(rec(id(0, 2)), 2);
    t.seen(rec(id(4, 4)), 3); // split: bucket 0 no longer splits
    assertThat(t.failed(id(0, 1))).isFalse();
    assertThat(t.failed(id(0, 1))).isFalse(); // maxFailures reached, but nothing to replace it with
    assertThat(t.contains(id(0, 1))).isTrue();
    assertThat(t.isStale(t.get(id(0, 1)).orElseThrow())).isTrue();
    assertThat(t.closest(id(0, 1), 10))
        .extracting(NodeRecord::nodeId)
        .doesNotContain(id(0, 1))
        .contains(id(0, 2));
    // a newcomer takes the stale entry's place at once
    assertThat(t.seen(rec(id(0, 3)), 4).outcome()).isEqualTo(Outcome.ADDED);
    assertThat(bucketIds(t, 0)).containsExactlyInAnyOrder(id(0, 2), id(0, 3));
    // find() also sees the replacement cache
    t.seen(rec(id(0, 5)), 5);
    assertThat(t.contains(id(0, 5))).isFalse();
    assertThat(t.find(id(0, 5))).map(Entry::id).contains(id(0, 5));
  }
}
