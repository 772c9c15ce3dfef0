package org.jgolem.node.concent;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.jgolem.concent.time.Windows;
import org.jgolem.protocol.messages.Payload;

/**
 * Concent, as the node sees it. Its adapter (over the {@code concent} module's HTTP client) seals
 * every request with the node key, binds it to Concent's address and a fresh nonce, and checks the
 * signature of every message it hands back. Every method may block on the network: callers run it
 * on the Concent thread, never on an agent's loop.
 */
public interface ConcentPort {
  /**
   * Sends a request (a Force…, or an answer to what Concent relayed): sealed by the node key.
   *
   * @return Concent's immediate answer, if it gave one (else its answer comes through {@link
   *     #receive})
   */
  Optional<ConcentMessage> send(Payload request) throws ConcentException;

  /** The messages addressed to this node that it has not acknowledged yet, oldest first. */
  List<Delivery> receive() throws ConcentException;

  /** Acknowledges deliveries: Concent stops delivering them. */
  void ack(List<byte[]> deliveryIds) throws ConcentException;

  /** Concent's windows (its {@code GET /api/v1/protocol-constants}). */
  Windows times() throws ConcentException;

  /**
   * Uploads the result {@code cid} (from the node's resource store, as a CAR) to Concent's storage,
   * for subtask {@code subtaskId}; returns when Concent has it.
   */
  void uploadResult(String subtaskId, String cid) throws ConcentException;

  /**
   * Downloads the result {@code cid} of subtask {@code subtaskId} from Concent's storage into the
   * node's resource store (every block verified against the CID); returns where it is, or throws.
   */
  Path downloadResult(String subtaskId, String cid) throws ConcentException;

  /** One message delivered by Concent, with the id it is acknowledged by. */
  record Delivery(byte[] id, ConcentMessage message) {
    public Delivery {
      id = id.clone();
    }

    @Override
    public byte[] id() {
      return id.clone();
    }
  }
}
