package org.jgolem.node.discovery;

/** A discovery request that did not get an answer, with the reason. */
public final class DiscoveryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public enum Reason {
    /** No Neighbours within discovery.requestTimeout. */
    TIMEOUT,
    /** The node could not be dialled, or proved another identity. */
    UNREACHABLE,
    /** The node (or this one) has no room for another session: alive, but not now. */
    BUSY,
    /** The session closed before the answer came. */
    DISCONNECTED,
    /** Discovery is stopped. */
    STOPPED
  }

  private final Reason reason;

  public DiscoveryException(Reason reason, String message, Throwable cause) {
    super(reason + ": " + message, cause);
    this.reason = reason;
  }

  public DiscoveryException(Reason reason, String message) {
    this(reason, message, null);
  }

  public Reason reason() {
    return reason;
  }
}
