package org.jgolem.node.discovery;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.p2p.NodeRecord;

/**
 * A Kademlia routing table around {@code self}: k-buckets of nodes grouped by the length of the
 * prefix they share with self. It starts as one bucket for the whole id space; when the bucket that
 * covers self (always the last one) overflows, it is split in two, so there are buckets for prefix
 * lengths 0, 1, ..., n-2 and a last one for n-1 and more. Other buckets never split: when full,
 * newcomers wait in the bucket's replacement cache and the table reports the bucket's
 * least-recently-seen entry as the one to probe. Long-lived entries are therefore preferred. An
 * entry that failed {@code maxFailures} times in a row is stale: it is evicted as soon as there is
 * a replacement for it (the most recently seen one in the cache, or the next newcomer), is not
 * returned by {@link #closest}, and becomes fresh again if the node is seen.
 *
 * <p>Entries are kept least-recently-seen first within a bucket. Thread-safe (one lock); all
 * operations are in-memory and short.
 */
public final class RoutingTable {
  /** A node in the table. Times are ms since the epoch. */
  public record Entry(NodeRecord record, long firstSeen, long lastSeen, int failures) {
    public Address id() {
      return record.nodeId();
    }
  }

  public enum Outcome {
    /** Inserted into a bucket. */
    ADDED,
    /** Already in the table (or its replacement cache): refreshed. */
    UPDATED,
    /** The bucket is full: kept as a replacement; probe {@link AddResult#probe()}. */
    BUCKET_FULL,
    /** This node's own id: never stored. */
    SELF
  }

  /**
   * What {@link #seen} did; {@code probe} is the bucket's stalest entry when the bucket was full.
   */
  public record AddResult(Outcome outcome, Optional<Entry> probe) {}

  private static final class Bucket {
    long lastLookup;

    /** Least-recently seen first. */
    final LinkedHashMap<Address, Entry> entries = new LinkedHashMap<>();

    /** Oldest first; bounded. */
    final LinkedHashMap<Address, Entry> replacements = new LinkedHashMap<>();

    Bucket(long now) {
      this.lastLookup = now;
    }
  }

  private final Address self;
  private final byte[] selfBytes;
  private final int k;
  private final int replacementCapacity;
  private final int maxFailures;
  private final List<Bucket> buckets = new ArrayList<>();

  public RoutingTable(Address self, int k, int replacementCapacity, int maxFailures, long now) {
    if (k < 1 || replacementCapacity < 0 || maxFailures < 1) {
      throw new IllegalArgumentException(
          "k and maxFailures must be at least 1, replacementCapacity not negative");
    }
    this.self = self;
    this.selfBytes = self.toBytes();
    this.k = k;
    this.replacementCapacity = replacementCapacity;
    this.maxFailures = maxFailures;
    buckets.add(new Bucket(now));
  }

  public Address self() {
    return self;
  }

  public int k() {
    return k;
  }

  /**
   * Records that the node answered or proved its identity at {@code now}: it is inserted or moved
   * to its bucket's most-recently-seen end, with its endpoint updated and its failures cleared.
   */
  public synchronized AddResult seen(NodeRecord record, long now) {
    Address id = record.nodeId();
    if (id.equals(self)) {
      return new AddResult(Outcome.SELF, Optional.empty());
    }
    Bucket b = bucketOf(id);
    Entry old = b.entries.remove(id);
    if (old != null) {
      b.entries.put(id, new Entry(record, old.firstSeen(), Math.max(now, old.lastSeen()), 0));
      return new AddResult(Outcome.UPDATED, Optional.empty());
    }
    while (b.entries.size() >= k && isLast(b) && buckets.size() < XorDistance.ID_BITS) {
      split();
      b = bucketOf(id);
    }
    Entry previous = b.replacements.remove(id);
    long firstSeen = previous == null ? now : previous.firstSeen();
    Entry entry = new Entry(record, firstSeen, now, 0);
    if (b.entries.size() >= k) {
      b.entries.values().stream()
          .filter(this::isStale)
          .findFirst()
          .ifPresent(stale -> evictOnly(stale.id()));
    }
    if (b.entries.size() < k) {
      b.entries.put(id, entry);
      return new AddResult(Outcome.ADDED, Optional.empty());
    }
    b.replacements.put(id, entry);
    while (b.replacements.size() > replacementCapacity) {
      Iterator<Address> it = b.replacements.keySet().iterator();
      it.next();
      it.remove();
    }
    return new AddResult(
        previous == null ? Outcome.BUCKET_FULL : Outcome.UPDATED,
        Optional.of(b.entries.values().iterator().next()));
  }

  /**
   * Counts a failure to reach the node. Returns true if that evicted it (a replacement, if any,
   * takes its place). Unknown ids are ignored.
   */
  public synchronized boolean failed(Address id) {
    Bucket b = bucketOf(id);
    Entry e = b.entries.get(id);
    if (e == null) {
      b.replacements.remove(id);
      return false;
    }
    if (e.failures() + 1 >= maxFailures && !b.replacements.isEmpty()) {
      evict(b, id);
      return true;
    }
    // Without a replacement the entry stays, marked stale: a table must not empty itself when the
    // node's own link is down. Stale entries are not handed out, and the next newcomer replaces
    // them.
    b.entries.put(id, new Entry(e.record(), e.firstSeen(), e.lastSeen(), e.failures() + 1));
    return false;
  }

