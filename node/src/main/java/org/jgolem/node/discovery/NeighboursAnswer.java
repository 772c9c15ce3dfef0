package org.jgolem.node.discovery;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.p2p.Neighbours;
import org.jgolem.protocol.messages.p2p.NodeRecord;

/**
 * The answer to a FindNode(target): the k closest fresh table entries, without the asker; the
 * target itself first if it is known, even only in a replacement cache. Pure: reads the table,
 * sends nothing.
 */
final class NeighboursAnswer {
  private NeighboursAnswer() {}

  static List<NodeRecord> of(RoutingTable table, Address target, Address asker, int k) {
    int n = Math.min(k, Neighbours.MAX_NODES);
    List<NodeRecord> nodes = table.closest(target, n, Set.of(asker));
    Optional<RoutingTable.Entry> exact = table.find(target);
    if (exact.isPresent()
        && !table.isStale(exact.get())
        && !target.equals(asker)
        && (nodes.isEmpty() || !nodes.get(0).nodeId().equals(target))) {
      // The very node asked for, known but waiting in a replacement cache (its bucket is full of
      // long-lived nodes): name it first, so lookups for it end here.
      List<NodeRecord> withTarget = new ArrayList<>(List.of(exact.get().record()));
      withTarget.addAll(nodes.subList(0, Math.min(nodes.size(), n - 1)));
      nodes = withTarget;
    }
    return nodes;
  }
}
