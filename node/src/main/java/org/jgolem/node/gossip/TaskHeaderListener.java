package org.jgolem.node.gossip;

import org.jgolem.protocol.messages.market.TaskHeader;

/**
 * Told when the node's set of known task headers changes; called without locks held, must not
 * block.
 */
public interface TaskHeaderListener {
  enum RemovalReason {
    /** The requestor withdrew it with a signed TaskHeaderRemoved. */
    WITHDRAWN,
    /** Its deadline passed. */
    EXPIRED
  }

  default void headerAdded(TaskHeader header) {}

  default void headerRemoved(TaskHeader header, RemovalReason reason) {}
}
