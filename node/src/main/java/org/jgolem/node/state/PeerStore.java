package org.jgolem.node.state;

import java.util.List;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.p2p.NodeRecord;

/**
 * Peers the node has learnt, kept across restarts so that a restarted node can rejoin without
 * seeds. Discovery saves a peer when it has proven its identity in a session, counts failed
 * attempts to reach it, and loads the best ones at start.
 */
public interface PeerStore {
  /** A stored peer. Times are ms since the epoch. */
  record StoredPeer(NodeRecord record, long firstSeen, long lastSeen, int failures) {}

  /** Records that the peer was seen at {@code now} at this endpoint; resets its failure count. */
  void seen(NodeRecord record, long now);

  /** Counts one failed attempt to reach the peer (ignored for an unknown peer). */
  void failed(Address nodeId);

  void remove(Address nodeId);

  /** At most {@code limit} peers, fewest failures first, then most recently seen. */
  List<StoredPeer> load(int limit);

  /** Deletes peers with at least {@code maxFailures} failures; returns how many. */
  int prune(int maxFailures);

  int size();
}
