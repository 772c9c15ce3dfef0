package org.jgolem.concent.record;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jgolem.concent.cases.CaseState;
import org.jgolem.protocol.messages.concent.ForcePaymentResponse;
import org.jgolem.protocol.messages.concent.ForceReportComputedTaskResponse;
import org.jgolem.protocol.messages.concent.ForceSubtaskResultsResponse;

/** The auditors' record as read: cases a page at a time, one case, and its evidence bundle. */
public interface CaseRecords {
  CasePage cases(CaseQuery query);

  Optional<CaseSummary> find(long caseId);

  /** The case's entries, in order (empty if there is no such case). */
  List<Entry> entries(long caseId);

  /** The case's evidence bundle ({@link Bundle}), signed by Concent now. */
  Optional<byte[]> bundle(long caseId);

  /** The verdicts a case may carry, for filtering. */
  Set<String> VERDICTS = verdicts();

  /** The states a case may be in: Golem's ten. */
  Set<String> STATES = states();

  private static Set<String> verdicts() {
    java.util.TreeSet<String> s = new java.util.TreeSet<>();
    for (var o : ForceReportComputedTaskResponse.Outcome.values()) {
      s.add(o.name());
    }
    for (var o : ForceSubtaskResultsResponse.Outcome.values()) {
      s.add(o.name());
    }
    for (var o : ForcePaymentResponse.Outcome.values()) {
      s.add(o.name());
    }
    s.add("RESULT_UPLOADED");
    s.add("UPLOAD_FAILED");
    return java.util.Collections.unmodifiableSet(s);
  }

  private static Set<String> states() {
    java.util.TreeSet<String> s = new java.util.TreeSet<>();
    for (CaseState c : CaseState.values()) {
      s.add(c.name());
    }
    return java.util.Collections.unmodifiableSet(s);
  }
}
