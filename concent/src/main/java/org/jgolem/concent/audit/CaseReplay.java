package org.jgolem.concent.audit;

import static org.jgolem.concent.audit.Auditor.hex;
import static org.jgolem.concent.audit.Auditor.open;
import static org.jgolem.concent.audit.Auditor.require;

import java.math.BigInteger;
import java.util.ArrayList;
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
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.concent.ForceGetTaskResult;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultDownload;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultFailed;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultUpload;
import org.jgolem.protocol.messages.concent.ForcePayment;
import org.jgolem.protocol.messages.concent.ForcePaymentResponse;
import org.jgolem.protocol.messages.concent.ForceReportComputedTask;
import org.jgolem.protocol.messages.concent.ForceReportComputedTaskResponse;
import org.jgolem.protocol.messages.concent.ForceSubtaskResults;
import org.jgolem.protocol.messages.concent.ForceSubtaskResultsResponse;
import org.jgolem.protocol.messages.concent.ServiceRefused;
import org.jgolem.protocol.messages.concent.SettlementMade;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.notes.NoteSigner;
import org.jgolem.protocol.notes.SignedNote;

/**
 * The offline part of an audit: the case's entries followed in order, as Concent's handlers wrote
 * them. Each frame is opened (every signature) and each request's evidence re-checked by {@link
 * EvidenceVerifier}; each rule's inputs are compared with the evidence's own timestamps and its
 * bounds recomputed with {@link CaseWindows}; each verdict must follow from the rule that decided
 * it, each amount from the evidence, each message Concent sent from the verdict, and the settlement
 * from the verdict and the requestor's own notes. One class because the checks share the case as it
 * unfolds (this is the state machine of docs/CONCENT.md §2 read backwards); it does no I/O.
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

  private static final String UC1 = MessageType.FORCE_REPORT_COMPUTED_TASK.name();
  private static final String UC2 = MessageType.FORCE_GET_TASK_RESULT.name();
  private static final String UC3 = MessageType.FORCE_SUBTASK_RESULTS.name();
  private static final String UC4 = MessageType.FORCE_PAYMENT.name();

  /** Which use case each rule belongs to. */
  private static final Map<String, String> RULES =
      Map.of(
          "forceReportOpen", UC1,
          "reportAnswerWindow", UC1,
          "forceGetResultWindow", UC2,
          "uploadWindow", UC2,
          "forceAcceptanceWindow", UC3,
          "acceptanceAnswerWindow", UC3,
          "paymentDue", UC4);

  private final Bundle b;
  private final CaseSummary summary;
  private final MessageCodec codec;
  private final NoteSigner notes;
  private final EvidenceVerifier verifier;
  private final CaseWindows w;
  private final Consumer<Check> out;

  // the case as it unfolds
  private Evidence ev;
  private PaymentEvidence pay;
  private String episode;
  private String ruleName;
  private boolean ruleHeld;
  private long ruleCloses;
  private int dueRules;
  private boolean depositHeld;
  private Envelope answer;
  private byte[] answerFrame;
  private boolean uploaded;
  private Fields verdict;
  private long verdictAt;
  private String state = "NEW";
  private Owed settlement;
  private String settledHash;
  private boolean settlementFailed;
  private long lastAt = Long.MIN_VALUE;
  private int frames;
  private int sent;
  private int rules;

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
      case Entry.SENT -> sent(e.read(), where);
      case Entry.RULE -> rule(e, where);
      case Entry.TRANSITION -> transition(e.read(), where);
      case Entry.VERDICT -> verdict(e, where);
      case Entry.CLAIM -> claim(e.read(), where);
      case Entry.SETTLEMENT -> settlement(e, where);
      case Entry.SETTLED -> settled(e.read(), where);
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

  private void rule(Entry e, String where) {
    Fields f = e.read();
    String name = f.text("rule");
    long now = f.integer("now");
    boolean held = f.flag("held");
    Fields in = f.fields("inputs");
    Fields bd = f.fields("bounds");
    where = where + " " + name;
    rules++;
    require(now == e.at(), "window", where + ": checked at " + now + ", recorded at " + e.at());
    if (name.equals("depositNotWithdrawn")) {
      long timelock = in.integer("timelock");
      require(
          held == (timelock == 0), "window", where + ": timelock " + timelock + " vs held " + held);
      require(held, "deposit", where + ": Concent went on with a deposit being withdrawn");
      depositHeld = true;
      pass("deposit", where + ": the deposit was not being withdrawn (timelock 0) at " + now);
      return;
    }
    String useCase = RULES.get(name);
    require(useCase != null, "window", where + ": no such rule");
    require(useCase.equals(episode), "window", where + " does not belong to " + episode);
    long closes;
    String detail;
    if (useCase.equals(UC4)) {
      require(dueRules < pay.items().size(), "window", where + ": more due rules than acceptances");
      long ts = pay.items().get(dueRules++).sra().paymentTs();
      input(in, "paymentTs", ts, where);
      long due = bound(bd, "dueAt", w.paymentDueAt(ts), where);
      holds(held, due <= now, where, "dueAt " + due + " <= now " + now);
      closes = due;
      detail = "paymentTs " + ts + " s + PDT = " + due + " <= now " + now;
    } else {
      TaskToCompute ttc = ev.ttc();
      long deadline = input(in, "deadline", ttc.deadline(), where);
      long size = ev.rct().size();
      long assigned = ev.task().envelope().timestamp();
      switch (name) {
        case "forceReportOpen" -> closes = bound(bd, "closesAt", deadline, where);
        case "reportAnswerWindow" ->
            closes = bound(bd, "closesAt", w.reportAnswerDeadline(deadline), where);
        case "forceGetResultWindow" -> {
          input(in, "size", size, where);
          closes = bound(bd, "closesAt", w.forceGetResultClosesAt(deadline, size), where);
        }
        case "uploadWindow" -> {
          input(in, "size", size, where);
          closes = bound(bd, "closesAt", w.uploadDeadline(deadline, size), where);
        }
        case "forceAcceptanceWindow" -> {
          input(in, "assignedAt", assigned, where);
          input(in, "size", size, where);
          long opens =
              bound(bd, "opensAfter", w.forceAcceptanceOpensAfter(assigned, deadline, size), where);
          closes =
              bound(bd, "closesAt", w.forceAcceptanceClosesAt(assigned, deadline, size), where);
          require(
              now > opens,
              "window",
              where + ": taken at " + now + ", not after deadline + SVT = " + opens);
        }
        default -> {
          input(in, "assignedAt", assigned, where);
          input(in, "size", size, where);
          closes =
              bound(bd, "closesAt", w.acceptanceAnswerDeadline(assigned, deadline, size), where);
        }
      }
      holds(held, now <= closes, where, "now " + now + " <= closesAt " + closes);
      detail = "now " + now + (now <= closes ? " <= " : " > ") + "closesAt " + closes;
    }
    ruleName = name;
    ruleHeld = held;
    ruleCloses = closes;
    pass("window", where + ": " + detail + " (recomputed from the evidence's timestamps)");
  }

  private static long input(Fields in, String name, long evidence, String where) {
    long recorded = in.integer(name);
    require(
        recorded == evidence,
        "window",
        where + " read " + name + " " + recorded + " but the evidence says " + evidence);
    return evidence;
  }

  private static long bound(Fields bd, String name, long computed, String where) {
    long recorded = bd.integer(name);
    require(
        recorded == computed,
        "window",
        where + " used " + name + " " + recorded + " but the windows give " + computed);
    return computed;
  }

  private static void holds(boolean recorded, boolean actual, String where, String condition) {
    require(
        recorded == actual,
        "window",
        where
            + " is recorded as "
            + (recorded ? "held" : "not held")
            + " but "
            + condition
            + " is "
            + actual);
  }

  // ------------------------------------------------------------------ verdicts and amounts

  private void verdict(Entry e, String where) {
    Fields f = e.read();
    String useCase = f.text("useCase");
    String outcome = f.text("outcome");
    require(
        useCase.equals(episode),
        "verdict",
        where + " decides " + useCase + ", the case is at " + episode);
    String expected;
    String because;
    if (useCase.equals(UC4)) {
      require(
          dueRules == pay.items().size(),
          "verdict",
          where + ": " + dueRules + " due rules for " + pay.items().size() + " acceptances");
      BigInteger owed = pay.owed();
      BigInteger paid = f.amount("paid");
      BigInteger missing = owed.subtract(paid).max(BigInteger.ZERO);
      amount(f.amount("owed"), owed, where + " owed (the sum of the accepted prices)");
      amount(f.amount("reimbursed"), missing, where + " reimbursed (owed - paid on chain)");
      amount(
          f.amount("paidSince"),
          BigInteger.valueOf(pay.earliestPaymentTs()),
          where + " paidSince (the earliest paymentTs)");
      expected =
          missing.signum() > 0
              ? ForcePaymentResponse.Outcome.PAYMENT_COMMITTED.name()
              : ForcePaymentResponse.Outcome.NO_UNSETTLED_TASKS.name();
      because = "owed " + owed + " - paid on chain " + paid + " = " + owed.subtract(paid);
    } else {
      require(ruleName != null, "verdict", where + ": no rule decided it");
      String r = ruleName + (ruleHeld ? " held" : " did not hold");
      because = r;
      BigInteger amount = null;
      BigInteger price = ev.ttc().price();
      if (useCase.equals(UC1)) {
        if (ruleName.equals("forceReportOpen") && !ruleHeld) {
          expected = ForceReportComputedTaskResponse.Outcome.SUBTASK_TIMEOUT.name();
        } else if (ruleName.equals("reportAnswerWindow") && !ruleHeld) {
          expected = ForceReportComputedTaskResponse.Outcome.CONCENT_ACK.name();
        } else if (ruleName.equals("reportAnswerWindow") && answer != null) {
          expected =
              answer.type() == MessageType.ACK_REPORT_COMPUTED_TASK
                  ? ForceReportComputedTaskResponse.Outcome.ACK_FROM_REQUESTOR.name()
                  : ForceReportComputedTaskResponse.Outcome.REJECT_FROM_REQUESTOR.name();
          because = r + " and the requestor answered " + answer.type();
        } else {
          throw new Inconsistency("verdict", where + ": nothing decides " + useCase + " yet");
        }
      } else if (useCase.equals(UC2)) {
        if (uploaded) {
          expected = "RESULT_UPLOADED";
          because = "the storage verified the upload";
        } else if (ruleName.equals("uploadWindow") && !ruleHeld) {
          expected = "UPLOAD_FAILED";
        } else {
          throw new Inconsistency("verdict", where + ": nothing decides " + useCase + " yet");
        }
      } else {
        if (ruleName.equals("acceptanceAnswerWindow") && !ruleHeld) {
          expected = ForceSubtaskResultsResponse.Outcome.ACCEPTED_BY_CONCENT.name();
          amount = price;
        } else if (ruleName.equals("acceptanceAnswerWindow") && answer != null) {
          boolean accepted = answer.type() == MessageType.SUBTASK_RESULTS_ACCEPTED;
          expected =
              accepted
                  ? ForceSubtaskResultsResponse.Outcome.ACCEPTED_BY_REQUESTOR.name()
                  : ForceSubtaskResultsResponse.Outcome.REJECTED_BY_REQUESTOR.name();
          amount =
              accepted ? answer.payload(SubtaskResultsAccepted.class).price() : BigInteger.ZERO;
          because = r + " and the requestor answered " + answer.type();
        } else {
          throw new Inconsistency("verdict", where + ": nothing decides " + useCase + " yet");
        }
      }
      if (amount != null) {
        amount(f.amount("amount"), amount, where + " amount");
      }
    }
    require(
        outcome.equals(expected),
        "verdict",
        where + " says " + outcome + ", but " + because + ": the verdict is " + expected);
    verdict = f;
    verdictAt = e.at();
    pass("verdict", where + " " + outcome + " follows: " + because);
  }

  private static void amount(BigInteger recorded, BigInteger expected, String what) {
    require(
        recorded.equals(expected),
        "amount",
        what + " is " + recorded + ", but the evidence gives " + expected);
  }

  private void claim(Fields f, String where) {
    BigInteger expected;
    if (UC3.equals(episode)) {
      expected = ev.ttc().price();
    } else {
      require(
          verdict != null && UC4.equals(episode), "amount", where + ": no verdict to claim for");
      expected = verdict.amount("reimbursed");
    }
    require(depositHeld, "deposit", where + ": no deposit rule before the claim");
    Address requestor = UC4.equals(episode) ? pay.requestor() : ev.ttc().requestor();
    Address provider = UC4.equals(episode) ? pay.provider() : ev.ttc().provider();
    require(
        f.address("payer").equals(requestor) && f.address("payee").equals(provider),
        "amount",
        where + " claims for " + f.address("payer") + " -> " + f.address("payee"));
    amount(f.amount("amount"), expected, where + " claim");
    pass("amount", where + ": " + expected + " reserved on the deposit of " + requestor);
  }

  private void settlement(Entry e, String where) {
    Owed o = Owed.of(e);
    require(verdict != null, "verdict", where + ": a settlement without a verdict");
    String outcome = verdict.text("outcome");
    List<SignedNote> expectedNotes = new ArrayList<>();
    BigInteger expected;
    Address requestor;
    Address provider;
    if (UC4.equals(episode)) {
      require(
          outcome.equals(ForcePaymentResponse.Outcome.PAYMENT_COMMITTED.name()),
          "verdict",
          where + ": " + outcome + " pays nothing");
      expected = verdict.amount("reimbursed");
      pay.items().forEach(i -> expectedNotes.add(i.ttc().providerNote().toSignedNote()));
      requestor = pay.requestor();
      provider = pay.provider();
      require(
          o.closureTime() == verdictAt / 1000,
          "settlement-record",
          where + " closes at " + o.closureTime() + " s, the verdict was at " + verdictAt + " ms");
    } else {
      require(
          outcome.equals(ForceSubtaskResultsResponse.Outcome.ACCEPTED_BY_CONCENT.name()),
          "verdict",
          where + ": " + outcome + " is paid by nobody through Concent");
      expected = ev.ttc().price();
      expectedNotes.add(ev.ttc().providerNote().toSignedNote());
      requestor = ev.ttc().requestor();
      provider = ev.ttc().provider();
    }
    require(
        o.payer().equals(requestor) && o.payee().equals(provider),
        "amount",
        where + " pays " + o.payer() + " -> " + o.payee() + ", not " + requestor + " -> "
            + provider);
    amount(o.amount(), expected, where + " amount");
    require(
        o.notes().equals(expectedNotes),
        "promissory-note",
        where + ": the notes are not the TaskToComputes' provider notes");
    for (SignedNote n : o.notes()) {
      require(
          notes.recover(n).equals(requestor),
          "promissory-note",
          where + ": a note is not signed by " + requestor + " in GNTDeposit's domain");
    }
    settlement = o;
    pass(
        "promissory-note",
        where
            + ": "
            + o.amount()
            + " from "
            + requestor
            + " to "
            + provider
            + ", backed by "
            + o.notes().size()
            + " note(s) of the requestor in GNTDeposit "
            + b.facts().deposit()
            + "'s EIP-712 domain (chain "
            + b.facts().chainId()
            + ")");
  }

  private void settled(Fields f, String where) {
    require(settlement != null, "settlement-record", where + ": no settlement was owed");
    require(
        f.integer("settlementId") == settlement.settlementId(),
        "settlement-record",
        where
            + " settles "
            + f.integer("settlementId")
            + ", the case owes "
            + settlement.settlementId());
    settledHash = f.text("transactionHash");
    require(
        settledHash.equals(summary.settlementTx()),
        "settlement-record",
        where + " names transaction " + settledHash + ", the case " + summary.settlementTx());
    pass(
        "settlement-record",
        where + ": mined in " + settledHash + ", block " + f.integer("blockNumber"));
  }

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

  // ------------------------------------------------------------------ what Concent sent

  private void sent(Fields f, String where) {
    Envelope env = open(codec, f.bytes("frame"), where);
    frames++;
    sent++;
    require(
        env.sender().equals(b.facts().concent()),
        "concent-signature",
        where + " " + env.type() + " is signed by " + env.sender() + ", not by Concent");
    where = where + " " + env.type();
    String outcome = verdict == null ? null : verdict.text("outcome");
    switch (env.payload()) {
      case ForceReportComputedTaskResponse r -> {
        about(r.subtaskId(), r.reportHash(), where);
        same(r.outcome().name(), outcome, where);
        if (r.outcome() == ForceReportComputedTaskResponse.Outcome.ACK_FROM_REQUESTOR
            || r.outcome() == ForceReportComputedTaskResponse.Outcome.REJECT_FROM_REQUESTOR) {
          require(
              Arrays.equals(r.answer(), answerFrame),
              "evidence-chain",
              where + " relays another answer than the requestor's");
        }
        if (r.outcome() == ForceReportComputedTaskResponse.Outcome.CONCENT_ACK) {
          signedAfterWindow(env, where);
        }
      }
      case ForceSubtaskResultsResponse r -> {
        about(r.subtaskId(), r.reportHash(), where);
        same(r.outcome().name(), outcome, where);
        amount(r.amount(), verdict.amount("amount"), where + " amount");
        if (r.outcome() == ForceSubtaskResultsResponse.Outcome.ACCEPTED_BY_CONCENT) {
          signedAfterWindow(env, where);
        } else {
          require(
              Arrays.equals(r.answer(), answerFrame),
              "evidence-chain",
              where + " relays another answer than the requestor's");
        }
      }
      case ForcePaymentResponse r -> {
        same(r.outcome().name(), outcome, where);
        amount(r.owed(), verdict.amount("owed"), where + " owed");
        amount(r.paidOnChain(), verdict.amount("paid"), where + " paid");
        amount(r.reimbursed(), verdict.amount("reimbursed"), where + " reimbursed");
        require(
            r.requestor().equals(pay.requestor())
                && r.provider().equals(pay.provider())
                && Auditor.sameIds(
                    r.subtaskIds(), pay.items().stream().map(i -> i.ttc().subtaskId()).toList()),
            "evidence-chain",
            where + " answers another ForcePayment");
      }
      case ForceGetTaskResultUpload u -> {
        about(u.subtaskId(), u.reportHash(), where);
        require(
            u.resultCid().equals(ev.rct().resultCid()) && u.size() == ev.rct().size(),
            "evidence-chain",
            where + " asks for another result than the reported one");
        long by = w.uploadDeadline(ev.ttc().deadline(), ev.rct().size());
        require(
            u.uploadDeadline() == by,
            "window",
            where + " gives the provider until " + u.uploadDeadline() + ", the windows give " + by);
      }
      case ForceGetTaskResultDownload d -> {
        about(d.subtaskId(), d.reportHash(), where);
        same("RESULT_UPLOADED", outcome, where);
        long until =
            w.downloadDeadline(
                ev.task().envelope().timestamp(), ev.ttc().deadline(), ev.rct().size());
        require(
            d.downloadDeadline() == until,
            "window",
            where
                + " lets the requestor download until "
                + d.downloadDeadline()
                + ", the windows give "
                + until);
      }
      case ForceGetTaskResultFailed x -> {
        about(x.subtaskId(), x.reportHash(), where);
        same("UPLOAD_FAILED", outcome, where);
        signedAfterWindow(env, where);
      }
      case SettlementMade m -> {
        require(settlement != null, "settlement-record", where + ": no settlement was owed");
        require(
            m.payer().equals(settlement.payer()) && m.payee().equals(settlement.payee()),
            "amount",
            where + " names " + m.payer() + " -> " + m.payee());
        amount(m.amount(), settlement.amount(), where + " amount");
        require(
            m.transactionHash().equals(settledHash),
            "settlement-record",
            where + " names transaction " + m.transactionHash() + ", the record " + settledHash);
      }
      case ServiceRefused r ->
          require(settlementFailed, "verdict", where + ": Concent refused nothing in this case");
      default ->
          throw new Inconsistency("verdict", where + ": Concent sends no such message in a case");
    }
    pass(
        "concent-signature",
        where + " signed by Concent at " + env.timestamp() + " agrees with the record");
  }

  /** A verdict Concent gave because a window closed must be signed after it closed. */
  private void signedAfterWindow(Envelope verdictFrame, String where) {
    require(
        ruleName != null && !ruleHeld && verdictFrame.timestamp() > ruleCloses,
        "window",
        where
            + " is signed at "
            + verdictFrame.timestamp()
            + ", not after its window closed at "
            + ruleCloses);
  }

  private void about(byte[] subtaskId, byte[] reportHash, String where) {
    require(
        ev != null
            && Arrays.equals(subtaskId, ev.ttc().subtaskId())
            && Arrays.equals(reportHash, ev.rct().structHash()),
        "evidence-chain",
        where + " is about subtask " + hex(subtaskId) + " and another report");
  }

  private static void same(String sent, String recorded, String where) {
    require(
        sent.equals(recorded),
        "verdict",
        where + " says " + sent + ", the recorded verdict is " + recorded);
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

  private void pass(String name, String detail) {
    out.accept(new Check(name, detail));
  }
}
