package org.jgolem.ipfs.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jgolem.ipfs.multiformats.Cid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The choice of a peer for a unit of a fetch, and what is left of a unit after a failure; no
 * network, no waiting.
 */
@Timeout(10)
class FetchPeersTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.ofEpochSecond(1_700_000_000), ZoneOffset.UTC);
  private final Peer a = new Peer("a", URI.create("http://a"));
  private final Peer b = new Peer("b", URI.create("http://b"));
  private final List<Long> pauses = new ArrayList<>();

  private static Cid cid(String s) {
    return Cid.raw(s.getBytes(StandardCharsets.UTF_8));
  }

  private FetchPeers peers(List<Peer> announced) {
    return new FetchPeers(() -> announced, CLOCK, pauses::add);
  }

  @Test
  void choosesAPeerNotTriedYetThenTheLeastLoaded() {
    FetchPeers peers = peers(List.of(a, b));
    FetchUnit u = new FetchUnit(List.of(cid("x")));
    u.tried.add(a);
    assertThat(peers.choose(u)).isEqualTo(b);
    FetchUnit v = new FetchUnit(List.of(cid("y")));
    Peer first = peers.choose(v);
    peers.started(first);
    assertThat(peers.choose(v)).isNotEqualTo(first);
    peers.finished(first);
    assertThat(pauses).isEmpty();
  }

  @Test
  void afterEveryPeerFailedAUnitAllAreTriedAgainAfterAPauseThatGrowsEachRound() {
    FetchPeers peers = peers(List.of(a, b));
    FetchUnit u = new FetchUnit(List.of(cid("x")));
    for (int round = 1; round <= 3; round++) {
      u.tried.addAll(Set.of(a, b));
      assertThat(peers.choose(u)).isIn(a, b);
      assertThat(u.rounds).isEqualTo(round);
    }
    assertThat(pauses).containsExactly(50L, 100L, 150L);
  }

  @Test
  void noPeerWhenNoneAnnouncedOrAllAreBannedAndTheDiagnosisSaysWhy() {
    assertThat(peers(List.of()).choose(new FetchUnit(List.of(cid("x"))))).isNull();
    assertThat(peers(List.of()).diagnosis()).isEqualTo("no peer announced it");
    FetchPeers peers = peers(List.of(a, b));
    peers.ban(a);
    peers.failed(b, "HTTP 500");
    assertThat(peers.choose(new FetchUnit(List.of(cid("x"))))).isEqualTo(b);
    peers.ban(b);
    assertThat(peers.choose(new FetchUnit(List.of(cid("x"))))).isNull();
    assertThat(peers.diagnosis())
        .isEqualTo("peers tried: a (served corrupted blocks); b (served corrupted blocks)");
    FetchPeers other = peers(List.of(a, b));
    other.choose(new FetchUnit(List.of(cid("x"))));
    other.failed(b, "HTTP 500");
    assertThat(other.diagnosis()).isEqualTo("peers tried: a (no answer); b (HTTP 500)");
  }

  @Test
  void whatIsLeftOfARangeAreTheRunsAroundTheLeavesThatArrivedRememberingThePeer() {
    List<FetchUnit.Leaf> leaves = new ArrayList<>();
    for (int i = 0; i < 5; i++) leaves.add(new FetchUnit.Leaf(cid("l" + i), i, i * 10L, 10, -1));
    FetchUnit u = new FetchUnit(cid("parent"), leaves);
    u.tried.add(b);
    Set<Cid> stored = Set.of(leaves.get(2).cid());
    List<FetchUnit> left = u.remaining(a, stored::contains);
    assertThat(left).hasSize(2);
    assertThat(left.get(0).leaves).containsExactly(leaves.get(0), leaves.get(1));
    assertThat(left.get(1).leaves).containsExactly(leaves.get(3), leaves.get(4));
    assertThat(left).allSatisfy(r -> assertThat(r.tried).containsExactlyInAnyOrder(a, b));

    FetchUnit blocks = new FetchUnit(List.of(cid("p"), cid("q")));
    assertThat(blocks.remaining(a, c -> true)).isEmpty();
    assertThat(blocks.remaining(a, c -> c.equals(cid("p"))).get(0).blocks)
        .containsExactly(cid("q"));
  }
}
