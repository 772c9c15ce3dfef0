package org.jgolem.ipfs.exchange;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.jgolem.ipfs.multiformats.Cid;

/**
 * A piece of a {@link BlockExchange} fetch: some blocks (one request each), or a run of one file
 * node's consecutive leaves (one CAR request). It remembers the peers it was tried on, and how many
 * rounds over all of them it took.
 */
final class FetchUnit {
  /**
   * A chunk: its index and offset in its parent node, its size, and its offset in the root file
   * (-1: none).
   */
  record Leaf(Cid cid, int index, long offset, long size, long fileOffset) {}

  final List<Cid> blocks; // for a blocks unit
  final Cid parent; // for a range unit
  final List<Leaf> leaves;
  final Set<Peer> tried = new HashSet<>();
  int rounds;

  FetchUnit(List<Cid> blocks) {
    this.blocks = blocks;
    this.parent = null;
    this.leaves = List.of();
  }

  FetchUnit(Cid parent, List<Leaf> leaves) {
    this.blocks = List.of();
    this.parent = parent;
    this.leaves = leaves;
  }

  boolean isRange() {
    return parent != null;
  }

  Cid first() {
    return isRange() ? leaves.get(0).cid() : blocks.get(0);
  }

  /**
   * What is left of this unit after peer failed it: the blocks not yet stored, a range split into
   * runs around the leaves that did arrive; each remembers that peer (and the others tried) so that
   * another is asked next.
   */
  List<FetchUnit> remaining(Peer peer, Predicate<Cid> stored) {
    if (isRange()) {
      List<FetchUnit> out = new ArrayList<>();
      List<Leaf> run = new ArrayList<>();
      for (Leaf l : leaves) {
        if (stored.test(l.cid())) {
          if (!run.isEmpty()) out.add(triedLike(new FetchUnit(parent, new ArrayList<>(run)), peer));
          run.clear();
        } else {
          run.add(l);
        }
      }
      if (!run.isEmpty()) out.add(triedLike(new FetchUnit(parent, run), peer));
      return out;
    }
    List<Cid> left = new ArrayList<>();
    for (Cid c : blocks) if (!stored.test(c)) left.add(c);
    return left.isEmpty() ? List.of() : List.of(triedLike(new FetchUnit(left), peer));
  }

  private FetchUnit triedLike(FetchUnit n, Peer peer) {
    n.tried.addAll(tried);
    n.tried.add(peer);
    n.rounds = rounds;
    return n;
  }
}
