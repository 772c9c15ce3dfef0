package org.jgolem.concent.service;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jgolem.concent.api.ConcentApi;
import org.jgolem.concent.cases.CaseState;
import org.jgolem.concent.cases.SubtaskCase;
import org.jgolem.concent.evidence.EvidenceException;
import org.jgolem.concent.evidence.EvidenceVerifier;
import org.jgolem.concent.time.CaseWindows;
import org.jgolem.concent.time.Windows;
import org.jgolem.eth.Address;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.concent.ConcentDelivery;
import org.jgolem.protocol.messages.concent.Frames;
import org.jgolem.protocol.messages.concent.ServiceRefused;
import org.jgolem.protocol.messages.concent.ServiceRefused.Reason;
import org.jgolem.protocol.messages.market.AckReportComputedTask;
import org.jgolem.protocol.messages.market.RejectReportComputedTask;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.jgolem.protocol.messages.market.SubtaskResultsRejected;
import org.jgolem.protocol.notes.NoteSigner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Concent's judge: opens each request, routes it to its use case's handler, and turns every refusal
 * into a signed ServiceRefused reply; applies the cases' timeouts ({@link #tick}); serves the
 * outbox. Pure decisions: all I/O goes through the ports (the store, the deposit book, the payment
 * history), and the time is the injected clock. The use cases live in {@link ForceReportHandler},
 * {@link ResultTransferHandler}, {@link ForceAcceptanceHandler} and {@link ForcePaymentHandler};
 * {@code docs/CONCENT.md} describes the state machine they drive.
 */
public final class ConcentService implements ConcentApi {
  private static final Logger LOG = LoggerFactory.getLogger(ConcentService.class);

  /** The most cases one {@link #tick} batch reads. */
  static final int TICK_BATCH = 100;

  /**
   * The most frame bytes one ConcentDelivery carries (beside at most {@link Frames#MAX_ITEMS}
   * frames), well under a node's 1 MiB payload limit; the rest comes with the next receive.
   */
  static final int MAX_DELIVERY_BYTES = 512 * 1024;

  private static final byte[] NO_SUBTASK = new byte[32];

  private final Parts p;
  private final Windows windows;
  private final ForceReportHandler forceReport;
  private final ResultTransferHandler resultTransfer;
  private final ForceAcceptanceHandler forceAcceptance;
  private final ForcePaymentHandler forcePayment;
  private final RecordReader records;
  private final AdditionalVerificationHandler verification; // null: use case 5 not served
  private final VerificationRuns runs;

  /** A Concent whose record cannot be bundled (no deployment facts): tests of the rules. */
  public ConcentService(
      MessageCodec codec,
      NodeKey concentKey,
      NoteSigner notes,
      Windows windows,
      Clock clock,
      ConcentStore store,
      DepositBook deposits,
      PaymentHistory payments) {
    this(codec, concentKey, notes, windows, clock, store, deposits, payments, null);
  }

  /**
   * @param facts what the auditors' bundles name besides the case (Concent's address, the chain,
   *     the deposit contract, the windows); null if this Concent signs no bundles
   */
  public ConcentService(
      MessageCodec codec,
      NodeKey concentKey,
      NoteSigner notes,
      Windows windows,
      Clock clock,
      ConcentStore store,
      DepositBook deposits,
      PaymentHistory payments,
      org.jgolem.concent.record.Bundle.Facts facts) {
    this(codec, concentKey, notes, windows, clock, store, deposits, payments, facts, null);
  }

