package org.jgolem.node.concent;

/** Takes the messages Concent delivers to this node: one per role (provider, requestor). */
public interface ConcentInbox {
  /**
   * Handles {@code m} if it is this side's: returns true once it is durably handled (what it
   * changed is saved), false if it is not this side's. Throws if it could not be handled now: the
   * message is then not acknowledged, and Concent delivers it again.
   */
  boolean handle(ConcentMessage m);
}
