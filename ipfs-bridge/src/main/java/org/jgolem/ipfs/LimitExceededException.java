package org.jgolem.ipfs;

/**
 * A size limit (per node or per task) would be exceeded; the message names the limit, the need and
 * the use.
 */
public class LimitExceededException extends IpfsException {
  public LimitExceededException(String message) {
    super(message);
  }
}
