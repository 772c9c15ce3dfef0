package org.jgolem.ipfs;

/** A resource (or one of its blocks) could not be had from any peer in time. */
public class ResourceTimeoutException extends IpfsException {
  public ResourceTimeoutException(String message) {
    super(message);
  }
}
