package org.jgolem.node.market.requestor;

import java.math.BigInteger;
import java.nio.file.Path;
import org.jgolem.eth.Address;
import org.jgolem.node.market.requestor.RequestorModel.AssignmentState;

/**
 * One computation of a subtask by a provider, as it was at one moment (see {@link TaskSnapshot}).
 *
 * @param id the wire subtask id (hex) its promissory notes pay for
 * @param result where the checked result is kept on disk (null until checked; a small result may be
 *     in memory only)
 * @param resultCid the CID its report named, or empty before the report
 * @param acceptedAt when it was accepted, in ms (0 until then)
 * @param inMemory whether its checked result is kept in memory (a small result, until the task's
 *     merge)
 */
public record AssignmentSnapshot(
    String id,
    String subtask,
    Address provider,
    BigInteger price,
    long deadline,
    AssignmentState state,
    String detail,
    long acceptedAt,
    Path result,
    String resultCid,
    byte[] digest,
    boolean inMemory) {

  public AssignmentSnapshot {
    digest = digest == null ? null : digest.clone();
  }

  static AssignmentSnapshot of(RequestorModel.Assignment a) {
    return new AssignmentSnapshot(
        a.idHex(),
        a.subtask,
        a.provider,
        a.price,
        a.deadline,
        a.state,
        a.detail,
        a.acceptedAt,
        a.result,
        a.report == null ? "" : a.report.resultCid(),
        a.digest,
        a.memory != null);
  }

  @Override
  public byte[] digest() {
    return digest == null ? null : digest.clone();
  }
}
