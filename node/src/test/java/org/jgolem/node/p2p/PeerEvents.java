package org.jgolem.node.p2p;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.p2p.Disconnect;

/** Records peer events, for assertions. */
public final class PeerEvents implements PeerListener {
  public record Event(String kind, Address peer, Disconnect.Reason reason) {}

  public final List<Event> events = new CopyOnWriteArrayList<>();

  @Override
  public void onConnected(Peer peer) {
    events.add(new Event("connected", peer.id(), null));
  }

  @Override
  public void onDisconnected(Peer peer, Disconnect.Reason reason) {
    events.add(new Event("disconnected", peer.id(), reason));
  }

  public List<Disconnect.Reason> disconnectReasons(Address peer) {
    return events.stream()
        .filter(e -> e.kind().equals("disconnected") && e.peer().equals(peer))
        .map(Event::reason)
        .toList();
  }

  public boolean connected(Address peer) {
    return events.stream().anyMatch(e -> e.kind().equals("connected") && e.peer().equals(peer));
  }
}
