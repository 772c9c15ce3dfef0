package org.jgolem.node.market.provider;

import java.util.List;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskToCompute;

/**
 * The subtasks a provider has taken and not yet settled, so that a provider restarted after
 * reporting a result still answers for it: it reports again until the requestor's verdict comes,
 * and records the income of an accepted result. The signed messages are kept as their CBOR
 * payloads, as the requestor keeps its own. The SQLite adapter is {@code
 * org.jgolem.node.store.SqliteProviderStore}.
 */
public interface ProviderStore {
  /** A stored job: what the requestor sent, and the report if there is one. */
  record JobRow(TaskHeader header, TaskToCompute ttc, String state, ReportComputedTask report) {}

  /** Inserts or updates a job. */
  void save(TaskHeader header, TaskToCompute ttc, String state, ReportComputedTask report);

  /** Forgets a settled job (accepted, rejected, failed, given up). */
  void delete(byte[] subtaskId);

  /** The stored jobs, least recently updated first. */
  List<JobRow> jobs();
}
