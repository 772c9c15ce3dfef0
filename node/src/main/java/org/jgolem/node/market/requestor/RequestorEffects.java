package org.jgolem.node.market.requestor;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jgolem.eth.Address;
import org.jgolem.node.market.requestor.RequestorModel.Assignment;
import org.jgolem.node.market.requestor.RequestorModel.Subtask;
import org.jgolem.node.market.requestor.RequestorModel.Task;
import org.jgolem.node.p2p.Peer;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.market.TaskHeader;

/**
 * What the state machine asks of the world; the agent's adapter queues messages until the event is
 * saved.
 */
interface RequestorEffects {
  /** Sends {@code p} to {@code peer} once the event's changes are saved. */
  void send(Peer peer, Payload p);

  /**
   * Sends {@code p} to {@code provider}, if it has a session (else it learns the outcome when it
   * reconnects).
   */
  void send(Address provider, Payload p);

  /** The provider's session, if it has an active one. */
  Optional<Peer> activePeer(Address provider);

  /** Marks what must be saved at the end of the event. */
  void changed(Task t, Subtask s, Assignment a);

  /** Hands an accepted result to the payment processor (idempotent by subtask id). */
  void paymentDue(Task t, Assignment a, long at);

  void announce(TaskHeader header);

  /** Withdraws the task's header and releases its published resources. */
  void withdraw(Task t);

  /**
   * Fetches and checks a reported result; the outcome comes back as {@link
   * ResultVerifier.Outcomes}.
   */
  void fetch(Task t, Subtask s, Assignment a, List<URI> from);

  /** Whether a fetch of {@code a}'s result is under way (started and not yet back). */
  default boolean fetching(Assignment a) {
    return false;
  }

  /**
   * Computes {@code s} on this node; false when this node computes nothing. The outcome: {@link
   * ResultVerifier.Outcomes}.
   */
  boolean recompute(Task t, Subtask s);

  /** Merges the accepted results; the outcome: {@link ResultVerifier.Outcomes}. */
  void merge(Task t, Map<String, Path> accepted, List<ResultVerifier.KeptResult> kept);
}
