package org.jgolem.ipfs;

import org.jgolem.ipfs.multiformats.Cid;

/** Bytes offered as a block do not hash to its CID. */
public class CorruptBlockException extends IpfsException {
  private final transient Cid cid;

  public CorruptBlockException(Cid cid, String message) {
    super(message);
    this.cid = cid;
  }

  public Cid cid() {
    return cid;
  }
}
