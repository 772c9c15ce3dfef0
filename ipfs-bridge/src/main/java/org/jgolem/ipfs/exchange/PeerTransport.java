package org.jgolem.ipfs.exchange;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

/**
 * How the exchange sends a gateway request to a peer. {@link HttpTransport} uses the peer's HTTP
 * endpoint; the node can supply one that carries the same requests over its own connections.
 */
public interface PeerTransport extends Closeable {
  /**
   * GETs pathAndQuery ("/ipfs/...") from peer with the given Accept header; timeout bounds
   * connecting and each read.
   */
  Response get(Peer peer, String pathAndQuery, String accept, Duration timeout) throws IOException;

  /**
   * A response; closing it releases the connection (kept for reuse only if the body was read to its
   * end).
   */
  interface Response extends Closeable {
    int status();

    InputStream body();
  }
}
