package org.jgolem.node.p2p.netty;

import java.util.concurrent.atomic.LongAdder;

/** The counters behind {@link NettyP2PNetwork.Stats}, written by the network and its handlers. */
final class NetworkCounters {
  final LongAdder framesReceived = new LongAdder();
  final LongAdder handshakesCompleted = new LongAdder();
  final LongAdder handshakesFailed = new LongAdder();
  final LongAdder connectionsRefused = new LongAdder();
  final LongAdder messagesRefused = new LongAdder();
  final LongAdder rateLimited = new LongAdder();

  /** Failures that are not a refusal this code expects (a bug here or in a codec). */
  final LongAdder unexpectedErrors = new LongAdder();

  /** Market messages sent again because their session ended as a duplicate. */
  final LongAdder resentAfterDuplicate = new LongAdder();

  NettyP2PNetwork.Stats stats() {
    return new NettyP2PNetwork.Stats(
        framesReceived.sum(),
        handshakesCompleted.sum(),
        handshakesFailed.sum(),
        connectionsRefused.sum(),
        messagesRefused.sum(),
        rateLimited.sum(),
        unexpectedErrors.sum(),
        resentAfterDuplicate.sum());
  }
}
