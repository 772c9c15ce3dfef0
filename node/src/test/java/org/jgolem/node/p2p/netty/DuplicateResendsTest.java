package org.jgolem.node.p2p.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.jgolem.node.p2p.P2PConfig;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.market.CannotAssignTask;
import org.jgolem.protocol.messages.p2p.NodeRecord;
import org.jgolem.testkit.FakeClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The window in which a session's market messages count as recent, and are sent again after it ends
 * as a duplicate, on the network's clock: a fake one moved to the window's edge, to the
 * millisecond, instead of waiting 3 s. Sessions over embedded channels (what a session writes stays
 * in its channel's outbound queue).
 */
class DuplicateResendsTest {
  final FakeClock clock = new FakeClock(1_700_000_000_000L);
  final EventLoops loops =
      EventLoops.create(1, "test-resends"); // never used: the node is not started
  final NettyP2PNetwork node =
      new NettyP2PNetwork(NettyP2PNetworkTest.key(1), P2PConfig.loopback(), clock, loops);
  final NodeRecord other = new NodeRecord(NettyP2PNetworkTest.key(2).address(), "127.0.0.1", 4000);
  final LongAdder resent = new LongAdder();
  final DuplicateResends resends = new DuplicateResends(clock, resent);

  @AfterEach
  void close() {
    node.close();
    loops.close();
  }

  private NettyPeer session() {
    return new NettyPeer(node, new EmbeddedChannel(), other, true, new byte[32], List.of());
  }

  private static Payload marketMessage() {
    return new CannotAssignTask(new byte[32], CannotAssignTask.Reason.NO_MORE_SUBTASKS);
  }

  private static List<MessageType> written(NettyPeer session) {
    EmbeddedChannel ch = (EmbeddedChannel) session.channel();
    return ch.outboundMessages().stream().map(m -> ((Envelope) m).type()).toList();
  }

  @Test
  void aMessageIsRecentForThreeSecondsOfTheClock() {
    NettyPeer s = session();
    s.send(marketMessage());
    clock.advance(Duration.ofMillis(NettyPeer.RECENT_MILLIS));
    assertThat(s.recentMarketMessages()).hasSize(1);
    clock.advance(1);
    assertThat(s.recentMarketMessages()).isEmpty();
  }

  @Test
  void whatWaitsForTheKeptSessionIsSentIfItIsAdmittedWithinTheWindow() {
    NettyPeer duplicate = session();
    duplicate.send(marketMessage());
    resends.ended(duplicate, null); // the kept session is not admitted yet
    clock.advance(Duration.ofMillis(NettyPeer.RECENT_MILLIS));
    NettyPeer kept = session();
    resends.started(kept);
    assertThat(written(kept)).containsExactly(MessageType.CANNOT_ASSIGN_TASK);
    assertThat(resent.sum()).isEqualTo(1);
  }

  @Test
  void whatWaitsForTheKeptSessionIsDroppedIfItIsAdmittedLater() {
    NettyPeer duplicate = session();
    duplicate.send(marketMessage());
    resends.ended(duplicate, null);
    clock.advance(Duration.ofMillis(NettyPeer.RECENT_MILLIS + 1));
    NettyPeer kept = session();
    resends.started(kept);
    assertThat(written(kept)).isEmpty();
    assertThat(resent.sum()).isZero();
    // and it does not wait for a later session either
    NettyPeer later = session();
    resends.started(later);
    assertThat(written(later)).isEmpty();
  }
}
