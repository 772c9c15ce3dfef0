package org.jgolem.protocol.messages;

import java.util.EnumMap;
import java.util.Map;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskHeaderRemoved;
import org.jgolem.protocol.messages.p2p.Disconnect;
import org.jgolem.protocol.messages.p2p.FindNode;
import org.jgolem.protocol.messages.p2p.Hello;
import org.jgolem.protocol.messages.p2p.Neighbours;
import org.jgolem.protocol.messages.p2p.Ping;
import org.jgolem.protocol.messages.p2p.Pong;

/** Which payload class each message type decodes into. */
public final class Payloads {
  private static final Map<MessageType, Class<? extends Payload>> CLASSES = new EnumMap<>(MessageType.class);

  static {
    CLASSES.put(MessageType.HELLO, Hello.class);
    CLASSES.put(MessageType.PING, Ping.class);
    CLASSES.put(MessageType.PONG, Pong.class);
    CLASSES.put(MessageType.FIND_NODE, FindNode.class);
    CLASSES.put(MessageType.NEIGHBOURS, Neighbours.class);
    CLASSES.put(MessageType.DISCONNECT, Disconnect.class);
    CLASSES.put(MessageType.TASK_HEADER, TaskHeader.class);
    CLASSES.put(MessageType.TASK_HEADER_REMOVED, TaskHeaderRemoved.class);
  }

  private Payloads() {}

  /** The class for {@code type}, or null if this build does not know how to decode it. */
  public static Class<? extends Payload> classOf(MessageType type) {
    return CLASSES.get(type);
  }
}
