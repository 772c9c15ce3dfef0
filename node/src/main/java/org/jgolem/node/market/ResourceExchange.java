package org.jgolem.node.market;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How the market moves files: the node's content-addressed resource store and its gateway (the
 * adapter over ipfs-bridge lives at the edge). Everything fetched is verified against its content
 * id.
 */
public interface ResourceExchange {

  /** Adds a folder (pinned under {@code scope}, e.g. a task id) and returns its content id. */
  String publish(Path folder, String scope) throws IOException;

  /**
   * Writes a verified copy of {@code cid} into {@code target} (a folder that must not exist yet),
   * fetching missing blocks from the given gateways.
   */
  void fetch(String cid, Path target, List<URI> sources, long maxBytes, Duration timeout)
      throws IOException;

  /**
   * Fetches as {@link #fetch}, for a copy that need not survive a crash of the machine (a
   * provider's subtask inputs: a restarted provider does not resume a subtask it was computing):
   * the store may skip syncing it to disk.
   */
  default void fetchScratch(
      String cid, Path target, List<URI> sources, long maxBytes, Duration timeout)
      throws IOException {
    fetch(cid, target, sources, maxBytes, timeout);
  }

  /**
   * Makes sure the content of {@code cid} is held locally (fetching what is missing from the given
   * gateways, at most {@code maxBytes}), without writing it out, and returns its size in bytes, so
   * that the caller can choose where to write it; a {@link #fetch} or {@link #fetchScratch} that
   * follows then needs no network. -1 if this exchange cannot tell the size before writing the
   * content out (the default).
   */
  default long prefetch(String cid, List<URI> sources, long maxBytes, Duration timeout)
      throws IOException {
    return -1;
  }

  /**
   * Makes what was fetched so far survive a crash of the machine (a copy written by {@link
   * #fetchScratch} may not; fetching it again then needs no network).
   */
  default void sync() throws IOException {}

  /** Unpins what was published under {@code scope}. */
  void release(String scope);

  /**
   * The port of this node's gateway, announced to peers as the capability {@code gateway:<port>}.
   */
  int gatewayPort();
}
