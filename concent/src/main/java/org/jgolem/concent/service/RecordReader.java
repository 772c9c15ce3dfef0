package org.jgolem.concent.service;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.jgolem.concent.record.Bundle;
import org.jgolem.concent.record.CasePage;
import org.jgolem.concent.record.CaseQuery;
import org.jgolem.concent.record.CaseRecords;
import org.jgolem.concent.record.CaseSummary;
import org.jgolem.concent.record.Entry;
import org.jgolem.protocol.identity.NodeKey;

/** The record read from the store; a bundle is read in one transaction and signed after it. */
final class RecordReader implements CaseRecords {
  private final ConcentStore store;
  private final Bundle.Facts facts;
  private final NodeKey key;
  private final Clock clock;

  RecordReader(ConcentStore store, Bundle.Facts facts, NodeKey key, Clock clock) {
    this.store = store;
    this.facts = facts;
    this.key = key;
    this.clock = clock;
  }

  @Override
  public CasePage cases(CaseQuery query) {
    return store.transaction(tx -> tx.record().cases(query));
  }

  @Override
  public Optional<CaseSummary> find(long caseId) {
    return store.transaction(tx -> tx.record().find(caseId));
  }

  @Override
  public List<Entry> entries(long caseId) {
    return store.transaction(tx -> tx.record().entries(caseId));
  }

  @Override
  public Optional<byte[]> bundle(long caseId) {
    if (facts == null) {
      throw new IllegalStateException(
          "this Concent was assembled without its deployment's facts: it cannot sign bundles");
    }
    record Read(CaseSummary c, List<Entry> entries) {}
    Optional<Read> read =
        store.transaction(
            tx -> tx.record().find(caseId).map(c -> new Read(c, tx.record().entries(caseId))));
    return read.map(r -> Bundle.make(facts, r.c(), r.entries(), clock.millis(), key));
  }
}
