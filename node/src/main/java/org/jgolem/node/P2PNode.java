package org.jgolem.node;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jgolem.eth.Address;
import org.jgolem.node.discovery.Discovery;
import org.jgolem.node.gossip.TaskHeaderGossip;
import org.jgolem.node.gossip.TaskHeaderStore;
import org.jgolem.node.p2p.P2PConfig;
import org.jgolem.node.p2p.P2PNetwork;
import org.jgolem.node.state.NodeDatabase;
import org.jgolem.node.state.SqlitePeerStore;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.MessageHasher;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskHeaderRemoved;
import org.jgolem.protocol.messages.p2p.NodeRecord;

/**
 * The P2P side of a node: sessions, discovery and task-header gossip over one SQLite database.
 * Starts the network, then gossip, then discovery; stops them in reverse and closes the database.
 * Starting twice fails; stopping is idempotent. The scheduler (one thread) runs discovery's
 * maintenance, request timeouts, database writes and the header purge.
 */
public final class P2PNode implements AutoCloseable {
  /**
   * Builds the node's (unstarted) network from its key and settings: Netty, or in-memory in tests.
   */
  @FunctionalInterface
  public interface NetworkFactory {
    P2PNetwork create(NodeKey key, P2PConfig config);
  }

  private enum State {
    IDLE,
    RUNNING,
    STOPPED
  }

  private final NodeKey key;
  private final P2PNetwork network;
  private final NodeDatabase database;
  private final Discovery discovery;
  private final TaskHeaderGossip gossip;
  private final ScheduledExecutorService scheduler;
  private State state = State.IDLE;

  public P2PNode(
      NodeKey key,
      P2PNetwork network,
      NodeDatabase database,
      Discovery discovery,
      TaskHeaderGossip gossip,
      ScheduledExecutorService scheduler) {
    this.key = key;
    this.network = network;
    this.database = database;
    this.discovery = discovery;
    this.gossip = gossip;
    this.scheduler = scheduler;
  }

  /**
   * Opens the database in {@code config.dataDir()} and wires the parts; nothing runs until {@link
   * #start()}.
   */
  public static P2PNode create(
      NodeKey key, P2PNodeConfig config, NetworkFactory networks, Clock clock, Random random) {
    config.validate();
    NodeDatabase database = NodeDatabase.open(config.dataDir(), clock);
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "p2p-node-" + key.address().hex().substring(2, 10));
          t.setDaemon(true);
          return t;
        });
    try {
      P2PNetwork network = networks.create(key, config.p2p());
      TaskHeaderStore store =
          new TaskHeaderStore(new MessageHasher(config.p2p().chainId()), clock, config.gossip());
      TaskHeaderGossip gossip = new TaskHeaderGossip(network, store, scheduler, config.gossip());
      Discovery discovery =
          new Discovery(
              key.address(),
              network,
              new SqlitePeerStore(database),
              config.discovery(),
              clock,
              scheduler,
              random);
      return new P2PNode(key, network, database, discovery, gossip, scheduler);
    } catch (RuntimeException e) {
      scheduler.shutdownNow();
      database.close();
      throw e;
    }
  }

  public synchronized void start() {
    if (state != State.IDLE) {
      throw new IllegalStateException("node " + key.address() + " was already started");
    }
    state = State.RUNNING;
    network.start();
    gossip.start();
    discovery.start();
  }

  /** Stops discovery, gossip and the network, then closes the database. Idempotent. */
  public synchronized void stop() {
    if (state == State.STOPPED) {
      return;
    }
    state = State.STOPPED;
    discovery.stop();
    gossip.stop();
    network.close();
    scheduler.shutdown();
    try {
      if (!scheduler.awaitTermination(2, TimeUnit.SECONDS)) {
        scheduler.shutdownNow();
      }
    } catch (InterruptedException e) {
      scheduler.shutdownNow();
      Thread.currentThread().interrupt();
    }
    database.close();
  }

  @Override
  public void close() {
    stop();
  }

  public Address id() {
    return key.address();
  }

  /** This node's id and advertised endpoint (known once started). */
  public NodeRecord self() {
    return network.self();
  }

  /**
   * Publishes a requestor-signed header to the network; anything but ADDED was refused (and not
   * sent).
   */
  public TaskHeaderStore.Outcome publish(TaskHeader header) {
    return gossip.publish(header);
  }

  public TaskHeaderStore.RemovalOutcome withdraw(TaskHeaderRemoved removal) {
    return gossip.withdraw(removal);
  }

  public CompletableFuture<Optional<NodeRecord>> lookup(Address id) {
    return discovery.lookup(id);
  }

  public List<TaskHeader> knownHeaders() {
    return gossip.knownHeaders();
  }

  public Discovery discovery() {
    return discovery;
  }

  public TaskHeaderGossip gossip() {
    return gossip;
  }

  public P2PNetwork network() {
    return network;
  }
}
