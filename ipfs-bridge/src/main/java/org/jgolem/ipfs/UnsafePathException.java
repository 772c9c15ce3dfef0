package org.jgolem.ipfs;

/**
 * A folder entry or a path that would escape its folder (.., absolute, a symlink, a bad name):
 * refused.
 */
public class UnsafePathException extends IpfsException {
  public UnsafePathException(String message) {
    super(message);
  }
}
