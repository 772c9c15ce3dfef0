package org.jgolem.concent.service;

import java.time.Clock;
import java.util.HexFormat;
import java.util.Map;
import org.jgolem.concent.cases.CaseState;
import org.jgolem.concent.cases.SubtaskCase;
import org.jgolem.concent.evidence.EvidenceVerifier;
import org.jgolem.concent.evidence.Signed;
import org.jgolem.concent.time.CaseWindows;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.concent.ServiceRefused;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.TaskToCompute;

/** What every use case's handler shares: the ports, the windows, and Concent's signature. */
record Parts(
    MessageCodec codec,
    NodeKey key,
    EvidenceVerifier verifier,
    CaseWindows windows,
    Clock clock,
    ConcentStore store,
    DepositBook deposits,
    PaymentHistory payments) {

  long now() {
    return clock.millis();
  }

  /** {@code payload} sealed by Concent now, as a frame. */
  byte[] sign(Payload payload) {
    return codec.encode(codec.seal(payload, key, clock));
  }

  /** A frame of case {@code c}'s evidence, opened again (it was checked when stored). */
  <T extends Payload> T stored(SubtaskCase c, MessageType type, Class<T> cls) {
    byte[] frame = c.frame(type);
    if (frame == null) {
      throw new IllegalStateException(c + " holds no " + type);
    }
    return cls.cast(codec.decode(frame).payload());
  }

  /** A new case from a checked TaskToCompute and report, in {@code state}, version 1. */
  static SubtaskCase open(
      Signed<TaskToCompute> task,
      Signed<ReportComputedTask> report,
      CaseState state,
      long nextDeadline,
      Map<MessageType, byte[]> frames) {
    if (!state.isInitial()) {
      throw new IllegalArgumentException("a case cannot start in " + state);
    }
    TaskToCompute ttc = task.payload();
    ReportComputedTask rct = report.payload();
    Map<MessageType, byte[]> evidence = new java.util.EnumMap<>(MessageType.class);
    evidence.put(MessageType.TASK_TO_COMPUTE, task.frame());
    evidence.put(MessageType.REPORT_COMPUTED_TASK, report.frame());
    evidence.putAll(frames);
    return new SubtaskCase(
        ttc.subtaskId(),
        ttc.taskId(),
        ttc.requestor(),
        ttc.provider(),
        state,
        nextDeadline,
        task.envelope().timestamp(),
        ttc.deadline(),
        ttc.price(),
        rct.resultCid(),
        rct.size(),
        rct.structHash(),
        evidence,
        1);
  }

  /**
   * The existing case of {@code ttc}'s subtask, if any, that a case in {@code target} may follow;
   * refuses a subtask Concent has settled already, a case in a state {@code target} cannot follow,
   * and a case about another report.
   */
  static java.util.Optional<SubtaskCase> openable(
      ConcentTx tx,
      TaskToCompute ttc,
      ReportComputedTask rct,
      CaseState target,
      MessageType request) {
    if (tx.hasSettlementFor(ttc.requestor(), ttc.subtaskId())) {
      throw new RefusedException(
          ServiceRefused.Reason.ALREADY_SETTLED,
          ttc.subtaskId(),
          "Concent has already settled subtask "
              + ttc.subtaskIdHex()
              + " from the deposit of "
              + ttc.requestor());
    }
    java.util.Optional<SubtaskCase> existing = tx.findCase(ttc.requestor(), ttc.subtaskId());
    if (existing.isPresent()) {
      if (!target.canFollow(existing.get().state())) {
        throw cannotOpen(existing.get(), target, request);
      }
      sameReport(existing.get(), rct);
    }
    return existing;
  }

  /**
   * The refusal of a request for a new case in {@code wanted} when case {@code c} exists and {@code
   * wanted} may not follow it: a replay of the open request, or a request that comes too late for
   * the case's state.
   */
  static RefusedException cannotOpen(SubtaskCase c, CaseState wanted, MessageType request) {
    if (c.state() == wanted) {
      return new RefusedException(
          ServiceRefused.Reason.DUPLICATE_REQUEST,
          c.subtaskId(),
          "a "
              + request
              + " for subtask "
              + c.subtaskIdHex()
              + " is already open ("
              + wanted
              + " until "
              + c.nextDeadline()
              + ")");
    }
    return new RefusedException(
        ServiceRefused.Reason.INVALID_STATE,
        c.subtaskId(),
        "the case of subtask "
            + c.subtaskIdHex()
            + " is "
            + c.state()
            + "; a "
            + request
            + " cannot follow it");
  }

  /** The refusal of a request whose report is not the one the existing case rests on. */
  static void sameReport(SubtaskCase c, ReportComputedTask rct) {
    if (!java.util.Arrays.equals(c.reportHash(), rct.structHash())) {
      throw new RefusedException(
          ServiceRefused.Reason.INVALID_EVIDENCE,
          c.subtaskId(),
          "the report 0x"
              + HexFormat.of().formatHex(rct.structHash())
              + " is not the one Concent's case of subtask "
              + c.subtaskIdHex()
              + " rests on");
    }
  }
}
