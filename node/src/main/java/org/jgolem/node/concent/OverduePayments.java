package org.jgolem.node.concent;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jgolem.concent.time.Windows;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.concent.ForcePayment;
import org.jgolem.protocol.messages.concent.Frames;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Use case 4, the provider's side: accepted work still unpaid PDT after its payment time (the
 * income keeper reports it overdue) is forced through Concent, with one ForcePayment for all
 * overdue subtasks of one requestor (at most 64 a request, oldest payment time first: Golem's
 * rule), citing each subtask's TaskToCompute and SubtaskResultsAccepted frames. Runs on the Concent
 * thread; a request that cannot reach Concent is tried again after a back-off.
 */
final class OverduePayments {
  private static final Logger LOG = LoggerFactory.getLogger(OverduePayments.class);

  /** Sets a subtask's Concent state (and logs it). */
  interface States {
    void set(String subtaskId, ConcentState state, String detail);
  }

  private final ConcentPort port;
  private final EvidenceStore evidence;
  private final MessageCodec codec;
  private final Clock clock;
  private final ScheduledExecutorService thread;
  private final Windows times;
  private final Predicate<String> ours;
  private final States states;
  private final Consumer<ConcentMessage> answers;

  /** Overdue subtasks by requestor, waiting for their ForcePayment; on the Concent thread. */
  private final Map<Address, List<String>> overdue = new HashMap<>();

  private boolean paymentsQueued;

  private final Backoff paymentBackoff = new Backoff(Backoff.FIRST, Backoff.MAX);

  OverduePayments(
      ConcentPort port,
      EvidenceStore evidence,
      MessageCodec codec,
      Clock clock,
      ScheduledExecutorService thread,
      Windows times,
      Predicate<String> ours,
      States states,
      Consumer<ConcentMessage> answers) {
    this.port = port;
    this.evidence = evidence;
    this.codec = codec;
    this.clock = clock;
    this.thread = thread;
    this.times = times;
    this.ours = ours;
    this.states = states;
    this.answers = answers;
  }

  void overdue(Address requestor, String subtaskId) {
    thread.execute(() -> {
      if (!ours.test(subtaskId)
          || evidence.get(subtaskId, MessageType.SUBTASK_RESULTS_ACCEPTED).isEmpty()) return;
      overdue.computeIfAbsent(requestor, r -> new ArrayList<>()).add(subtaskId);
      if (!paymentsQueued) {
        paymentsQueued = true;
        // after the other overdue incomes of the same tick, so that they go in one request
        thread.execute(this::forcePayments);
      }
    });
  }

  /** One accepted subtask, unpaid: its frames and the SRA's payment time (seconds). */
  private record Unpaid(String id, byte[] ttc, byte[] accepted, long paymentTs) {}

  private void forcePayments() {
    paymentsQueued = false;
    Map<Address, List<String>> due = new HashMap<>(overdue);
    overdue.clear();
    due.forEach((requestor, ids) -> {
      List<Unpaid> unpaid = new ArrayList<>();
      for (String id : ids) {
        byte[] ttc = evidence.get(id, MessageType.TASK_TO_COMPUTE).orElse(null);
        byte[] sra = evidence.get(id, MessageType.SUBTASK_RESULTS_ACCEPTED).orElse(null);
        if (ttc == null || sra == null) continue;
        long ts = codec.decode(sra).payload(SubtaskResultsAccepted.class).paymentTs();
        unpaid.add(new Unpaid(id, ttc, sra, ts));
      }
      unpaid.sort(Comparator.comparingLong(Unpaid::paymentTs));
      for (int from = 0; from < unpaid.size(); from += Frames.MAX_ITEMS) {
        forcePayment(
            requestor, unpaid.subList(from, Math.min(unpaid.size(), from + Frames.MAX_ITEMS)));
      }
    });
  }

  private void forcePayment(Address requestor, List<Unpaid> batch) {
    // Concent takes it only once PDT has passed since every payment time in it
    long at = batch.get(batch.size() - 1).paymentTs() * 1000 + times.pdt().toMillis();
    if (clock.millis() < at) {
      List<Unpaid> later = List.copyOf(batch);
      after(Duration.ofMillis(at - clock.millis()), () -> forcePayment(requestor, later));
      return;
    }
    List<String> ids = batch.stream().map(Unpaid::id).toList();
    LOG.info(
        "Income from {} overdue for {} subtask(s) {}: asking Concent to force the payment",
        requestor,
        ids.size(),
        ids);
    try {
      Optional<ConcentMessage> answer =
          port.send(
              new ForcePayment(
                  batch.stream().map(Unpaid::ttc).toList(),
                  batch.stream().map(Unpaid::accepted).toList()));
      paymentBackoff.succeeded();
      for (String id : ids) states.set(id, ConcentState.FORCING_PAYMENT, "");
      answer.ifPresent(answers);
    } catch (ConcentException | RuntimeException e) {
      Duration wait = paymentBackoff.failed();
      LOG.warn(
          "ForcePayment not sent ({}); trying again in {} s", e.getMessage(), wait.toSeconds());
      List<Unpaid> again = List.copyOf(batch);
      after(wait, () -> forcePayment(requestor, again));
    }
  }

  private void after(Duration d, Runnable r) {
    thread.schedule(
        () -> {
          try {
            r.run();
          } catch (RuntimeException e) {
            LOG.error("ForcePayment step failed", e);
          }
        },
        Math.max(0, d.toMillis()),
        TimeUnit.MILLISECONDS);
  }
}
