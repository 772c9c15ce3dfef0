package org.jgolem.ipfs.unixfs;

import org.jgolem.ipfs.multiformats.Cid;

/**
 * A dag-pb link. name and tsize may be null (absent); UnixFS writes both, with "" as the name of a
 * file's chunk links, and tsize as the cumulative size of the linked sub-DAG's blocks.
 */
public record PbLink(Cid hash, String name, Long tsize) {
  public PbLink {
    if (hash == null) throw new IllegalArgumentException("a dag-pb link needs a hash");
    if (tsize != null && tsize < 0) throw new IllegalArgumentException("negative Tsize");
  }
}