  /**
   * @param av what use case 5 (AdditionalVerification) needs; null if this Concent does not serve
   *     it (SubtaskResultsVerify is then refused INVALID_REQUEST)
   */
  public ConcentService(
      MessageCodec codec,
      NodeKey concentKey,
      NoteSigner notes,
      Windows windows,
      Clock clock,
      ConcentStore store,
      DepositBook deposits,
      PaymentHistory payments,
      org.jgolem.concent.record.Bundle.Facts facts,
      AdditionalVerification av) {
    this.windows = Objects.requireNonNull(windows, "windows");
    this.p =
        new Parts(
            Objects.requireNonNull(codec, "codec"),
            Objects.requireNonNull(concentKey, "concentKey"),
            new EvidenceVerifier(codec, notes, concentKey.address()),
            new CaseWindows(windows),
            Objects.requireNonNull(clock, "clock"),
            Objects.requireNonNull(store, "store"),
            Objects.requireNonNull(deposits, "deposits"),
            Objects.requireNonNull(payments, "payments"));
    this.forceReport = new ForceReportHandler(p);
    this.resultTransfer = new ResultTransferHandler(p);
    this.forceAcceptance = new ForceAcceptanceHandler(p);
    this.forcePayment = new ForcePaymentHandler(p);
    this.verification = av == null ? null : new AdditionalVerificationHandler(p, av);
    this.runs = av == null ? null : new VerificationRuns(p, av, verification.verdicts());
    if (facts != null
        && (!facts.concent().equals(concentKey.address()) || !facts.windows().equals(windows))) {
      throw new IllegalArgumentException(
          "the bundles' facts must name this Concent's address and windows: " + facts);
    }
    this.records = new RecordReader(store, facts, concentKey, clock);
  }

  @Override
  public Optional<org.jgolem.concent.record.CaseRecords> records() {
    return Optional.of(records);
  }

  /** Concent's address: the signer of its replies and verdicts. */
  public Address address() {
    return p.key().address();
  }

  // ------------------------------------------------------------------ send

