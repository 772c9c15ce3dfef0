package org.jgolem.concent.audit;

import static org.jgolem.concent.audit.Auditor.require;

import org.jgolem.concent.record.Entry;
import org.jgolem.concent.record.Fields;
import org.jgolem.protocol.messages.market.TaskToCompute;

/**
 * The rules of a case: each rule's inputs against the evidence's own timestamps, its bounds
 * recomputed with the bundle's windows, its outcome against {@code now}. Part of {@link
 * CaseReplay}, whose state it reads and moves.
 */
final class RuleChecks {
  private final CaseReplay c;

  RuleChecks(CaseReplay c) {
    this.c = c;
  }

  void rule(Entry e, String where) {
    Fields f = e.read();
    String name = f.text("rule");
    long now = f.integer("now");
    boolean held = f.flag("held");
    Fields in = f.fields("inputs");
    Fields bd = f.fields("bounds");
    where = where + " " + name;
    c.rules++;
    require(now == e.at(), "window", where + ": checked at " + now + ", recorded at " + e.at());
    if (name.equals("depositNotWithdrawn")) {
      long timelock = in.integer("timelock");
      require(
          held == (timelock == 0), "window", where + ": timelock " + timelock + " vs held " + held);
      require(held, "deposit", where + ": Concent went on with a deposit being withdrawn");
      c.depositHeld = true;
      c.pass("deposit", where + ": the deposit was not being withdrawn (timelock 0) at " + now);
      return;
    }
    String useCase = CaseReplay.RULES.get(name);
    require(useCase != null, "window", where + ": no such rule");
    require(useCase.equals(c.episode), "window", where + " does not belong to " + c.episode);
    long closes;
    String detail;
    if (useCase.equals(CaseReplay.UC4)) {
      require(
          c.dueRules < c.pay.items().size(), "window", where + ": more due rules than acceptances");
      long ts = c.pay.items().get(c.dueRules++).sra().paymentTs();
      input(in, "paymentTs", ts, where);
      long due = bound(bd, "dueAt", c.w.paymentDueAt(ts), where);
      holds(held, due <= now, where, "dueAt " + due + " <= now " + now);
      closes = due;
      detail = "paymentTs " + ts + " s + PDT = " + due + " <= now " + now;
    } else {
      TaskToCompute ttc = c.ev.ttc();
      long deadline = input(in, "deadline", ttc.deadline(), where);
      long size = c.ev.rct().size();
      long assigned = c.ev.task().envelope().timestamp();
      switch (name) {
        case "forceReportOpen" -> closes = bound(bd, "closesAt", deadline, where);
        case "reportAnswerWindow" ->
            closes = bound(bd, "closesAt", c.w.reportAnswerDeadline(deadline), where);
        case "forceGetResultWindow" -> {
          input(in, "size", size, where);
          closes = bound(bd, "closesAt", c.w.forceGetResultClosesAt(deadline, size), where);
        }
        case "uploadWindow" -> {
          input(in, "size", size, where);
          closes = bound(bd, "closesAt", c.w.uploadDeadline(deadline, size), where);
        }
        case "forceAcceptanceWindow" -> {
          input(in, "assignedAt", assigned, where);
          input(in, "size", size, where);
          long opens =
              bound(
                  bd, "opensAfter", c.w.forceAcceptanceOpensAfter(assigned, deadline, size), where);
          closes =
              bound(bd, "closesAt", c.w.forceAcceptanceClosesAt(assigned, deadline, size), where);
          require(
              now > opens,
              "window",
              where + ": taken at " + now + ", not after deadline + SVT = " + opens);
        }
        default -> {
          input(in, "assignedAt", assigned, where);
          input(in, "size", size, where);
          closes =
              bound(bd, "closesAt", c.w.acceptanceAnswerDeadline(assigned, deadline, size), where);
        }
      }
      holds(held, now <= closes, where, "now " + now + " <= closesAt " + closes);
      detail = "now " + now + (now <= closes ? " <= " : " > ") + "closesAt " + closes;
    }
    c.ruleName = name;
    c.ruleHeld = held;
    c.ruleCloses = closes;
    c.pass("window", where + ": " + detail + " (recomputed from the evidence's timestamps)");
  }

  static long input(Fields in, String name, long evidence, String where) {
    long recorded = in.integer(name);
    require(
        recorded == evidence,
        "window",
        where + " read " + name + " " + recorded + " but the evidence says " + evidence);
    return evidence;
  }

  static long bound(Fields bd, String name, long computed, String where) {
    long recorded = bd.integer(name);
    require(
        recorded == computed,
        "window",
        where + " used " + name + " " + recorded + " but the windows give " + computed);
    return computed;
  }

  static void holds(boolean recorded, boolean actual, String where, String condition) {
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
}
