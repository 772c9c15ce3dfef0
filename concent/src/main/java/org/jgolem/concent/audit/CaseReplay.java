package org.jgolem.concent.audit;

import static org.jgolem.concent.audit.Auditor.open;
import static org.jgolem.concent.audit.Auditor.require;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.jgolem.concent.audit.Auditor.Check;
import org.jgolem.concent.audit.Auditor.Evidence;
import org.jgolem.concent.audit.Auditor.Owed;
import org.jgolem.concent.cases.CaseState;
import org.jgolem.concent.evidence.EvidenceException;
import org.jgolem.concent.evidence.EvidenceVerifier;
import org.jgolem.concent.evidence.PaymentEvidence;
import org.jgolem.concent.record.Bundle;
import org.jgolem.concent.record.CaseSummary;
import org.jgolem.concent.record.Entry;
import org.jgolem.concent.record.Fields;
import org.jgolem.concent.time.CaseWindows;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.concent.ForceGetTaskResult;
import org.jgolem.protocol.messages.concent.ForcePayment;
import org.jgolem.protocol.messages.concent.ForcePaymentResponse;
import org.jgolem.protocol.messages.concent.ForceReportComputedTask;
import org.jgolem.protocol.messages.concent.ForceSubtaskResults;
import org.jgolem.protocol.messages.concent.ForceSubtaskResultsResponse;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.notes.NoteSigner;

/**
 * The offline part of an audit: the case's entries followed in order, as Concent's handlers wrote
 * them. Each frame is opened (every signature) and each request's evidence re-checked by {@link
 * EvidenceVerifier}; each rule's inputs are compared with the evidence's own timestamps and its
 * bounds recomputed with {@link CaseWindows} ({@link RuleChecks}); each verdict must follow from
 * the rule that decided it, each amount from the evidence, and the settlement from the verdict and
 * the requestor's own notes ({@link VerdictChecks}); each message Concent sent must agree ({@link
 * SentChecks}). This class holds the case as it unfolds (docs/CONCENT.md §2 read backwards), which
 * its three checkers read and move; it does no I/O.
 */
final class CaseReplay {
  static final Set<String> KINDS =
      Set.of(
          Entry.RECEIVED,
          Entry.SENT,
          Entry.RULE,
          Entry.TRANSITION,
          Entry.VERDICT,
          Entry.CLAIM,
          Entry.SETTLEMENT,
          Entry.SETTLED,
          Entry.SETTLEMENT_FAILED,
          Entry.UPLOADED);

  static final String UC1 = MessageType.FORCE_REPORT_COMPUTED_TASK.name();
  static final String UC2 = MessageType.FORCE_GET_TASK_RESULT.name();
  static final String UC3 = MessageType.FORCE_SUBTASK_RESULTS.name();
  static final String UC4 = MessageType.FORCE_PAYMENT.name();

  /** Which use case each rule belongs to. */
  static final Map<String, String> RULES =
      Map.of(
          "forceReportOpen", UC1,
          "reportAnswerWindow", UC1,
          "forceGetResultWindow", UC2,
          "uploadWindow", UC2,
          "forceAcceptanceWindow", UC3,
          "acceptanceAnswerWindow", UC3,
          "paymentDue", UC4);

  final Bundle b;
  final CaseSummary summary;
  final MessageCodec codec;
  final NoteSigner notes;
  final EvidenceVerifier verifier;
  final CaseWindows w;
  final Consumer<Check> out;

  // the case as it unfolds
  Evidence ev;
  PaymentEvidence pay;
  String episode;
  String ruleName;
  boolean ruleHeld;
  long ruleCloses;
  int dueRules;
  boolean depositHeld;
  Envelope answer;
  byte[] answerFrame;
  boolean uploaded;
  Fields verdict;
  long verdictAt;
  String state = "NEW";
  Owed settlement;
  String settledHash;
  boolean settlementFailed;
  long lastAt = Long.MIN_VALUE;
  int frames;
  int sent;
  int rules;

  private final RuleChecks ruleChecks = new RuleChecks(this);
  private final VerdictChecks verdicts = new VerdictChecks(this);
  private final SentChecks sentChecks = new SentChecks(this);

  CaseReplay(
      Bundle b,
      MessageCodec codec,
      NoteSigner notes,
      EvidenceVerifier verifier,
      CaseWindows w,
      Consumer<Check> out) {
    this.b = b;
    this.summary = b.summary();
    this.codec = codec;
    this.notes = notes;
    this.verifier = verifier;
    this.w = w;
    this.out = out;
  }

