package org.jgolem.concent.service;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jgolem.concent.cases.SubtaskCase;
import org.jgolem.concent.record.Entry;
import org.jgolem.concent.record.RecordTx;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.market.TaskToCompute;

/**
 * How the handlers write the auditors' record, inside the transaction of the decision it records
 * ({@link ConcentTx#record}): the frames received and sent, each rule with the times it used, the
 * transitions, the verdicts. It records what the handlers decided; it decides nothing.
 */
final class Recording {
  /** The state before a subtask's first case. */
  static final String NEW = "NEW";

  private final RecordTx r;
  private final long id;

  private Recording(RecordTx r, long id) {
    this.r = r;
    this.id = id;
  }

  /** The record of case {@code c}'s subtask. */
  static Recording of(ConcentTx tx, SubtaskCase c, long now) {
    return new Recording(
        tx.record(),
        tx.record().subtaskCase(c.requestor(), c.provider(), c.taskId(), c.subtaskId(), now));
  }

  /** The record of {@code ttc}'s subtask. */
  static Recording of(ConcentTx tx, TaskToCompute ttc, long now) {
    return new Recording(
        tx.record(),
        tx.record()
            .subtaskCase(ttc.requestor(), ttc.provider(), ttc.taskId(), ttc.subtaskId(), now));
  }

  /** A new ForcePayment record led by {@code first}. */
  static Recording payment(ConcentTx tx, TaskToCompute first, Address provider, long now) {
    return new Recording(
        tx.record(),
        tx.record()
            .paymentCase(first.requestor(), provider, first.taskId(), first.subtaskId(), now));
  }

  long id() {
    return id;
  }

  Recording received(Address from, byte[] frame, long now) {
    r.append(id, Entry.received(now, from, frame));
    return this;
  }

  Recording sent(byte[] frame, long now, Address... to) {
    r.append(id, Entry.sent(now, Arrays.asList(to), frame));
    return this;
  }

  Recording rule(
      String name, long now, boolean held, Map<String, Long> inputs, Map<String, Long> bounds) {
    r.append(id, Entry.rule(name, now, held, inputs, bounds));
    return this;
  }

  Recording moved(String from, String to, long now) {
    r.append(id, Entry.transition(now, from, to));
    r.mark(id, to, null, now);
    return this;
  }

  Recording verdict(String useCase, String outcome, Map<String, BigInteger> amounts, long now) {
    r.append(id, Entry.verdict(now, useCase, outcome, amounts));
    r.mark(id, null, outcome, now);
    return this;
  }

  Recording append(Entry e) {
    r.append(id, e);
    return this;
  }

  /** The settlement this case owes, recorded and linked so that the settler can add its hash. */
  Recording settlement(long settlementId, Settlement s, long now) {
    r.append(
        id,
        Entry.settlement(
            now,
            settlementId,
            s.useCase().name(),
            s.payer(),
            s.payee(),
            s.amount(),
            s.closureTime(),
            s.notes()));
    r.linkSettlement(id, settlementId);
    return this;
  }

  /** {@code k1, v1, k2, v2, ...} as an ordered map of times. */
  static Map<String, Long> times(Object... kv) {
    Map<String, Long> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], ((Number) kv[i + 1]).longValue());
    }
    return m;
  }

  static Map<String, BigInteger> amount(BigInteger a) {
    return Map.of("amount", a);
  }
}
