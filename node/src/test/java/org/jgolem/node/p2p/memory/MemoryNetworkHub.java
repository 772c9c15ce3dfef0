package org.jgolem.node.p2p.memory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jgolem.node.p2p.P2PConfig;
import org.jgolem.protocol.identity.NodeKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "wire" between in-memory nodes: an address book of endpoints and one FIFO queue of
 * deliveries, so that messages of a session arrive in the order they were sent and every listener
 * runs on one thread.
 *
 * <p>Two modes. {@link #threaded()} runs deliveries on one daemon thread, like a real network
 * ({@link #awaitIdle} waits until nothing is in flight). {@link #manual()} runs them only when a
 * test calls {@link #deliverAll()}, on the test's thread: deterministic, no waiting.
 */
public final class MemoryNetworkHub implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MemoryNetworkHub.class);
  private static final AtomicInteger HUBS = new AtomicInteger();
  private static final int FIRST_PORT = 30_000;

  private final boolean manual;
  private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
  private final Map<String, MemoryP2PNetwork> endpoints = new ConcurrentHashMap<>();
  private final List<MemoryP2PNetwork> nodes = new ArrayList<>();
  private final Thread thread;
  private int nextPort = FIRST_PORT;
  private int inFlight;
  private boolean closed;

  private MemoryNetworkHub(boolean manual) {
    this.manual = manual;
    if (manual) {
      thread = null;
    } else {
      thread = new Thread(this::run, "memory-p2p-" + HUBS.incrementAndGet());
      thread.setDaemon(true);
      thread.start();
    }
  }

  /** Deliveries run on a daemon thread of the hub. */
  public static MemoryNetworkHub threaded() {
    return new MemoryNetworkHub(false);
  }

  /** Deliveries run only in {@link #deliverAll()}. */
  public static MemoryNetworkHub manual() {
    return new MemoryNetworkHub(true);
  }

  /** A node on this hub; call {@link MemoryP2PNetwork#start()} to make it reachable. */
  public MemoryP2PNetwork newNode(NodeKey key, P2PConfig config, Clock clock) {
    MemoryP2PNetwork node = new MemoryP2PNetwork(this, key, config.validate(), clock);
    synchronized (this) {
      nodes.add(node);
    }
    return node;
  }

  /**
   * Manual mode: runs queued deliveries, and those they cause, until none is left; returns how many
   * ran.
   */
  public int deliverAll() {
    if (!manual) {
      throw new IllegalStateException("deliverAll() is for a manual hub; use awaitIdle()");
    }
    int n = 0;
    for (Runnable task; (task = poll()) != null; n++) {
      runSafely(task);
      synchronized (this) {
        inFlight--;
      }
    }
    return n;
  }

  /** Threaded mode: waits until no delivery is queued or running; false on timeout. */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (this) {
      while (inFlight > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        wait(Math.max(1, left / 1_000_000));
      }
      return true;
    }
  }

  /** Closes every node of the hub and stops its thread. */
  @Override
  public void close() {
    List<MemoryP2PNetwork> all;
    synchronized (this) {
      all = new ArrayList<>(nodes);
    }
    all.forEach(MemoryP2PNetwork::close);
    if (manual) {
      deliverAll();
    }
    synchronized (this) {
      closed = true;
      queue.clear();
      inFlight = 0;
      notifyAll();
    }
  }

  void execute(Runnable task) {
    synchronized (this) {
      if (closed) {
        return;
      }
      queue.addLast(task);
      inFlight++;
      notifyAll();
    }
  }

  synchronized int allocatePort() {
    return nextPort++;
  }

  void register(String host, int port, MemoryP2PNetwork node) {
    if (endpoints.putIfAbsent(key(host, port), node) != null) {
      throw new IllegalStateException("address in use: " + host + ":" + port);
    }
  }

  void unregister(String host, int port, MemoryP2PNetwork node) {
    endpoints.remove(key(host, port), node);
  }

  MemoryP2PNetwork lookup(String host, int port) {
    return endpoints.get(key(host, port));
  }

  private static String key(String host, int port) {
    return host + ":" + port;
  }

  private synchronized Runnable poll() {
    return queue.pollFirst();
  }

  private void run() {
    while (true) {
      Runnable task;
      synchronized (this) {
        while (queue.isEmpty() && !closed) {
          try {
            wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) {
          return;
        }
        task = queue.pollFirst();
      }
      runSafely(task);
      synchronized (this) {
        inFlight--;
        if (inFlight == 0) {
          notifyAll();
        }
      }
    }
  }

  private static void runSafely(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException | Error e) {
      LOG.error("in-memory delivery failed", e);
    }
  }
}
