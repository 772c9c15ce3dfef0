package org.jgolem.node.p2p.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.jgolem.eth.Address;
import org.jgolem.node.p2p.P2PException;
import org.jgolem.node.p2p.Peer;
import org.jgolem.protocol.messages.p2p.Disconnect;

/**
 * The outbound connections of a {@link NettyP2PNetwork} being dialled: a TCP connect whose pipeline
 * runs the initiator's handshake; one dial at a time per endpoint and expected id (a second caller
 * shares the first one's).
 */
final class Dials {
  private final NettyP2PNetwork node;
  private final Map<String, CompletableFuture<Peer>> dialing = new ConcurrentHashMap<>();

  Dials(NettyP2PNetwork node) {
    this.node = node;
  }

  /**
   * Dials host:port, expecting expectedId (null: any); completes with the session once admitted.
   */
  CompletableFuture<Peer> dial(String host, int port, Address expectedId) {
    String dialKey = host + ":" + port + "/" + expectedId;
    CompletableFuture<Peer> promise = new CompletableFuture<>();
    CompletableFuture<Peer> inFlight =
        dialing.compute(dialKey, (k, old) -> old != null && !old.isDone() ? old : promise);
    if (inFlight != promise) {
      return inFlight.copy();
    }
    promise.whenComplete((p, t) -> dialing.remove(dialKey, promise));
    Bootstrap b =
        new Bootstrap()
            .group(node.loops().group())
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, node.config().handshakeTimeout().toMillis()))
            .handler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    node.initPipeline(
                        ch, HandshakeHandler.initiator(node, host, port, expectedId, promise));
                  }
                });
    b.connect(host, port)
        .addListener((ChannelFuture f) -> {
          if (!f.isSuccess()) {
            promise.completeExceptionally(f.cause());
          }
        });
    return promise.copy();
  }

  /** The network is closing: every dial in flight fails with SHUTTING_DOWN. */
  void failAll() {
    for (CompletableFuture<Peer> f : dialing.values()) {
      f.completeExceptionally(new P2PException(Disconnect.Reason.SHUTTING_DOWN, "network closed"));
    }
  }
}
