package org.jgolem.ipfs.exchange;

import org.jgolem.ipfs.multiformats.Cid;

/** What the exchange tells the node about peers, so that the node can adjust their reputation. */
public interface PeerReports {
  /** peer sent bytes for cid that do not match its hash (or a block it was not asked for). */
  void corruptBlock(Peer peer, Cid cid, String detail);

  /** peer could not be reached, answered with an error, or dropped the connection. */
  default void failed(Peer peer, String detail) {}

  /** peer served blocks that verified. */
  default void served(Peer peer, long blocks, long bytes) {}

  static PeerReports none() {
    return (peer, cid, detail) -> {};
  }
}
