package org.jgolem.node.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.node.discovery.RoutingTableTest.id;
import static org.jgolem.node.discovery.RoutingTableTest.rec;

import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.p2p.NodeRecord;
import org.junit.jupiter.api.Test;

/** The Neighbours answer to a FindNode, from a routing table alone. */
class NeighboursAnswerTest {
  private final RoutingTable table = new RoutingTable(Address.ZERO, 2, 2, 3, 0);

  @Test
  void theClosestEntriesWithoutTheAskerAndATargetWaitingInAReplacementCacheFirst() {
    table.seen(rec(id(0, 1)), 1);
    table.seen(rec(id(0, 2)), 1);
    table.seen(rec(id(0, 3)), 1); // the bucket is full: a replacement
    table.seen(rec(id(4, 0)), 1);
    assertThat(table.closest(id(0, 3), 2)).extracting(NodeRecord::nodeId).doesNotContain(id(0, 3));

    assertThat(NeighboursAnswer.of(table, id(0, 3), id(9, 0), 2))
        .extracting(NodeRecord::nodeId)
        .containsExactly(id(0, 3), id(0, 2));
    assertThat(NeighboursAnswer.of(table, id(0, 1), id(0, 1), 2))
        .extracting(NodeRecord::nodeId)
        .containsExactly(id(0, 2), id(4, 0));
    assertThat(NeighboursAnswer.of(table, id(4, 0), id(9, 0), 2))
        .extracting(NodeRecord::nodeId)
        .containsExactly(id(4, 0), id(0, 1));
  }
}
