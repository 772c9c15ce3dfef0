package org.jgolem.node.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jgolem.eth.Address;
import org.jgolem.node.p2p.Peer;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.p2p.Disconnect;
import org.jgolem.protocol.messages.p2p.FindNode;
import org.jgolem.protocol.messages.p2p.Neighbours;
import org.jgolem.protocol.messages.p2p.NodeRecord;
import org.jgolem.testkit.FakeClock;
import org.jgolem.testkit.ManualScheduler;
import org.junit.jupiter.api.Test;

class FindNodeRequestsTest {
  final FakeClock clock = new FakeClock(1_000_000);
  final ManualScheduler scheduler = new ManualScheduler(clock);
  final FindNodeRequests requests = new FindNodeRequests(scheduler, Duration.ofSeconds(2));

  static Address id(int n) {
    return Address.of(BigInteger.valueOf(n));
  }

  static NodeRecord rec(int n) {
    return new NodeRecord(id(n), "127.0.0.1", 4000 + n);
  }

  /** A session stub that records what is sent on it. */
  static final class StubPeer implements Peer {
    final NodeRecord record;
    final List<Payload> sent = new CopyOnWriteArrayList<>();
    boolean failSends;

    StubPeer(int n) {
      this.record = rec(n);
    }

    @Override
    public Address id() {
      return record.nodeId();
    }

    @Override
    public NodeRecord record() {
      return record;
    }

    @Override
    public List<String> capabilities() {
      return List.of();
    }

    @Override
    public boolean outbound() {
      return true;
    }

    @Override
    public boolean isActive() {
      return true;
    }

    @Override
    public CompletableFuture<Void> send(Envelope envelope) {
      return send(envelope.payload());
    }

    @Override
    public CompletableFuture<Void> send(Payload payload) {
      if (failSends) {
        return CompletableFuture.failedFuture(new IllegalStateException("closed"));
      }
      sent.add(payload);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void disconnect(Disconnect.Reason reason) {}
  }

  static DiscoveryException.Reason failure(CompletableFuture<?> f) {
    assertThat(f).isCompletedExceptionally();
    return f.handle((v, e) -> ((DiscoveryException) e).reason()).join();
  }

  @Test
  void anAnswerIsMatchedByPeerAndTarget() {
    StubPeer a = new StubPeer(1);
    StubPeer b = new StubPeer(2);
    CompletableFuture<List<NodeRecord>> toA = requests.request(a, id(100));
    CompletableFuture<List<NodeRecord>> toB = requests.request(b, id(100));
    assertThat(a.sent).containsExactly(new FindNode(id(100)));
    // right peer, wrong target; right target, another peer that was not asked
    assertThat(requests.answer(a.id(), new Neighbours(id(101), List.of(rec(5))))).isFalse();
    assertThat(requests.answer(id(3), new Neighbours(id(100), List.of(rec(5))))).isFalse();
    assertThat(toA).isNotDone();
    assertThat(requests.answer(a.id(), new Neighbours(id(100), List.of(rec(5), rec(6))))).isTrue();
    assertThat(toA).isCompletedWithValue(List.of(rec(5), rec(6)));
    assertThat(toB).isNotDone();
    // a second copy of the same answer matches nothing any more
    assertThat(requests.answer(a.id(), new Neighbours(id(100), List.of()))).isFalse();
    assertThat(requests.size()).isEqualTo(1);
  }

  @Test
  void theSameRequestInFlightIsSentOnceAndShared() {
    StubPeer a = new StubPeer(1);
    CompletableFuture<List<NodeRecord>> first = requests.request(a, id(100));
    CompletableFuture<List<NodeRecord>> second = requests.request(a, id(100));
    assertThat(second).isSameAs(first);
    assertThat(a.sent).hasSize(1);
    requests.answer(a.id(), new Neighbours(id(100), List.of()));
    requests.request(a, id(100));
    assertThat(a.sent).hasSize(2); // done, so a new request goes out
  }

  @Test
  void aRequestWithoutAnswerTimesOut() {
    StubPeer a = new StubPeer(1);
    CompletableFuture<List<NodeRecord>> f = requests.request(a, id(100));
    scheduler.advance(Duration.ofMillis(1_999));
    assertThat(f).isNotDone();
    scheduler.advance(Duration.ofMillis(1));
    assertThat(failure(f)).isEqualTo(DiscoveryException.Reason.TIMEOUT);
    assertThat(requests.answer(a.id(), new Neighbours(id(100), List.of()))).isFalse(); // late
    assertThat(requests.size()).isZero();
  }

  @Test
  void answeredRequestsCancelTheirTimer() {
    StubPeer a = new StubPeer(1);
    requests.request(a, id(100));
    assertThat(scheduler.pending()).isEqualTo(1);
    requests.answer(a.id(), new Neighbours(id(100), List.of()));
    assertThat(scheduler.pending()).isZero();
  }

  @Test
  void requestsFailWhenTheSessionEndsOrDiscoveryStops() {
    StubPeer a = new StubPeer(1);
    StubPeer b = new StubPeer(2);
    CompletableFuture<List<NodeRecord>> toA = requests.request(a, id(100));
    CompletableFuture<List<NodeRecord>> toB = requests.request(b, id(100));
    requests.peerGone(a.id());
    assertThat(failure(toA)).isEqualTo(DiscoveryException.Reason.DISCONNECTED);
    assertThat(requests.isWaitingFor(b.id())).isTrue();
    StubPeer c = new StubPeer(3);
    c.failSends = true;
    assertThat(failure(requests.request(c, id(100))))
        .isEqualTo(DiscoveryException.Reason.DISCONNECTED);
    requests.close();
    assertThat(failure(toB)).isEqualTo(DiscoveryException.Reason.STOPPED);
    assertThat(failure(requests.request(a, id(7)))).isEqualTo(DiscoveryException.Reason.STOPPED);
  }
}
