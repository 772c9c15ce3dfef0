package org.jgolem.ipfs;

/** A block is not in the local store. */
public class BlockNotFoundException extends IpfsException {
  public BlockNotFoundException(String message) {
    super(message);
  }
}
