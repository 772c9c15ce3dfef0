package org.jgolem.node.market.provider;

import java.math.BigInteger;
import java.util.HexFormat;
import org.jgolem.eth.Address;

/**
 * A subtask this provider holds, as it was at one moment, for readers on other threads (the REST
 * API, tests): copied on the provider's loop, never changed afterwards.
 *
 * @param subtaskId the wire subtask id (hex): the requestor's assignment id, the income's {@code
 *     subtaskId}
 * @param taskId the wire id (hex) of the task it belongs to
 * @param price the agreed price, wei
 * @param deadline when the requestor expects the report, epoch milliseconds
 * @param state {@code FETCHING} (resources being fetched, the sandbox being readied), {@code
 *     COMPUTING} (its sandbox has started), {@code REPORTED}, {@code ACKNOWLEDGED} (the requestor
 *     has the report), or {@code LOST} (it was being fetched or computed when the node stopped: the
 *     requestor is being told it is not computed)
 * @param resultCid the CID of the reported result, or empty before the report
 */
public record JobSnapshot(
    String subtaskId,
    String taskId,
    Address requestor,
    BigInteger price,
    long deadline,
    String state,
    String resultCid) {

  static final String LOST = "LOST";

  /** Copies {@code job}, on the provider's loop, as being in {@code state}. */
  static JobSnapshot of(ProviderJob job, String state) {
    return new JobSnapshot(
        job.idHex(),
        HexFormat.of().formatHex(job.ttc.taskId()),
        job.ttc.requestor(),
        job.ttc.price(),
        job.ttc.deadline(),
        state,
        job.report == null ? "" : job.report.resultCid());
  }
}