  /** True once an entry has failed {@code maxFailures} times in a row. */
  public boolean isStale(Entry e) {
    return e.failures() >= maxFailures;
  }

  /** The node's entry, from a bucket or else from a replacement cache. */
  public synchronized Optional<Entry> find(Address id) {
    Bucket b = bucketOf(id);
    Entry e = b.entries.get(id);
    return Optional.ofNullable(e != null ? e : b.replacements.get(id));
  }

  private void evictOnly(Address id) {
    bucketOf(id).entries.remove(id);
  }

  /** Removes the node (and promotes a replacement); returns true if it was in a bucket. */
  public synchronized boolean remove(Address id) {
    Bucket b = bucketOf(id);
    b.replacements.remove(id);
    if (!b.entries.containsKey(id)) {
      return false;
    }
    evict(b, id);
    return true;
  }

  public synchronized Optional<Entry> get(Address id) {
    return Optional.ofNullable(bucketOf(id).entries.get(id));
  }

  public synchronized boolean contains(Address id) {
    return bucketOf(id).entries.containsKey(id);
  }

  /**
   * The {@code n} entries closest to {@code target}, nearest first, leaving out {@code exclude} and
   * stale entries.
   */
  public synchronized List<NodeRecord> closest(Address target, int n, Set<Address> exclude) {
    Comparator<Address> order = XorDistance.closerTo(target);
    return allEntries().stream()
        .filter(e -> !isStale(e))
        .map(Entry::record)
        .filter(r -> !exclude.contains(r.nodeId()))
        .sorted((a, b) -> order.compare(a.nodeId(), b.nodeId()))
        .limit(n)
        .toList();
  }

  public List<NodeRecord> closest(Address target, int n) {
    return closest(target, n, Set.of());
  }

  /**
   * Every entry, bucket by bucket in index order ({@link #bucketSizes} tells where each bucket
   * ends), least-recently seen first within a bucket.
   */
  public synchronized List<Entry> entries() {
    return allEntries();
  }

  public synchronized int size() {
    int n = 0;
    for (Bucket b : buckets) {
      n += b.entries.size();
    }
    return n;
  }

  public synchronized int bucketCount() {
    return buckets.size();
  }

  /** Entries per bucket, index = shared prefix length (the last bucket covers all longer ones). */
  public synchronized List<Integer> bucketSizes() {
    return buckets.stream().map(b -> b.entries.size()).toList();
  }

  public synchronized List<Entry> replacements(int bucket) {
    return List.copyOf(buckets.get(bucket).replacements.values());
  }

  /** Notes that a lookup covered the bucket holding {@code target}, so it need not be refreshed. */
  public synchronized void lookedUp(Address target, long now) {
    if (!target.equals(self)) {
      bucketOf(target).lastLookup = now;
    }
  }

  /** Buckets with no lookup into their range since {@code now - interval}. */
  public synchronized List<Integer> bucketsToRefresh(long now, long intervalMillis) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < buckets.size(); i++) {
      if (buckets.get(i).lastLookup <= now - intervalMillis) {
        out.add(i);
      }
    }
    return out;
  }

  /** A random id that falls in bucket {@code index}, for refreshing it. */
  public synchronized Address randomIdIn(int index, Random random) {
    boolean last = index == buckets.size() - 1;
    Address id;
    do {
      id =
          XorDistance.randomWithPrefix(
              self, Math.min(index, XorDistance.ID_BITS - 1), last, random);
    } while (id.equals(self));
    return id;
  }

  private void evict(Bucket b, Address id) {
    b.entries.remove(id);
    promoteReplacements(b);
  }

  /** Splits the last bucket into "shares exactly n-1 bits with self" and "shares more". */
  private void split() {
    int lastIndex = buckets.size() - 1;
    Bucket last = buckets.get(lastIndex);
    Bucket deeper = new Bucket(last.lastLookup);
    moveDeeper(last.entries, deeper.entries, lastIndex);
    moveDeeper(last.replacements, deeper.replacements, lastIndex);
    buckets.add(deeper);
    promoteReplacements(last);
    promoteReplacements(deeper);
  }

  private void promoteReplacements(Bucket b) {
    while (b.entries.size() < k && !b.replacements.isEmpty()) {
      Address newest = null;
      for (Address a : b.replacements.keySet()) {
        newest = a;
      }
      b.entries.put(newest, b.replacements.remove(newest));
    }
  }

  private void moveDeeper(
      LinkedHashMap<Address, Entry> from, LinkedHashMap<Address, Entry> to, int index) {
    Iterator<Entry> it = from.values().iterator();
    while (it.hasNext()) {
      Entry e = it.next();
      if (prefixWithSelf(e.id()) > index) {
        to.put(e.id(), e);
        it.remove();
      }
    }
  }

  private boolean isLast(Bucket b) {
    return b == buckets.get(buckets.size() - 1);
  }

  private Bucket bucketOf(Address id) {
    return buckets.get(Math.min(prefixWithSelf(id), buckets.size() - 1));
  }

  private int prefixWithSelf(Address id) {
    return XorDistance.commonPrefixLength(selfBytes, id.toBytes());
  }

  private List<Entry> allEntries() {
    List<Entry> out = new ArrayList<>();
    for (Bucket b : buckets) {
      out.addAll(b.entries.values());
    }
    return out;
  }
}
