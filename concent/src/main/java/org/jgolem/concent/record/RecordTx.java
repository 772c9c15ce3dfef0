package org.jgolem.concent.record;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.jgolem.eth.Address;

/**
 * The auditors' record inside one store transaction ({@code ConcentTx.record()}): entries are
 * appended in the transaction of what they record, so the record and the decision commit together
 * or not at all. Append only: no entry is changed or removed; a case's summary (state, verdict,
 * settlement) follows its entries.
 */
public interface RecordTx {
  /** The record case of the subtask (requestor, subtaskId), opened now if it has none. */
  long subtaskCase(Address requestor, Address provider, byte[] taskId, byte[] subtaskId, long now);

  /** A new ForcePayment case, led by its first subtask. */
  long paymentCase(
      Address requestor, Address provider, byte[] taskId, byte[] firstSubtaskId, long now);

  /** Appends {@code entry} to case {@code caseId}'s record. */
  void append(long caseId, Entry entry);

  /** Sets the case's state and/or verdict (a null argument leaves it as it is). */
  void mark(long caseId, String state, String verdict, long now);

  /** Links the case to the settlement it owes (the settler finds the case by it). */
  void linkSettlement(long caseId, long settlementId);

  /** The case that owes settlement {@code settlementId}. */
  OptionalLong caseOfSettlement(long settlementId);

  /** The settlement of the case was mined in {@code transactionHash}. */
  void settled(long caseId, String transactionHash, long now);

  CasePage cases(CaseQuery query);

  Optional<CaseSummary> find(long caseId);

  /** The case's entries, in order. */
  List<Entry> entries(long caseId);

  /** A record that keeps nothing: for test stores of the service's logic only. */
  RecordTx DISCARD =
      new RecordTx() {
        @Override
        public long subtaskCase(
            Address requestor, Address provider, byte[] taskId, byte[] subtaskId, long now) {
          return 0;
        }

        @Override
        public long paymentCase(
            Address requestor, Address provider, byte[] taskId, byte[] first, long now) {
          return 0;
        }

        @Override
        public void append(long caseId, Entry entry) {}

        @Override
        public void mark(long caseId, String state, String verdict, long now) {}

        @Override
        public void linkSettlement(long caseId, long settlementId) {}

        @Override
        public OptionalLong caseOfSettlement(long settlementId) {
          return OptionalLong.empty();
        }

        @Override
        public void settled(long caseId, String transactionHash, long now) {}

        @Override
        public CasePage cases(CaseQuery query) {
          return new CasePage(List.of(), OptionalLong.empty());
        }

        @Override
        public Optional<CaseSummary> find(long caseId) {
          return Optional.empty();
        }

        @Override
        public List<Entry> entries(long caseId) {
          return List.of();
        }
      };
}
