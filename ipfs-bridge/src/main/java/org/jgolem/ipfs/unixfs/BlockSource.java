package org.jgolem.ipfs.unixfs;

import java.io.IOException;
import org.jgolem.ipfs.multiformats.Cid;

/**
 * Where a DAG reader gets blocks. Implementations return only blocks verified against their CID.
 */
@FunctionalInterface
public interface BlockSource {
  /** The verified block; throws (never returns null) if it cannot be had. */
  byte[] get(Cid cid) throws IOException;
}
