package org.jgolem.node.p2p.netty;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The threads that run P2P sessions, shareable by many {@link NettyP2PNetwork}s: a node costs no
 * thread of its own, so hundreds of nodes fit in one JVM. Wraps Netty's group so that callers need
 * no Netty type.
 */
public final class EventLoops implements AutoCloseable {
  private static volatile EventLoops shared;

  private final EventLoopGroup group;
  private final boolean closeable;

  private EventLoops(int threads, String name, boolean closeable) {
    this.group =
        new MultiThreadIoEventLoopGroup(
            threads, new DefaultThreadFactory(name, true), NioIoHandler.newFactory());
    this.closeable = closeable;
  }

  /** A group of {@code threads} daemon threads; close it after the networks that use it. */
  public static EventLoops create(int threads, String name) {
    if (threads < 1) {
      throw new IllegalArgumentException("p2p event loop threads must be at least 1");
    }
    return new EventLoops(threads, name, true);
  }

  /**
   * The process-wide default: min(2, cores) daemon threads, created on first use and never closed
   * ({@link #close()} on it does nothing).
   */
  public static EventLoops shared() {
    EventLoops s = shared;
    if (s == null) {
      synchronized (EventLoops.class) {
        s = shared;
        if (s == null) {
          s = new EventLoops(Math.min(2, Runtime.getRuntime().availableProcessors()), "p2p", false);
          shared = s;
        }
      }
    }
    return s;
  }

  EventLoopGroup group() {
    return group;
  }

  @Override
  public void close() {
    if (closeable) {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }
}
