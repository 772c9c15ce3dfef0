package org.jgolem.protocol.messages;

import java.util.HashMap;
import java.util.Map;

/**
 * Every message of the protocol, with its wire code. Evidence messages are the ones Concent and the
 * contracts judge later: their payload is hashed as an EIP-712 struct of its own fields.
 */
public enum MessageType {
  // P2P
  HELLO(1, false),
  PING(2, false),
  PONG(3, false),
  FIND_NODE(4, false),
  NEIGHBOURS(5, false),
  DISCONNECT(6, false),
  // Market and tasks
  TASK_HEADER(16, false),
  TASK_HEADER_REMOVED(17, false),
  WANT_TO_COMPUTE_TASK(18, false),
  TASK_TO_COMPUTE(19, true),
  CANNOT_COMPUTE_TASK(20, false),
  CANNOT_ASSIGN_TASK(21, false),
  REPORT_COMPUTED_TASK(22, true),
  ACK_REPORT_COMPUTED_TASK(23, false),
  REJECT_REPORT_COMPUTED_TASK(24, false),
  SUBTASK_RESULTS_ACCEPTED(25, true),
  SUBTASK_RESULTS_REJECTED(26, true),
  // Concent: requests from nodes
  FORCE_REPORT_COMPUTED_TASK(32, false),
  FORCE_GET_TASK_RESULT(33, false),
  FORCE_SUBTASK_RESULTS(34, false),
  FORCE_PAYMENT(35, false),
  SUBTASK_RESULTS_VERIFY(36, false),
  // Concent: its answers and verdicts
  SERVICE_REFUSED(40, false),
  FORCE_REPORT_COMPUTED_TASK_RESPONSE(41, false),
  FORCE_GET_TASK_RESULT_UPLOAD(42, false),
  FORCE_GET_TASK_RESULT_DOWNLOAD(43, false),
  FORCE_GET_TASK_RESULT_FAILED(44, false),
  FORCE_SUBTASK_RESULTS_RESPONSE(45, false),
  FORCE_PAYMENT_RESPONSE(46, false),
  SETTLEMENT_MADE(47, false),
  // Concent: the HTTP transport
  CONCENT_AUTH(48, false),
  CONCENT_DELIVERY(49, false),
  // Concent: additional verification (use case 5), its answers and verdict
  ACK_SUBTASK_RESULTS_VERIFY(50, false),
  SUBTASK_RESULTS_SETTLED(51, false);

  private static final Map<Integer, MessageType> BY_CODE = new HashMap<>();

  static {
    for (MessageType t : values()) {
      BY_CODE.put(t.code, t);
    }
  }

  private final int code;
  private final boolean evidence;

  MessageType(int code, boolean evidence) {
    this.code = code;
    this.evidence = evidence;
  }

  public int code() {
    return code;
  }

  public boolean isEvidence() {
    return evidence;
  }

  /** The type with this code, or null. */
  public static MessageType ofCode(int code) {
    return BY_CODE.get(code);
  }
}
