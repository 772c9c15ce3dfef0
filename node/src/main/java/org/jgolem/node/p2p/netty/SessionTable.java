package org.jgolem.node.p2p.netty;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jgolem.eth.Address;
import org.jgolem.node.p2p.Peer;
import org.jgolem.protocol.messages.p2p.Disconnect;

/**
 * The sessions of a {@link NettyP2PNetwork}, one per node id, and the rule that admits an
 * authenticated peer: at most maxPeers sessions; of two sessions with one node, both ends keep the
 * same one (see the network's class comment). Decides and records; closing sessions is the
 * network's job.
 */
final class SessionTable {
  /**
   * Outcome of {@link #admit}: refused (and maybe the session to use instead) or accepted (maybe
   * replacing one).
   */
  record Admission(Disconnect.Reason refusal, NettyPeer existing, NettyPeer replaced) {}

  private final Address self;
  private final int maxPeers;
  private final Map<Address, NettyPeer> sessions = new ConcurrentHashMap<>();

  SessionTable(Address self, int maxPeers) {
    this.self = self;
    this.maxPeers = maxPeers;
  }

  /**
   * Admits candidate (whose id is not banned, on a running network) or says why not. Callers
   * serialize it.
   */
  Admission admit(NettyPeer candidate) {
    Address id = candidate.id();
    NettyPeer existing = sessions.get(id);
    if (existing != null
        && existing.isActive()
        && keepsExisting(self, existing.dialer(), candidate.dialer(), id)) {
      return new Admission(Disconnect.Reason.DUPLICATE_CONNECTION, existing, null);
    }
    boolean replacing = existing != null && existing.isActive();
    if (!replacing && activeCount() >= maxPeers) {
      return new Admission(Disconnect.Reason.TOO_MANY_PEERS, null, null);
    }
    sessions.put(id, candidate);
    return new Admission(null, null, existing);
  }

  /**
   * Whether, of two sessions between {@code self} and {@code other}, the existing one is kept: if
   * they were dialled by different nodes, the one dialled by the lower node id; if by the same
   * node, the newer one.
   */
  static boolean keepsExisting(
      Address self, Address existingDialer, Address candidateDialer, Address other) {
    if (existingDialer.equals(candidateDialer)) {
      return false;
    }
    Address lower = self.compareTo(other) < 0 ? self : other;
    return existingDialer.equals(lower);
  }

  long activeCount() {
    return sessions.values().stream().filter(NettyPeer::isActive).count();
  }

  NettyPeer active(Address id) {
    NettyPeer p = sessions.get(id);
    return p != null && p.isActive() ? p : null;
  }

  Collection<Peer> activePeers() {
    List<Peer> out = new ArrayList<>();
    for (NettyPeer p : sessions.values()) {
      if (p.isActive()) {
        out.add(p);
      }
    }
    return out;
  }

  /** Every session, active or not. */
  List<NettyPeer> all() {
    return new ArrayList<>(sessions.values());
  }

  void remove(NettyPeer peer) {
    sessions.remove(peer.id(), peer);
  }
}
