package org.jgolem.ipfs;

/**
 * Base of the errors of ipfs-bridge. Each message names what is wrong (which CID, which path, which
 * limit).
 */
public class IpfsException extends RuntimeException {
  public IpfsException(String message) {
    super(message);
  }

  public IpfsException(String message, Throwable cause) {
    super(message, cause);
  }
}