  @Override
  public SendResult send(Address client, byte[] frame) {
    if (frame == null || client == null) {
      return refuse(NO_SUBTASK, rawMessageId(frame), Reason.INVALID_REQUEST, "no request");
    }
    Envelope request;
    try {
      request = p.codec().decode(frame);
    } catch (RuntimeException e) {
      if (e.getMessage() != null && e.getMessage().contains("rejection.reason")) {
        // a SubtaskResultsVerify of a rejection that is not VERIFICATION_NEGATIVE
        return refuse(
            NO_SUBTASK,
            rawMessageId(frame),
            Reason.REJECTION_NOT_DISPUTABLE,
            "only a rejection for VERIFICATION_NEGATIVE is disputed: " + e.getMessage());
      }
      return refuse(
          NO_SUBTASK,
          rawMessageId(frame),
          Reason.INVALID_REQUEST,
          "the request does not open: " + e.getMessage());
    }
    try {
      if (!request.sender().equals(client)) {
        throw new RefusedException(
            Reason.INVALID_REQUEST,
            null,
            request.type() + " is signed by " + request.sender() + " but sent by " + client);
      }
      return route(request, frame);
    } catch (RefusedException e) {
      byte[] sid = e.subtaskId() != null ? e.subtaskId() : subtaskOf(request);
      return refuse(sid, request.messageId(), e.reason(), e.getMessage());
    } catch (EvidenceException e) {
      return refuse(subtaskOf(request), request.messageId(), e.reason(), e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("cannot judge {} from {} now", request.type(), client, e);
      return refuse(
          subtaskOf(request),
          request.messageId(),
          Reason.SYSTEM_OVERLOADED,
          "Concent cannot judge the request now (" + e.getClass().getSimpleName() + "); retry");
    }
  }

  private SendResult route(Envelope request, byte[] frame) {
    return switch (request.type()) {
      case FORCE_REPORT_COMPUTED_TASK -> forceReport.request(request, frame);
      case FORCE_GET_TASK_RESULT -> resultTransfer.request(request, frame);
      case FORCE_SUBTASK_RESULTS -> forceAcceptance.request(request, frame);
      case FORCE_PAYMENT -> forcePayment.request(request, frame);
      case SUBTASK_RESULTS_VERIFY -> {
        if (verification == null) {
          throw new RefusedException(
              Reason.INVALID_REQUEST, null, "this Concent does not serve additional verification");
        }
        yield verification.request(request, frame);
      }
      case ACK_REPORT_COMPUTED_TASK, REJECT_REPORT_COMPUTED_TASK ->
          answer(request, frame, CaseState.FORCING_REPORT);
      case SUBTASK_RESULTS_ACCEPTED, SUBTASK_RESULTS_REJECTED ->
          answer(request, frame, CaseState.FORCING_ACCEPTANCE);
      default ->
          throw new RefusedException(
              Reason.INVALID_REQUEST,
              null,
              "Concent takes Force requests and the requestor's answers to them, not "
                  + request.type());
    };
  }

  /**
   * A requestor's answer to a case Concent relayed: taken while the case waits in {@code expected}
   * and its window is open ({@code now <= nextDeadline}). An answer after the window applies the
   * timeout at once and is refused TOO_LATE.
   */
  private SendResult answer(Envelope answer, byte[] frame, CaseState expected) {
    byte[] sid = subtaskOf(answer);
    return p.store()
        .transaction(tx -> {
          long now = p.now();
          SubtaskCase c =
              tx.findCase(answer.sender(), sid)
                  .orElseThrow(() ->
                      new RefusedException(
                          Reason.INVALID_STATE,
                          sid,
                          "Concent has no case of subtask "
                              + hex(sid)
                              + " with requestor "
                              + answer.sender()));
          if (c.state() != expected) {
            throw new RefusedException(
                Reason.INVALID_STATE,
                sid,
                "the case of subtask "
                    + c.subtaskIdHex()
                    + " is "
                    + c.state()
                    + "; Concent waits for no "
                    + answer.type());
          }
          if (now > c.nextDeadline()) {
            applyTimeout(tx, c, now);
            return refuse(
                sid,
                answer.messageId(),
                Reason.TOO_LATE,
                answer.type()
                    + " came after the window closed at "
                    + c.nextDeadline()
                    + "; Concent has decided in the requestor's place");
          }
          if (expected == CaseState.FORCING_REPORT) {
            forceReport.answer(tx, c, answer, frame, now);
          } else {
            forceAcceptance.answer(tx, c, answer, frame, now);
          }
          return SendResult.queued();
        });
  }

  // ------------------------------------------------------------------ timeouts

  /**
   * Applies every due timeout: each active case whose next deadline has passed moves on as its use
   * case says, each in a transaction of its own. Safe to call at any time from any thread (a case
   * changed meanwhile is re-read). Returns how many cases moved.
   */
  public int tick() {
    int moved = 0;
    for (int batch = 0; batch < 100; batch++) {
      long now = p.now();
      List<SubtaskCase> due = p.store().transaction(tx -> tx.dueCases(now, TICK_BATCH));
      int before = moved;
      for (SubtaskCase d : due) {
        try {
          if (p.store().transaction(tx -> applyIfDue(tx, d, now))) {
            moved++;
          }
        } catch (RuntimeException e) {
          LOG.warn("cannot apply the timeout of {}", d, e);
        }
      }
      if (due.size() < TICK_BATCH || moved == before) {
        break;
      }
    }
    if (runs != null) {
      try {
        runs.resume(); // a dispute whose uploads the timeout found complete, or left by a crash
      } catch (RuntimeException e) {
        LOG.warn("re-computations not resumed now", e);
      }
    }
    return moved;
  }

  private boolean applyIfDue(ConcentTx tx, SubtaskCase d, long now) {
    Optional<SubtaskCase> c = tx.findCase(d.requestor(), d.subtaskId());
    if (c.isEmpty() || !c.get().state().isActive() || c.get().nextDeadline() >= now) {
      return false;
    }
    return applyTimeout(tx, c.get(), now);
  }

  private boolean applyTimeout(ConcentTx tx, SubtaskCase c, long now) {
    switch (c.state()) {
      case FORCING_REPORT -> forceReport.timeout(tx, c, now);
      case FORCING_RESULT_TRANSFER -> resultTransfer.timeout(tx, c, now);
      case FORCING_ACCEPTANCE -> forceAcceptance.timeout(tx, c, now);
      case VERIFICATION_FILE_TRANSFER -> {
        if (verification == null) {
          return false;
        }
        verification.uploadTimeout(tx, c, now);
      }
      case ADDITIONAL_VERIFICATION -> {
        if (runs == null) {
          return false;
        }
        runs.timeout(tx, c, now);
      }
      default -> {
        LOG.warn("no timeout rule for {}", c);
        return false;
      }
    }
    LOG.info("timeout applied to {}", c);
    return true;
  }

  // ------------------------------------------------------------------ receive

  @Override
  public Optional<byte[]> receive(Address client, List<byte[]> ackIds) {
    try {
      tick(); // Golem's lazy timeouts: a polling client sees every verdict that is due
    } catch (RuntimeException e) {
      LOG.warn("timeouts not applied before a receive of {}", client, e);
    }
    List<Delivery> pending =
        p.store()
            .transaction(tx -> {
              if (!ackIds.isEmpty()) {
                tx.acknowledge(client, ackIds);
              }
              return tx.pending(client, Frames.MAX_ITEMS);
            });
    List<byte[]> ids = new ArrayList<>();
    List<byte[]> frames = new ArrayList<>();
    long bytes = 0;
    for (Delivery d : pending) {
      bytes += d.frame().length;
      if (!frames.isEmpty() && bytes > MAX_DELIVERY_BYTES) {
        break;
      }
      ids.add(d.id());
      frames.add(d.frame());
    }
    if (frames.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(p.sign(new ConcentDelivery(client, ids, frames)));
  }

  // ------------------------------------------------------------------ storage, deposits

  @Override
  public Optional<String> uploadRefusal(Address client, String cid) {
    Optional<String> why = resultTransfer.uploadRefusal(client, cid);
    if (why.isEmpty() || verification == null) {
      return why;
    }
    Optional<String> forDispute = verification.uploadRefusal(client, cid);
    return forDispute.isEmpty() ? forDispute : Optional.of(why.get() + "; " + forDispute.get());
  }

  @Override
  public void resultUploaded(Address client, String cid) {
    resultTransfer.resultUploaded(client, cid);
    if (verification != null) {
      for (SubtaskCase c : verification.uploaded(client, cid)) {
        runs.submit(c);
      }
    }
  }

  /**
   * Re-runs the re-computations left in ADDITIONAL_VERIFICATION (after a restart); returns how many
   * were submitted. Also done by every {@link #tick}.
   */
  public int resumeVerifications() {
    return runs == null ? 0 : runs.resume();
  }

  @Override
  public Optional<String> downloadRefusal(Address client, String cid) {
    return resultTransfer.downloadRefusal(client, cid);
  }

  @Override
  public ProtocolConstants constants() {
    return new ProtocolConstants(
        windows.cmt().toMillis(),
        windows.fat().toMillis(),
        windows.pdt().toMillis(),
        windows.mmtt().toMillis(),
        windows.mat().toMillis(),
        windows.downloadLeadIn().toMillis(),
        windows.uploadBytesPerSecond(),
        windows.avct().toMillis());
  }

  @Override
  public DepositReport deposit(Address owner) {
    DepositBook.DepositStatus status = p.deposits().status(owner);
    return new DepositReport(
        owner,
        status.balance(),
        status.timelock(),
        p.store().transaction(tx -> tx.reserved(owner)));
  }

  // ------------------------------------------------------------------ refusals

  private SendResult refuse(byte[] subtaskId, byte[] requestId, Reason reason, String detail) {
    String d = detail == null ? "" : detail;
    if (d.length() > 1024) {
      d = d.substring(0, 1021) + "...";
    }
    byte[] sid = subtaskId != null && subtaskId.length == 32 ? subtaskId : NO_SUBTASK;
    LOG.debug("refused {}: {}", reason, d);
    return SendResult.reply(p.sign(new ServiceRefused(sid, requestId, reason, d)));
  }

  /** The subtask a request names directly, or zeros (Force requests name it in their evidence). */
  private static byte[] subtaskOf(Envelope e) {
    return switch (e.payload()) {
      case AckReportComputedTask a -> a.subtaskId();
      case RejectReportComputedTask r -> r.subtaskId();
      case SubtaskResultsAccepted a -> a.subtaskId();
      case SubtaskResultsRejected r -> r.subtaskId();
      default -> NO_SUBTASK;
    };
  }

  /** The message id field of a frame that does not open, or zeros if it is too short. */
  private static byte[] rawMessageId(byte[] frame) {
    int at = 1 + 2 + 20 + 8;
    if (frame == null || frame.length < at + Envelope.MESSAGE_ID_LENGTH) {
      return new byte[Envelope.MESSAGE_ID_LENGTH];
    }
    return Arrays.copyOfRange(frame, at, at + Envelope.MESSAGE_ID_LENGTH);
  }

  private static String hex(byte[] b) {
    return "0x" + java.util.HexFormat.of().formatHex(b);
  }
}
