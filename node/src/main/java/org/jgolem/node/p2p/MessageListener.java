package org.jgolem.node.p2p;

import org.jgolem.protocol.messages.Envelope;

@FunctionalInterface
public interface MessageListener {
  void onMessage(Peer from, Envelope message);
}
