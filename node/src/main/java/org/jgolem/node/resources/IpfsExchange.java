package org.jgolem.node.resources;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jgolem.ipfs.FileTrees;
import org.jgolem.ipfs.ResourceStoreConfig;
import org.jgolem.ipfs.embedded.EmbeddedResourceStore;
import org.jgolem.ipfs.exchange.GatewayServer;
import org.jgolem.ipfs.exchange.Peer;
import org.jgolem.ipfs.exchange.PeerReports;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.node.market.ResourceExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The market's {@link ResourceExchange} over ipfs-bridge's embedded store: resources are UnixFS
 * DAGs named by CIDv1, served by this node's Trustless Gateway, and fetched block by verified block
 * from the gateways of the peers that hold them (the requestor for inputs, the provider for
 * results).
 */
public final class IpfsExchange implements ResourceExchange, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IpfsExchange.class);

  private final EmbeddedResourceStore store;
  private final GatewayServer gateway;
  private final Map<Cid, List<Peer>> sources;

  private IpfsExchange(
      EmbeddedResourceStore store, GatewayServer gateway, Map<Cid, List<Peer>> sources) {
    this.store = store;
    this.gateway = gateway;
    this.sources = sources;
  }

  /**
   * Opens the store under {@code dir} and serves its gateway on {@code host:port} (0: any free
   * port).
   */
  public static IpfsExchange open(Path dir, String host, int port) throws IOException {
    Map<Cid, List<Peer>> sources = new ConcurrentHashMap<>();
    PeerReports reports =
        new PeerReports() {
          @Override
          public void corruptBlock(Peer peer, Cid cid, String detail) {
            LOG.warn("Gateway {} served a corrupted block {}: {}", peer.gateway(), cid, detail);
          }

          @Override
          public void failed(Peer peer, String detail) {
            LOG.debug("Gateway {} failed: {}", peer.gateway(), detail);
          }
        };
    EmbeddedResourceStore store =
        EmbeddedResourceStore.open(
            ResourceStoreConfig.embedded(dir),
            root -> sources.getOrDefault(root, List.of()),
            reports);
    try {
      GatewayServer gateway = store.serve(new InetSocketAddress(host, port));
      return new IpfsExchange(store, gateway, sources);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      store.close();
      throw new InterruptedIOException("interrupted while starting the gateway");
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /**
   * The DAG of {@code cid}, held here, as a CARv1 whose root is {@code cid}: what a provider
   * uploads to Concent's storage (use case 2).
   */
  public byte[] exportCar(String cid) throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    org.jgolem.concent.storage.CarExport.fromBlocks(store.blockStore()::get, Cid.parse(cid), out);
    return out.toByteArray();
  }

  /**
   * Unpacks a CAR of the DAG {@code cid} (from Concent's storage) into {@code target}, after
   * checking every block against its CID, the single root and the DAG's completeness.
   */
  public static void importCar(String cid, byte[] car, Path target) throws IOException {
    Cid root = Cid.parse(cid);
    try {
      org.jgolem.concent.storage.CarVerifier.verify(new java.io.ByteArrayInputStream(car), root);
    } catch (org.jgolem.concent.storage.CarRejectedException e) {
      throw new IOException("the CAR of " + cid + " is refused: " + e.getMessage(), e);
    }
    java.util.Map<Cid, byte[]> blocks = new java.util.HashMap<>();
    org.jgolem.ipfs.car.CarReader reader =
        new org.jgolem.ipfs.car.CarReader(
            new java.io.ByteArrayInputStream(car), org.jgolem.ipfs.store.BlockStore.MAX_BLOCK_SIZE);
    for (org.jgolem.ipfs.car.CarReader.Block b = reader.next(); b != null; b = reader.next()) {
      blocks.put(b.cid(), b.data());
    }
    new org.jgolem.ipfs.unixfs.DagReader(
            c -> {
              byte[] data = blocks.get(c);
              if (data == null) {
                throw new IOException("block " + c + " is not in the CAR");
              }
              return data;
            },
            false)
        .export(root, target);
  }

  @Override
  public String publish(Path folder, String scope) throws IOException {
    return store.add(folder, scope).toString();
  }

  @Override
  public void fetch(String cid, Path target, List<URI> from, long maxBytes, Duration timeout)
      throws IOException {
    fetch(cid, target, from, maxBytes, true);
  }

  @Override
  public void fetchScratch(String cid, Path target, List<URI> from, long maxBytes, Duration timeout)
      throws IOException {
    fetch(cid, target, from, maxBytes, false);
  }

  @Override
  public long prefetch(String cid, List<URI> from, long maxBytes, Duration timeout)
      throws IOException {
    Cid root = parse(cid);
    addSources(root, from);
    long size;
    try {
      size = store.prefetch(root, maxBytes);
    } finally {
      sources.remove(root);
    }
    if (size > maxBytes) throw tooLarge(cid, size, maxBytes);
    return size;
  }

  @Override
  public void sync() throws IOException {
    store.sync();
  }

  private static IOException tooLarge(String cid, long size, long maxBytes) {
    return new IOException(
        cid + " holds " + size + " bytes, more than the " + maxBytes + " allowed");
  }

  private static Cid parse(String cid) throws IOException {
    try {
      return Cid.parse(cid);
    } catch (IllegalArgumentException e) {
      throw new IOException("not a CID: " + cid, e);
    }
  }

  private void addSources(Cid root, List<URI> from) {
    List<Peer> peers = from.stream().map(u -> new Peer(u.toString(), u)).toList();
    sources.merge(
        root,
        peers,
        (a, b) -> java.util.stream.Stream.concat(a.stream(), b.stream()).distinct().toList());
  }

  private void fetch(String cid, Path target, List<URI> from, long maxBytes, boolean keep)
      throws IOException {
    Cid root = parse(cid);
    addSources(root, from);
    try {
      if (keep) store.get(root, target);
      else store.getScratch(root, target);
    } finally {
      sources.remove(root);
    }
    long size = size(target);
    if (size > maxBytes) {
      FileTrees.delete(target);
      throw tooLarge(cid, size, maxBytes);
    }
  }

  private static long size(Path p) throws IOException {
    long[] total = {0};
    Files.walkFileTree(
        p,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
            total[0] += a.size();
            return FileVisitResult.CONTINUE;
          }
        });
    return total[0];
  }

  @Override
  public void release(String scope) {
    try {
      store.releaseTask(scope);
    } catch (IOException e) {
      LOG.warn("Could not release resources of {}: {}", scope, e.toString());
    }
  }

  @Override
  public int gatewayPort() {
    return gateway.port();
  }

  /**
   * Closes the store, which stops the gateway it serves (closing the gateway here too would close
   * it twice).
   */
  @Override
  public void close() throws IOException {
    store.close();
  }
}
