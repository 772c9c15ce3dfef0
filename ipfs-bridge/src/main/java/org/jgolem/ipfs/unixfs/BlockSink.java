package org.jgolem.ipfs.unixfs;

import java.io.IOException;
import org.jgolem.ipfs.multiformats.Cid;

/** Where a DAG builder puts the blocks it makes. The sink hashes the block and returns its CID. */
@FunctionalInterface
public interface BlockSink {
  /** Stores block[0..length) under its CIDv1 (or CIDv0 when version is 0) with the given codec. */
  Cid put(int version, long codec, byte[] block, int length) throws IOException;

  /** A sink that only computes CIDs and keeps nothing. */
  static BlockSink hashOnly() {
    return (version, codec, block, length) -> {
      var mh = org.jgolem.ipfs.multiformats.Multihash.sha256(block, 0, length);
      return version == 0 ? Cid.v0(mh) : Cid.v1(codec, mh);
    };
  }
}
