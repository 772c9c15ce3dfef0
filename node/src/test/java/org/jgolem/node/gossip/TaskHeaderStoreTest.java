package org.jgolem.node.gossip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.node.fixtures.Headers.header;
import static org.jgolem.node.fixtures.Headers.removal;
import static org.jgolem.node.fixtures.Headers.taskId;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jgolem.node.fixtures.TestKeys;
import org.jgolem.node.gossip.TaskHeaderListener.RemovalReason;
import org.jgolem.node.gossip.TaskHeaderStore.Outcome;
import org.jgolem.node.gossip.TaskHeaderStore.RemovalOutcome;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.MessageHasher;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskHeaderRemoved;
import org.jgolem.testkit.FakeClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TaskHeaderStoreTest {
  static final long T0 = 1_700_000_000_000L;
  static final long HOUR = 3_600_000L;

  final MessageHasher hasher = new MessageHasher(31337);
  final FakeClock clock = new FakeClock(T0);
  final List<String> events = new ArrayList<>();
  NodeKey alice;
  NodeKey bob;
  TaskHeaderStore store;

  @BeforeEach
  void setUp() {
    long seed = System.nanoTime();
    System.out.println("TaskHeaderStoreTest seed=" + seed);
    TestKeys keys = new TestKeys(seed);
    alice = keys.next();
    bob = keys.next();
    store = newStore(GossipConfig.defaults());
  }

  TaskHeaderStore newStore(GossipConfig config) {
    TaskHeaderStore s = new TaskHeaderStore(hasher, clock, config);
    s.addListener(
        new TaskHeaderListener() {
          @Override
          public void headerAdded(TaskHeader h) {
            events.add("added " + h.image());
          }

          @Override
          public void headerRemoved(TaskHeader h, RemovalReason reason) {
            events.add(reason + " " + h.image());
          }
        });
    return s;
  }

  @Test
  void aValidHeaderIsKeptOnceAndListenersAreTold() {
    TaskHeader h = header(alice, 1, T0 + HOUR, hasher);
    assertThat(store.offer(h)).isEqualTo(Outcome.ADDED);
    assertThat(store.offer(header(alice, 1, T0 + HOUR, hasher))).isEqualTo(Outcome.DUPLICATE);
    assertThat(store.headers()).containsExactly(h);
    assertThat(store.header(h.id())).contains(h);
    assertThat(events).containsExactly("added golem/test:1");
    assertThat(store.offerCounts())
        .containsEntry(Outcome.ADDED, 1L)
        .containsEntry(Outcome.DUPLICATE, 1L);
  }

  @Test
  void headersWhoseRequestorSignatureDoesNotCheckAreRefused() {
    TaskHeader good = header(alice, 1, T0 + HOUR, hasher);
    // Bob claims Alice's header as his own: same fields, requestor Bob, Alice's signature.
    TaskHeader forged =
        new TaskHeader(
            good.taskId(),
            bob.address(),
            new org.jgolem.protocol.messages.p2p.NodeRecord(bob.address(), "127.0.0.1", 40102),
            good.environment(),
            good.image(),
            good.maxPricePerHour(),
            good.subtaskCount(),
            good.subtaskTimeoutSeconds(),
            good.deadline(),
            good.minMemoryMib(),
            good.minCpuCores(),
            good.concentEnabled(),
            good.signature());
    assertThat(store.offer(forged)).isEqualTo(Outcome.BAD_SIGNATURE);
    // Signed in another chain's domain.
    assertThat(store.offer(header(alice, 2, T0 + HOUR, new MessageHasher(1))))
        .isEqualTo(Outcome.BAD_SIGNATURE);
    // A garbage signature never throws.
    byte[] sig = good.signature();
    sig[64] = 99;
    TaskHeader garbled =
        new TaskHeader(
            good.taskId(),
            good.requestor(),
            good.requestorEndpoint(),
            good.environment(),
            good.image(),
            good.maxPricePerHour(),
            good.subtaskCount(),
            good.subtaskTimeoutSeconds(),
            good.deadline(),
            good.minMemoryMib(),
            good.minCpuCores(),
            good.concentEnabled(),
            sig);
    assertThat(store.offer(garbled)).isEqualTo(Outcome.BAD_SIGNATURE);
    assertThat(store.headers()).isEmpty();
    assertThat(events).isEmpty();
    assertThat(store.offerCounts()).containsEntry(Outcome.BAD_SIGNATURE, 3L);
  }

  @Test
  void headersPastTheirDeadlineOrTooFarAheadAreRefused() {
    assertThat(store.offer(header(alice, 1, T0, hasher))).isEqualTo(Outcome.EXPIRED);
    assertThat(store.offer(header(alice, 2, T0 - 1, hasher))).isEqualTo(Outcome.EXPIRED);
    assertThat(store.offer(header(alice, 3, T0 + Duration.ofDays(7).toMillis() + 1, hasher)))
        .isEqualTo(Outcome.DEADLINE_TOO_FAR);
    assertThat(store.offer(header(alice, 4, T0 + Duration.ofDays(7).toMillis(), hasher)))
        .isEqualTo(Outcome.ADDED);
    assertThat(store.headers()).hasSize(1);
  }

  @Test
  void expiredHeadersVanishAndArePurgedWithANotice() {
    store.offer(header(alice, 1, T0 + HOUR, hasher));
    store.offer(header(alice, 2, T0 + 2 * HOUR, hasher));
    store.offer(header(bob, 3, T0 + 3 * HOUR, hasher));
    assertThat(store.headers())
        .extracting(TaskHeader::image)
        .containsExactly("golem/test:1", "golem/test:2", "golem/test:3");
    clock.advance(Duration.ofHours(1));
    // not purged yet, but no longer returned
    assertThat(store.headers())
        .extracting(TaskHeader::image)
        .containsExactly("golem/test:2", "golem/test:3");
    assertThat(store.header(header(alice, 1, T0 + HOUR, hasher).id())).isEmpty();
    clock.advance(Duration.ofMinutes(90));
    assertThat(store.purgeExpired()).isEqualTo(2);
    assertThat(store.purgeExpired()).isZero();
    assertThat(events)
        .containsExactly(
            "added golem/test:1",
            "added golem/test:2",
            "added golem/test:3",
            "EXPIRED golem/test:1",
            "EXPIRED golem/test:2");
    assertThat(store.headers()).extracting(TaskHeader::image).containsExactly("golem/test:3");
  }

  @Test
  void eachRequestorKeepsAtMostTheCapAndTheNewestIsRefused() {
    for (int i = 0; i < 20; i++) {
      assertThat(store.offer(header(alice, i, T0 + HOUR + i, hasher))).isEqualTo(Outcome.ADDED);
    }
    assertThat(store.offer(header(alice, 20, T0 + HOUR, hasher)))
        .isEqualTo(Outcome.OVER_REQUESTOR_CAP);
    assertThat(store.offer(header(alice, 20, T0 + HOUR, hasher)))
        .isEqualTo(Outcome.OVER_REQUESTOR_CAP);
    assertThat(store.offer(header(bob, 20, T0 + HOUR, hasher))).isEqualTo(Outcome.ADDED);
    assertThat(store.liveCount(alice.address())).isEqualTo(20);
    assertThat(store.offerCounts()).containsEntry(Outcome.OVER_REQUESTOR_CAP, 2L);
    // the first of Alice's headers expires: room for one more, without waiting for the purge
    clock.advance(Duration.ofMillis(HOUR));
    assertThat(store.offer(header(alice, 20, T0 + 2 * HOUR, hasher))).isEqualTo(Outcome.ADDED);
    assertThat(events).contains("EXPIRED golem/test:0").doesNotContain("EXPIRED golem/test:1");
    assertThat(store.liveCount(alice.address())).isEqualTo(20);
  }

  @Test
  void theStoreAsAWholeIsBounded() {
    store = newStore(new GossipConfig(2, 3, Duration.ofDays(1), 10, Duration.ofSeconds(1)));
    assertThat(store.offer(header(alice, 1, T0 + HOUR, hasher))).isEqualTo(Outcome.ADDED);
    assertThat(store.offer(header(alice, 2, T0 + HOUR, hasher))).isEqualTo(Outcome.ADDED);
    assertThat(store.offer(header(bob, 3, T0 + HOUR, hasher))).isEqualTo(Outcome.ADDED);
    assertThat(store.offer(header(bob, 4, T0 + HOUR, hasher))).isEqualTo(Outcome.STORE_FULL);
  }

  @Test
  void aSignedRemovalDropsTheHeaderAndKeepsItOut() {
    TaskHeader h = header(alice, 1, T0 + HOUR, hasher);
    store.offer(h);
    store.offer(header(alice, 2, T0 + HOUR, hasher));
    TaskHeaderRemoved r = removal(alice, 1, T0, hasher);
    assertThat(store.remove(r)).isEqualTo(RemovalOutcome.REMOVED);
    assertThat(store.remove(r)).isEqualTo(RemovalOutcome.DUPLICATE);
    assertThat(store.headers()).extracting(TaskHeader::image).containsExactly("golem/test:2");
    assertThat(store.offer(h)).isEqualTo(Outcome.WITHDRAWN);
    assertThat(store.isWithdrawn(alice.address(), h.taskId())).isTrue();
    assertThat(store.liveCount(alice.address())).isEqualTo(1);
    assertThat(events)
        .containsExactly("added golem/test:1", "added golem/test:2", "WITHDRAWN golem/test:1");
  }

  @Test
  void aRemovalNotSignedByTheRequestorIsIgnored() {
    TaskHeader h = header(alice, 1, T0 + HOUR, hasher);
    store.offer(h);
    TaskHeaderRemoved bobs = removal(bob, 1, T0, hasher);
    TaskHeaderRemoved spoofed =
        new TaskHeaderRemoved(bobs.taskId(), alice.address(), bobs.removedAt(), bobs.signature());
    assertThat(store.remove(spoofed)).isEqualTo(RemovalOutcome.BAD_SIGNATURE);
    // Bob's own, valid removal concerns Bob's task 1, not Alice's
    assertThat(store.remove(bobs)).isEqualTo(RemovalOutcome.RECORDED);
    assertThat(store.headers()).containsExactly(h);
  }

  @Test
  void aRemovalThatArrivesFirstRefusesTheHeaderUntilItExpires() {
    assertThat(store.remove(removal(alice, 1, T0, hasher))).isEqualTo(RemovalOutcome.RECORDED);
    assertThat(store.offer(header(alice, 1, T0 + HOUR, hasher))).isEqualTo(Outcome.WITHDRAWN);
    assertThat(events).isEmpty();
    // the tombstone outlives any header that could have been live when it was made (maxLifetime, 7
    // days)
    clock.advance(Duration.ofDays(7).minusMillis(1));
    store.purgeExpired();
    assertThat(store.isWithdrawn(alice.address(), taskId(1))).isTrue();
    clock.advance(Duration.ofMillis(1));
    store.purgeExpired();
    assertThat(store.isWithdrawn(alice.address(), taskId(1))).isFalse();
  }

  @Test
  void tombstonesAreBounded() {
    store = newStore(new GossipConfig(20, 100, Duration.ofDays(1), 3, Duration.ofSeconds(1)));
    for (int i = 1; i <= 4; i++) {
      store.remove(removal(alice, i, T0, hasher));
    }
    assertThat(store.isWithdrawn(alice.address(), taskId(1))).isFalse();
    assertThat(store.isWithdrawn(alice.address(), taskId(4))).isTrue();
    assertThat(store.removalCounts()).containsEntry(RemovalOutcome.RECORDED, 4L);
  }
}
