package org.jgolem.node.market.requestor;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jgolem.eth.Address;
import org.jgolem.node.concent.RequestorConcent;
import org.jgolem.node.gossip.TaskHeaderGossip;
import org.jgolem.node.market.AgentLoop;
import org.jgolem.node.market.PaymentRecorder;
import org.jgolem.node.market.requestor.RequestorModel.Assignment;
import org.jgolem.node.market.requestor.RequestorModel.Subtask;
import org.jgolem.node.market.requestor.RequestorModel.Task;
import org.jgolem.node.p2p.P2PNetwork;
import org.jgolem.node.p2p.Peer;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.jgolem.protocol.messages.market.SubtaskResultsRejected;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state machine's {@link RequestorEffects} in a running node: messages through the P2P network
 * (after the event's unit of work is saved), headers through gossip, payments to the payment
 * processor, work to the {@link ResultVerifier}.
 */
final class RequestorPorts implements RequestorEffects {
  private static final Logger LOG = LoggerFactory.getLogger(RequestorPorts.class);

  private final P2PNetwork network;
  private final TaskHeaderGossip gossip;
  private final PaymentRecorder payments;
  private final TaskPublisher publisher;
  private final ResultVerifier verifier;
  private final RequestorUnitOfWork work;
  private final AgentLoop loop;

  /** Concent's side of the subtasks that have it on; null when Concent is off. */
  private final RequestorConcent concent;

  RequestorPorts(
      P2PNetwork network,
      TaskHeaderGossip gossip,
      PaymentRecorder payments,
      TaskPublisher publisher,
      ResultVerifier verifier,
      RequestorUnitOfWork work,
      AgentLoop loop,
      RequestorConcent concent) {
    this.concent = concent;
    this.network = network;
    this.gossip = gossip;
    this.payments = payments;
    this.publisher = publisher;
    this.verifier = verifier;
    this.work = work;
    this.loop = loop;
  }

  /**
   * Queues a message: it leaves only after the event's changes are saved, so that nothing a
   * provider receives (an assignment, a verdict) is unknown to a requestor restarted after a crash.
   */
  @Override
  public void send(Peer peer, Payload p) {
    if (loop.onLoopThread()) {
      work.queue(() -> sendNow(peer, p));
    } else {
      sendNow(peer, p);
    }
  }

  @Override
  public void send(Address provider, Payload p) {
    Optional<Peer> peer = network.peer(provider);
    if (peer.isPresent()) {
      send(peer.get(), p);
    } else {
      if (concent != null && isEvidence(p)) keptForConcent(p); // Concent may still ask for it
      LOG.info(
          "No session with {} to send {}; it learns the outcome when it reconnects",
          provider,
          p.type());
    }
  }

  private void sendNow(Peer peer, Payload p) {
    CompletableFuture<Void> sent;
    if (concent != null && isEvidence(p)) {
      // sealed here, so that the frame Concent may be shown is the one the provider got
      Envelope sealed;
      try {
        sealed = network.seal(p);
      } catch (InvalidMessageException e) {
        LOG.error("Refused to send an invalid {} to {}: {}", p.type(), peer.id(), e.toString());
        return;
      }
      concent.sent(sealed);
      sent = peer.send(sealed);
    } else {
      sent = peer.send(p);
    }
    sent.whenComplete((v, e) -> {
      if (e instanceof InvalidMessageException
          || e != null && e.getCause() instanceof InvalidMessageException) {
        LOG.error("Refused to send an invalid {} to {}: {}", p.type(), peer.id(), e.toString());
      } else if (e != null) {
        LOG.debug("Could not send {} to {}: {}", p.type(), peer.id(), e.toString());
      }
    });
  }

  /** Seals {@code p} for Concent's side alone, as if sent (its provider has no session now). */
  private void keptForConcent(Payload p) {
    Runnable keep =
        () -> {
          try {
            concent.sent(network.seal(p));
          } catch (InvalidMessageException e) {
            LOG.error("Refused to keep an invalid {}: {}", p.type(), e.toString());
          }
        };
    if (loop.onLoopThread()) work.queue(keep);
    else keep.run();
  }

  private static boolean isEvidence(Payload p) {
    return p instanceof TaskToCompute
        || p instanceof SubtaskResultsAccepted
        || p instanceof SubtaskResultsRejected;
  }

  @Override
  public Optional<Peer> activePeer(Address provider) {
    return network.peer(provider).filter(Peer::isActive);
  }

  @Override
  public void changed(Task t, Subtask s, Assignment a) {
    work.changed(t, s, a);
  }

  @Override
  public void paymentDue(Task t, Assignment a, long at) {
    if (concent != null && concent.paidByConcent(a.idHex())) {
      LOG.info("Subtask {}: already paid by Concent from the deposit; not paid again", a.idHex());
      return;
    }
    payments.paymentDue(t.id, a.id, a.provider, a.price, at);
  }

  @Override
  public void announce(TaskHeader header) {
    if (concent != null) concent.announced(header);
    gossip.publish(header);
  }

  @Override
  public void withdraw(Task t) {
    gossip.withdraw(publisher.removal(t));
    publisher.release(t);
  }

  @Override
  public void fetch(Task t, Subtask s, Assignment a, List<URI> from) {
    if (concent != null && a.report != null) concent.downloading(a.idHex(), a.report.size());
    verifier.fetchAndCheck(t, s, a, from);
  }

  @Override
  public boolean fetching(Assignment a) {
    return verifier.fetching(a);
  }

  @Override
  public boolean recompute(Task t, Subtask s) {
    if (!verifier.computesLocally()) return false;
    verifier.recompute(t, s);
    return true;
  }

  @Override
  public void merge(Task t, Map<String, Path> accepted, List<ResultVerifier.KeptResult> kept) {
    verifier.merge(t, accepted, kept);
  }
}
