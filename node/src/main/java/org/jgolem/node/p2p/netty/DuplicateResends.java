package org.jgolem.node.p2p.netty;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.Payload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recent market messages of a session that ended as a duplicate ({@link
 * NettyPeer#recentMarketMessages}), sent again on the session kept with that node: at once if it is
 * open, else once it is admitted (if within {@link NettyPeer#RECENT_MILLIS} of the clock).
 */
final class DuplicateResends {
  private static final Logger LOG = LoggerFactory.getLogger(DuplicateResends.class);

  private record Pending(List<Payload> payloads, long sinceMillis) {}

  private final Map<Address, Pending> pending = new ConcurrentHashMap<>();
  private final Clock clock;
  private final LongAdder resent;

  DuplicateResends(Clock clock, LongAdder resent) {
    this.clock = clock;
    this.resent = resent;
  }

  /** ended closed as a duplicate; kept is the active session with that node, if any. */
  void ended(NettyPeer ended, NettyPeer kept) {
    List<Payload> again = ended.recentMarketMessages();
    if (again.isEmpty()) return;
    if (kept != null && kept != ended) {
      resend(kept, again);
    } else {
      pending.merge(
          ended.id(),
          new Pending(again, clock.millis()),
          (a, b) ->
              new Pending(
                  Stream.concat(a.payloads().stream(), b.payloads().stream()).toList(),
                  b.sinceMillis()));
    }
  }

  /** A session was admitted: what waited for it is sent now. */
  void started(NettyPeer peer) {
    Pending p = pending.remove(peer.id());
    if (p != null && clock.millis() - p.sinceMillis() <= NettyPeer.RECENT_MILLIS) {
      resend(peer, p.payloads());
    }
  }

  private void resend(NettyPeer kept, List<Payload> payloads) {
    LOG.debug(
        "sending {} message(s) again to {} on the session kept instead of a duplicate",
        payloads.size(),
        kept.id());
    resent.add(payloads.size());
    for (Payload p : payloads) kept.send(p);
  }
}