  Owed settlement() {
    return settlementFailed ? null : settlement;
  }

  String settledHash() {
    return settledHash;
  }

  void run() {
    List<Entry> entries = b.entries();
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      String where = "entry " + i + " (" + e.kind() + ")";
      require(
          e.at() >= lastAt,
          "window",
          where + " is dated " + e.at() + ", before the entry before it");
      lastAt = e.at();
      try {
        step(e, where);
      } catch (IllegalArgumentException x) {
        throw new Inconsistency("bundle-format", where + ": " + x.getMessage());
      } catch (NullPointerException x) {
        throw new Inconsistency(
            "evidence-chain", where + ": the record holds no request this entry follows from");
      }
    }
    finish();
  }

  private void step(Entry e, String where) {
    switch (e.kind()) {
      case Entry.RECEIVED -> received(e.read(), where);
      case Entry.SENT -> sentChecks.sent(e.read(), where);
      case Entry.RULE -> ruleChecks.rule(e, where);
      case Entry.TRANSITION -> transition(e.read(), where);
      case Entry.VERDICT -> verdicts.verdict(e, where);
      case Entry.CLAIM -> verdicts.claim(e.read(), where);
      case Entry.SETTLEMENT -> verdicts.settlement(e, where);
      case Entry.SETTLED -> verdicts.settled(e.read(), where);
      case Entry.SETTLEMENT_FAILED -> {
        settlementFailed = true;
        pass(
            "settlement", where + ": the chain refused the settlement: " + e.read().text("reason"));
      }
      case Entry.UPLOADED -> {
        require(
            ev != null && UC2.equals(episode), "evidence-chain", where + ": no upload was asked");
        String cid = e.read().text("cid");
        require(
            cid.equals(ev.rct().resultCid()),
            "evidence-chain",
            where + ": the upload " + cid + " is not the reported result " + ev.rct().resultCid());
        uploaded = true;
        pass("evidence-chain", where + ": the storage verified the reported result " + cid);
      }
      default -> throw new IllegalStateException("unreachable: " + e.kind());
    }
  }

  // ------------------------------------------------------------------ frames received

  private void received(Fields f, String where) {
    byte[] frame = f.bytes("frame");
    Envelope env = open(codec, frame, where);
    frames++;
    require(
        env.sender().equals(f.address("from")),
        "evidence-chain",
        where + " is signed by " + env.sender() + " but recorded as from " + f.address("from"));
    where = where + " " + env.type();
    try {
      switch (env.type()) {
        case FORCE_REPORT_COMPUTED_TASK -> {
          notesOf(env.payload(ForceReportComputedTask.class).taskToCompute(), where);
          start(UC1, Evidence.of(verifier.forceReport(env)), where);
        }
        case FORCE_GET_TASK_RESULT -> {
          notesOf(env.payload(ForceGetTaskResult.class).taskToCompute(), where);
          start(UC2, Evidence.of(verifier.forceGetResult(env)), where);
        }
        case FORCE_SUBTASK_RESULTS -> {
          notesOf(env.payload(ForceSubtaskResults.class).taskToCompute(), where);
          var a = verifier.forceAcceptance(env);
          start(UC3, new Evidence(a.task(), a.report()), where);
        }
        case FORCE_PAYMENT -> {
          for (byte[] t : env.payload(ForcePayment.class).taskToComputes()) {
            notesOf(t, where);
          }
          startPayment(verifier.forcePayment(env), where);
        }
        case ACK_REPORT_COMPUTED_TASK, REJECT_REPORT_COMPUTED_TASK -> {
          require(UC1.equals(episode), "evidence-chain", where + ": Concent relayed no report");
          verifier.reportAnswer(env, ev.asCase());
          answer = env;
          answerFrame = frame;
        }
        case SUBTASK_RESULTS_ACCEPTED, SUBTASK_RESULTS_REJECTED -> {
          require(UC3.equals(episode), "evidence-chain", where + ": Concent forced no results");
          verifier.resultsAnswer(env, ev.asCase());
          answer = env;
          answerFrame = frame;
        }
        default ->
            throw new Inconsistency("evidence-chain", where + ": Concent takes no " + env.type());
      }
    } catch (EvidenceException x) {
      throw Auditor.evidence(x, where);
    }
    pass(
        "evidence-chain", where + " from " + env.sender() + ": signatures and evidence chain hold");
  }

  /** The TaskToCompute's promissory notes, signed by its requestor in this deposit's domain. */
  private void notesOf(byte[] ttcFrame, String where) {
    Envelope t = open(codec, ttcFrame, where + "'s TaskToCompute");
    if (t.payload() instanceof TaskToCompute ttc) {
      require(
          ttc.notesSignedByRequestor(notes),
          "promissory-note",
          where
              + ": the TaskToCompute's promissory notes are not signed by its requestor "
              + ttc.requestor()
              + " in the EIP-712 domain of GNTDeposit "
              + b.facts().deposit()
              + " on chain "
              + b.facts().chainId());
    }
  }

  private void start(String useCase, Evidence e, String where) {
    require(
        summary.kind() == CaseSummary.Kind.SUBTASK,
        "evidence-chain",
        where + " in a " + summary.kind() + " case");
    TaskToCompute ttc = e.ttc();
    require(
        ttc.requestor().equals(summary.requestor())
            && ttc.provider().equals(summary.provider())
            && Arrays.equals(ttc.subtaskId(), summary.subtaskId())
            && Arrays.equals(ttc.taskId(), summary.taskId()),
        "evidence-chain",
        where
            + " is about subtask "
            + ttc.subtaskIdHex()
            + " of "
            + ttc.requestor()
            + " -> "
            + ttc.provider()
            + ", not the case's");
    if (ev != null) {
      require(
          Arrays.equals(ev.rct().structHash(), e.rct().structHash()),
          "evidence-chain",
          where + " rests on another report than the case's first request");
    }
    ev = e;
    episode = useCase;
    answer = null;
    answerFrame = null;
    uploaded = false;
    ruleName = null;
  }

  private void startPayment(PaymentEvidence p, String where) {
    require(
        summary.kind() == CaseSummary.Kind.PAYMENT && pay == null,
        "evidence-chain",
        where + " in a " + summary.kind() + " case");
    TaskToCompute first = p.items().get(0).ttc();
    require(
        p.requestor().equals(summary.requestor())
            && p.provider().equals(summary.provider())
            && Arrays.equals(first.subtaskId(), summary.subtaskId()),
        "evidence-chain",
        where + " is not the ForcePayment the case names");
    pay = p;
    episode = UC4;
  }

  // ------------------------------------------------------------------ rules and windows

  // the rules: RuleChecks; verdicts and amounts: VerdictChecks; what Concent sent: SentChecks

  private void transition(Fields f, String where) {
    String from = f.text("from");
    String to = f.text("to");
    require(
        from.equals(state),
        "transition",
        where + " starts from " + from + ", the case is " + state);
    CaseState next;
    try {
      next = CaseState.valueOf(to);
    } catch (IllegalArgumentException x) {
      throw new Inconsistency("transition", where + ": no state " + to);
    }
    boolean ok = from.equals("NEW") ? next.isInitial() : next.canFollow(CaseState.valueOf(from));
    require(ok, "transition", where + ": Golem's table has no move " + from + " -> " + to);
    state = to;
    pass("transition", where + ": " + from + " -> " + to);
  }

  // ------------------------------------------------------------------ the case as a whole

  private void finish() {
    require(
        verdict != null || summary.verdict() == null,
        "verdict",
        "the case names a verdict no entry gives");
    String last = verdict == null ? null : verdict.text("outcome");
    require(
        java.util.Objects.equals(summary.verdict(), last),
        "verdict",
        "the case's verdict is " + summary.verdict() + ", its last verdict entry " + last);
    if (summary.kind() == CaseSummary.Kind.SUBTASK) {
      String s = state.equals("NEW") ? null : state;
      require(
          java.util.Objects.equals(summary.state(), s),
          "transition",
          "the case's state is " + summary.state() + ", its transitions end in " + s);
    }
    boolean owes =
        ForceSubtaskResultsResponse.Outcome.ACCEPTED_BY_CONCENT.name().equals(last)
            || ForcePaymentResponse.Outcome.PAYMENT_COMMITTED.name().equals(last);
    require(
        !owes || settlement != null,
        "verdict",
        "the verdict " + last + " owes a settlement the record does not hold");
    require(
        java.util.Objects.equals(summary.settlementTx(), settledHash),
        "settlement-record",
        "the case names settlement " + summary.settlementTx() + ", its entries " + settledHash);
    pass(
        "record",
        frames
            + " frames opened ("
            + sent
            + " Concent's), "
            + rules
            + " rules recomputed, verdict "
            + last
            + ", state "
            + summary.state());
  }

  void pass(String name, String detail) {
    out.accept(new Check(name, detail));
  }
}
