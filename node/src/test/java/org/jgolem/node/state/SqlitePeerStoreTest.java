package org.jgolem.node.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.jgolem.eth.Address;
import org.jgolem.node.state.PeerStore.StoredPeer;
import org.jgolem.protocol.messages.p2p.NodeRecord;
import org.jgolem.testkit.FakeClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqlitePeerStoreTest {
  @TempDir Path dir;
  final FakeClock clock = new FakeClock(1_700_000_000_000L);

  static NodeRecord record(int n, int port) {
    return new NodeRecord(Address.of(java.math.BigInteger.valueOf(n)), "127.0.0.1", port);
  }

  @Test
  void peersSurviveReopening() {
    try (NodeDatabase db = NodeDatabase.open(dir, clock)) {
      PeerStore store = new SqlitePeerStore(db);
      store.seen(record(1, 4001), 1000);
      store.seen(record(2, 4002), 2000);
    }
    try (NodeDatabase db = NodeDatabase.open(dir, clock)) {
      PeerStore store = new SqlitePeerStore(db);
      assertThat(store.size()).isEqualTo(2);
      assertThat(store.load(10))
          .containsExactly(
              new StoredPeer(record(2, 4002), 2000, 2000, 0),
              new StoredPeer(record(1, 4001), 1000, 1000, 0));
    }
  }

  @Test
  void seenAgainUpdatesEndpointAndLastSeenButKeepsFirstSeenAndClearsFailures() {
    try (NodeDatabase db = NodeDatabase.open(dir, clock)) {
      PeerStore store = new SqlitePeerStore(db);
      store.seen(record(1, 4001), 1000);
      store.failed(record(1, 0 + 4001).nodeId());
      store.failed(record(1, 4001).nodeId());
      assertThat(store.load(1).get(0).failures()).isEqualTo(2);
      store.seen(record(1, 5001), 3000);
      assertThat(store.load(1)).containsExactly(new StoredPeer(record(1, 5001), 1000, 3000, 0));
      store.seen(record(1, 5001), 2500); // out-of-order report does not move last_seen back
      assertThat(store.load(1).get(0).lastSeen()).isEqualTo(3000);
    }
  }

  @Test
  void loadPrefersFewFailuresThenRecentAndRespectsTheLimit() {
    try (NodeDatabase db = NodeDatabase.open(dir, clock)) {
      PeerStore store = new SqlitePeerStore(db);
      for (int i = 1; i <= 5; i++) {
        store.seen(record(i, 4000 + i), 1000L * i);
      }
      store.failed(record(5, 0).nodeId()); // newest, but unreliable
      store.failed(record(9, 0).nodeId()); // unknown: ignored
      assertThat(store.load(3))
          .extracting(p -> p.record().port())
          .containsExactly(4004, 4003, 4002);
      assertThat(store.load(10))
          .extracting(p -> p.record().port())
          .containsExactly(4004, 4003, 4002, 4001, 4005);
      assertThat(store.size()).isEqualTo(5);
    }
  }

  @Test
  void pruneAndRemove() {
    try (NodeDatabase db = NodeDatabase.open(dir, clock)) {
      PeerStore store = new SqlitePeerStore(db);
      store.seen(record(1, 4001), 1);
      store.seen(record(2, 4002), 2);
      store.seen(record(3, 4003), 3);
      for (int i = 0; i < 3; i++) {
        store.failed(record(1, 0).nodeId());
      }
      store.failed(record(2, 0).nodeId());
      assertThat(store.prune(3)).isEqualTo(1);
      store.remove(record(3, 0).nodeId());
      assertThat(store.load(10))
          .extracting(p -> p.record().nodeId())
          .containsExactly(record(2, 0).nodeId());
    }
  }
}
