package org.jgolem.node.gossip;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.jgolem.eth.Address;
import org.jgolem.node.gossip.TaskHeaderListener.RemovalReason;
import org.jgolem.protocol.messages.MessageHasher;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskHeaderRemoved;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task headers this node knows, and the rules for accepting them. A header is kept only if its
 * requestor's signature checks, it is not a duplicate (by {@link TaskHeader#id()}), its deadline is
 * in the future but not beyond {@code maxLifetime}, its task was not withdrawn, and its requestor
 * has fewer than {@code maxHeadersPerRequestor} live headers (the newest is refused, logged and
 * counted). A requestor-signed {@link TaskHeaderRemoved} drops the requestor's headers for that
 * task id and leaves a tombstone that refuses them until it expires. Expired headers are dropped by
 * {@link #purgeExpired()} and are never returned.
 *
 * <p>Only {@link Outcome#ADDED} headers and {@link RemovalOutcome#isNew() new} removals are to be
 * forwarded: that is what stops gossip from looping. Thread-safe; listeners are called after the
 * lock is released.
 */
public final class TaskHeaderStore {
  private static final Logger LOG = LoggerFactory.getLogger(TaskHeaderStore.class);

  /** What {@link #offer} did with a header. */
  public enum Outcome {
    ADDED,
    DUPLICATE,
    BAD_SIGNATURE,
    EXPIRED,
    DEADLINE_TOO_FAR,
    WITHDRAWN,
    OVER_REQUESTOR_CAP,
    STORE_FULL
  }

  /** What {@link #remove} did with a removal. */
  public enum RemovalOutcome {
    /** Removed one or more known headers. */
    REMOVED,
    /** No such header known here; remembered so that it is refused if it arrives. */
    RECORDED,
    DUPLICATE,
    BAD_SIGNATURE;

    /** True if the removal is new to this node (and so to be forwarded). */
    public boolean isNew() {
      return this == REMOVED || this == RECORDED;
    }
  }

  private record Event(TaskHeader header, RemovalReason reason) {}

  private final MessageHasher hasher;
  private final Clock clock;
  private final GossipConfig config;
  private final Map<String, TaskHeader> byId = new LinkedHashMap<>();
  private final Map<Address, Integer> perRequestor = new HashMap<>();

  /** requestor:taskId → expiry (ms); insertion order. */
  private final LinkedHashMap<String, Long> tombstones = new LinkedHashMap<>();

  /** Ids refused over the cap since the last purge: logged once each. */
  private final Set<String> refusedOverCap = new HashSet<>();

  private final Map<Outcome, AtomicLong> offered = new EnumMap<>(Outcome.class);
  private final Map<RemovalOutcome, AtomicLong> removals = new EnumMap<>(RemovalOutcome.class);
  private final List<TaskHeaderListener> listeners = new CopyOnWriteArrayList<>();

  public TaskHeaderStore(MessageHasher hasher, Clock clock, GossipConfig config) {
    this.hasher = hasher;
    this.clock = clock;
    this.config = config.validate();
    for (Outcome o : Outcome.values()) {
      offered.put(o, new AtomicLong());
    }
    for (RemovalOutcome o : RemovalOutcome.values()) {
      removals.put(o, new AtomicLong());
    }
  }

  public void addListener(TaskHeaderListener listener) {
    listeners.add(listener);
  }

  /** Checks a header against the rules and keeps it if they all pass. */
  public Outcome offer(TaskHeader header) {
    Outcome outcome;
    List<Event> expired = new ArrayList<>();
    synchronized (this) {
      outcome = check(header, expired);
      if (outcome == Outcome.ADDED) {
        byId.put(header.id(), header);
        perRequestor.merge(header.requestor(), 1, Integer::sum);
      } else if (outcome == Outcome.OVER_REQUESTOR_CAP && refusedOverCap.add(header.id())) {
        LOG.warn(
            "Refused task header {} of requestor {}: it already has {} live headers (gossip.maxHeadersPerRequestor)",
            header.id(),
            header.requestor(),
            config.maxHeadersPerRequestor());
      }
    }
    offered.get(outcome).incrementAndGet();
    fire(expired);
    if (outcome == Outcome.ADDED) {
      for (TaskHeaderListener l : listeners) {
        l.headerAdded(header);
      }
    }
    return outcome;
  }

  /** Applies a requestor's withdrawal: drops its matching headers and refuses them from now on. */
  public RemovalOutcome remove(TaskHeaderRemoved removal) {
    RemovalOutcome outcome;
    List<Event> events = new ArrayList<>();
    synchronized (this) {
      String key = tombstoneKey(removal.requestor(), removal.taskId());
      if (tombstones.containsKey(key)) {
        outcome = RemovalOutcome.DUPLICATE;
      } else if (!removal.hasValidAuthorSignature(hasher)) {
        outcome = RemovalOutcome.BAD_SIGNATURE;
      } else {
        Iterator<TaskHeader> it = byId.values().iterator();
        while (it.hasNext()) {
          TaskHeader h = it.next();
          if (h.requestor().equals(removal.requestor())
              && Arrays.equals(h.taskId(), removal.taskId())) {
            it.remove();
            perRequestor.computeIfPresent(h.requestor(), (a, n) -> n > 1 ? n - 1 : null);
            events.add(new Event(h, RemovalReason.WITHDRAWN));
          }
        }
        // Kept headers have deadline <= arrival + maxLifetime, so this outlives any of them.
        tombstones.put(key, clock.millis() + config.maxLifetime().toMillis());
        if (tombstones.size() > config.maxTombstones()) {
          // Insertion order is expiry order: forget the oldest.
          Iterator<String> oldest = tombstones.keySet().iterator();
          oldest.next();
          oldest.remove();
        }
        outcome = events.isEmpty() ? RemovalOutcome.RECORDED : RemovalOutcome.REMOVED;
      }
    }
    removals.get(outcome).incrementAndGet();
    fire(events);
    return outcome;
  }

  /**
   * Drops headers whose deadline has passed and tombstones past their expiry; returns headers
   * dropped.
   */
  public int purgeExpired() {
    List<Event> events = new ArrayList<>();
    synchronized (this) {
      long now = clock.millis();
      dropExpired(null, now, events);
      Iterator<Long> t = tombstones.values().iterator();
      while (t.hasNext() && t.next() <= now) {
        t.remove();
      }
      refusedOverCap.clear();
    }
    fire(events);
    return events.size();
  }

  /** Live headers (deadline still ahead), soonest deadline first. */
  public synchronized List<TaskHeader> headers() {
    long now = clock.millis();
    return byId.values().stream()
        .filter(h -> h.deadline() > now)
        .sorted(Comparator.comparingLong(TaskHeader::deadline).thenComparing(TaskHeader::id))
        .toList();
  }

  public synchronized Optional<TaskHeader> header(String id) {
    TaskHeader h = byId.get(id);
    return h == null || h.deadline() <= clock.millis() ? Optional.empty() : Optional.of(h);
  }

  public synchronized int liveCount(Address requestor) {
    long now = clock.millis();
    return (int)
        byId.values().stream()
            .filter(h -> h.requestor().equals(requestor) && h.deadline() > now)
            .count();
  }

  public synchronized boolean isWithdrawn(Address requestor, byte[] taskId) {
    return tombstones.containsKey(tombstoneKey(requestor, taskId));
  }

  /** How many headers were offered, by outcome (a metric). */
  public Map<Outcome, Long> offerCounts() {
    Map<Outcome, Long> out = new EnumMap<>(Outcome.class);
    offered.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  /** How many removals were received, by outcome (a metric). */
  public Map<RemovalOutcome, Long> removalCounts() {
    Map<RemovalOutcome, Long> out = new EnumMap<>(RemovalOutcome.class);
    removals.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  private Outcome check(TaskHeader h, List<Event> expired) {
    long now = clock.millis();
    if (byId.containsKey(h.id())) {
      return Outcome.DUPLICATE;
    }
    if (tombstones.containsKey(tombstoneKey(h.requestor(), h.taskId()))) {
      return Outcome.WITHDRAWN;
    }
    if (h.deadline() <= now) {
      return Outcome.EXPIRED;
    }
    if (h.deadline() - now > config.maxLifetime().toMillis()) {
      return Outcome.DEADLINE_TOO_FAR;
    }
    if (!h.hasValidAuthorSignature(hasher)) {
      return Outcome.BAD_SIGNATURE;
    }
    if (perRequestor.getOrDefault(h.requestor(), 0) >= config.maxHeadersPerRequestor()) {
      // Headers past their deadline but not purged yet do not count against the requestor.
      dropExpired(h.requestor(), now, expired);
      if (perRequestor.getOrDefault(h.requestor(), 0) >= config.maxHeadersPerRequestor()) {
        return Outcome.OVER_REQUESTOR_CAP;
      }
    }
    if (byId.size() >= config.maxHeaders()) {
      dropExpired(null, now, expired);
      if (byId.size() >= config.maxHeaders()) {
        return Outcome.STORE_FULL;
      }
    }
    return Outcome.ADDED;
  }

  /** Drops expired headers (of {@code requestor}, or all if null) into {@code events}. */
  private void dropExpired(Address requestor, long now, List<Event> events) {
    Iterator<TaskHeader> it = byId.values().iterator();
    while (it.hasNext()) {
      TaskHeader h = it.next();
      if (h.deadline() <= now && (requestor == null || h.requestor().equals(requestor))) {
        it.remove();
        perRequestor.computeIfPresent(h.requestor(), (a, n) -> n > 1 ? n - 1 : null);
        events.add(new Event(h, RemovalReason.EXPIRED));
      }
    }
  }

  private void fire(List<Event> events) {
    for (Event e : events) {
      for (TaskHeaderListener l : listeners) {
        l.headerRemoved(e.header(), e.reason());
      }
    }
  }

  private static String tombstoneKey(Address requestor, byte[] taskId) {
    return requestor.hex() + ":" + HexFormat.of().formatHex(taskId);
  }
}
