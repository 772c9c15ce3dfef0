package org.jgolem.ipfs.testutil;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.jgolem.ipfs.ResourceStoreConfig;
import org.jgolem.ipfs.embedded.EmbeddedResourceStore;
import org.jgolem.ipfs.exchange.BlockExchange;
import org.jgolem.ipfs.exchange.GatewayServer;
import org.jgolem.ipfs.exchange.Peer;
import org.jgolem.ipfs.exchange.PeerReports;
import org.jgolem.ipfs.exchange.Providers;

/**
 * A node for tests: an embedded store in its own folder, serving its trustless gateway on
 * 127.0.0.1.
 */
public final class TestNode implements AutoCloseable {
  public final String id;
  public final EmbeddedResourceStore store;
  public final GatewayServer gateway;
  public final Peer peer;
  private final AtomicReference<BlockExchange.Stats> lastFetch = new AtomicReference<>();

  private TestNode(String id, EmbeddedResourceStore store, GatewayServer gateway) {
    this.id = id;
    this.store = store;
    this.gateway = gateway;
    this.peer = new Peer(id, gateway.uri());
    store.onFetch(lastFetch::set);
  }

  /** The statistics of this node's last fetch, or null. */
  public BlockExchange.Stats lastFetch() {
    return lastFetch.get();
  }

  public static TestNode start(
      Path dir,
      String id,
      Providers providers,
      PeerReports reports,
      UnaryOperator<ResourceStoreConfig> tweak)
      throws IOException, InterruptedException {
    ResourceStoreConfig c =
        tweak.apply(ResourceStoreConfig.embedded(dir.resolve(id)).withDurable(false));
    EmbeddedResourceStore s = EmbeddedResourceStore.open(c, providers, reports);
    return new TestNode(id, s, s.serve(new InetSocketAddress("127.0.0.1", 0)));
  }

  public static TestNode start(Path dir, String id, Providers providers)
      throws IOException, InterruptedException {
    return start(dir, id, providers, PeerReports.none(), c -> c);
  }

  @Override
  public void close() throws IOException {
    store.close();
  }
}
