package org.jgolem.ipfs.exchange;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.jgolem.ipfs.CorruptBlockException;
import org.jgolem.ipfs.car.CarReader;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.ipfs.store.BlockStore;

/**
 * The requests of a {@link BlockExchange} fetch: one {@link FetchUnit} sent to one peer, as raw
 * block requests or as one CAR request of a byte range, each block received handed to a {@link
 * Sink} (which verifies and stores it). Failures are thrown; choosing peers and retrying is the
 * exchange's job.
 */
final class FetchRequests {
  /** Where the blocks received go. */
  interface Sink {
    /**
     * Verifies and stores one block that was asked for; fileOffset is its place in the root file,
     * or -1.
     */
    void accept(Peer peer, Cid cid, byte[] data, long fileOffset) throws IOException;

    /** Counts a block received that was not needed. */
    void redundant();
  }

  private final BlockStore store;
  private final PeerTransport transport;
  private final Duration requestTimeout;

  /** requestTimeout bounds connecting and each read: the stall timeout, at most 30 s. */
  FetchRequests(BlockStore store, PeerTransport transport, Duration stallTimeout) {
    this.store = store;
    this.transport = transport;
    this.requestTimeout =
        stallTimeout.compareTo(Duration.ofSeconds(30)) < 0 ? stallTimeout : Duration.ofSeconds(30);
  }

  /** Sends u to peer; returns when every block of u is stored, throws otherwise. */
  void send(FetchUnit u, Peer peer, Sink sink) throws IOException {
    if (u.isRange()) range(u, peer, sink);
    else blocks(u, peer, sink);
  }

  private void blocks(FetchUnit u, Peer peer, Sink sink) throws IOException {
    for (Cid c : u.blocks) {
      if (store.has(c)) continue;
      try (PeerTransport.Response r =
          transport.get(
              peer,
              GatewayRequest.uri(c, GatewayRequest.Format.RAW, null, null, null),
              GatewayRequest.RAW_TYPE,
              requestTimeout)) {
        if (r.status() != 200) throw new IOException(status(r, c));
        byte[] data = r.body().readNBytes(BlockStore.MAX_BLOCK_SIZE + 1);
        if (data.length > BlockStore.MAX_BLOCK_SIZE)
          throw new CorruptBlockException(
              c, "block " + c + " is larger than " + BlockStore.MAX_BLOCK_SIZE + " bytes");
        if (r.body().read() >= 0)
          throw new IOException("response for " + c + " is longer than declared");
        sink.accept(peer, c, data, -1);
      }
    }
  }

  private void range(FetchUnit u, Peer peer, Sink sink) throws IOException {
    Map<Cid, FetchUnit.Leaf> want = new HashMap<>();
    for (FetchUnit.Leaf l : u.leaves) if (!store.has(l.cid())) want.put(l.cid(), l);
    if (want.isEmpty()) return;
    long from = u.leaves.get(0).offset();
    FetchUnit.Leaf last = u.leaves.get(u.leaves.size() - 1);
    long to = last.offset() + Math.max(1, last.size()) - 1;
    int unexpected = 0;
    try (PeerTransport.Response r =
        transport.get(
            peer,
            GatewayRequest.uri(
                u.parent, GatewayRequest.Format.CAR, GatewayRequest.Scope.ENTITY, from, to),
            GatewayRequest.CAR_TYPE,
            requestTimeout)) {
      if (r.status() != 200) throw new IOException(status(r, u.parent));
      InputStream body = r.body();
      CarReader car = new CarReader(body, BlockStore.MAX_BLOCK_SIZE);
      CarReader.Block b;
      while (!want.isEmpty() && (b = car.next()) != null) {
        FetchUnit.Leaf wanted = want.remove(b.cid());
        if (wanted != null) {
          sink.accept(peer, b.cid(), b.data(), wanted.fileOffset());
        } else if (b.cid().equals(u.parent)) {
          if (!b.cid().verifies(b.data()))
            throw new CorruptBlockException(
                b.cid(), "block " + b.cid() + " does not match its hash");
        } else if (++unexpected > 64) {
          throw new IOException("peer sent more than 64 blocks that were not asked for");
        } else {
          sink.redundant();
        }
      }
      if (!want.isEmpty())
        throw new IOException(
            "CAR response for " + u.parent + " ended with " + want.size() + " blocks missing");
      // drain the end of the stream so that the connection can be reused
      while (car.next() != null) sink.redundant();
    }
  }

  private static String status(PeerTransport.Response r, Cid c) {
    String msg;
    try {
      msg = new String(r.body().readNBytes(300), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      msg = "";
    }
    return "HTTP " + r.status() + " for " + c + (msg.isEmpty() ? "" : ": " + msg);
  }
}
