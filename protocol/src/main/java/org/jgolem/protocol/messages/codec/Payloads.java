package org.jgolem.protocol.messages.codec;

import java.util.EnumMap;
import java.util.Map;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.concent.AckSubtaskResultsVerify;
import org.jgolem.protocol.messages.concent.ConcentAuth;
import org.jgolem.protocol.messages.concent.ConcentDelivery;
import org.jgolem.protocol.messages.concent.ForceGetTaskResult;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultDownload;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultFailed;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultUpload;
import org.jgolem.protocol.messages.concent.ForcePayment;
import org.jgolem.protocol.messages.concent.ForcePaymentResponse;
import org.jgolem.protocol.messages.concent.ForceReportComputedTask;
import org.jgolem.protocol.messages.concent.ForceReportComputedTaskResponse;
import org.jgolem.protocol.messages.concent.ForceSubtaskResults;
import org.jgolem.protocol.messages.concent.ForceSubtaskResultsResponse;
import org.jgolem.protocol.messages.concent.ServiceRefused;
import org.jgolem.protocol.messages.concent.SettlementMade;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled;
import org.jgolem.protocol.messages.concent.SubtaskResultsVerify;
import org.jgolem.protocol.messages.market.AckReportComputedTask;
import org.jgolem.protocol.messages.market.CannotAssignTask;
import org.jgolem.protocol.messages.market.CannotComputeTask;
import org.jgolem.protocol.messages.market.RejectReportComputedTask;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.jgolem.protocol.messages.market.SubtaskResultsRejected;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskHeaderRemoved;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.messages.market.WantToComputeTask;
import org.jgolem.protocol.messages.p2p.Disconnect;
import org.jgolem.protocol.messages.p2p.FindNode;
import org.jgolem.protocol.messages.p2p.Hello;
import org.jgolem.protocol.messages.p2p.Neighbours;
import org.jgolem.protocol.messages.p2p.Ping;
import org.jgolem.protocol.messages.p2p.Pong;

/** Which payload class each message type decodes into. */
public final class Payloads {
  private static final Map<MessageType, Class<? extends Payload>> CLASSES =
      new EnumMap<>(MessageType.class);

  static {
    CLASSES.put(MessageType.HELLO, Hello.class);
    CLASSES.put(MessageType.PING, Ping.class);
    CLASSES.put(MessageType.PONG, Pong.class);
    CLASSES.put(MessageType.FIND_NODE, FindNode.class);
    CLASSES.put(MessageType.NEIGHBOURS, Neighbours.class);
    CLASSES.put(MessageType.DISCONNECT, Disconnect.class);
    CLASSES.put(MessageType.TASK_HEADER, TaskHeader.class);
    CLASSES.put(MessageType.TASK_HEADER_REMOVED, TaskHeaderRemoved.class);
    CLASSES.put(MessageType.WANT_TO_COMPUTE_TASK, WantToComputeTask.class);
    CLASSES.put(MessageType.TASK_TO_COMPUTE, TaskToCompute.class);
    CLASSES.put(MessageType.CANNOT_COMPUTE_TASK, CannotComputeTask.class);
    CLASSES.put(MessageType.CANNOT_ASSIGN_TASK, CannotAssignTask.class);
    CLASSES.put(MessageType.REPORT_COMPUTED_TASK, ReportComputedTask.class);
    CLASSES.put(MessageType.ACK_REPORT_COMPUTED_TASK, AckReportComputedTask.class);
    CLASSES.put(MessageType.REJECT_REPORT_COMPUTED_TASK, RejectReportComputedTask.class);
    CLASSES.put(MessageType.SUBTASK_RESULTS_ACCEPTED, SubtaskResultsAccepted.class);
    CLASSES.put(MessageType.SUBTASK_RESULTS_REJECTED, SubtaskResultsRejected.class);
    CLASSES.put(MessageType.FORCE_REPORT_COMPUTED_TASK, ForceReportComputedTask.class);
    CLASSES.put(MessageType.FORCE_GET_TASK_RESULT, ForceGetTaskResult.class);
    CLASSES.put(MessageType.FORCE_SUBTASK_RESULTS, ForceSubtaskResults.class);
    CLASSES.put(MessageType.FORCE_PAYMENT, ForcePayment.class);
    CLASSES.put(MessageType.SERVICE_REFUSED, ServiceRefused.class);
    CLASSES.put(
        MessageType.FORCE_REPORT_COMPUTED_TASK_RESPONSE, ForceReportComputedTaskResponse.class);
    CLASSES.put(MessageType.FORCE_GET_TASK_RESULT_UPLOAD, ForceGetTaskResultUpload.class);
    CLASSES.put(MessageType.FORCE_GET_TASK_RESULT_DOWNLOAD, ForceGetTaskResultDownload.class);
    CLASSES.put(MessageType.FORCE_GET_TASK_RESULT_FAILED, ForceGetTaskResultFailed.class);
    CLASSES.put(MessageType.FORCE_SUBTASK_RESULTS_RESPONSE, ForceSubtaskResultsResponse.class);
    CLASSES.put(MessageType.FORCE_PAYMENT_RESPONSE, ForcePaymentResponse.class);
    CLASSES.put(MessageType.SETTLEMENT_MADE, SettlementMade.class);
    CLASSES.put(MessageType.CONCENT_AUTH, ConcentAuth.class);
    CLASSES.put(MessageType.CONCENT_DELIVERY, ConcentDelivery.class);
    CLASSES.put(MessageType.SUBTASK_RESULTS_VERIFY, SubtaskResultsVerify.class);
    CLASSES.put(MessageType.ACK_SUBTASK_RESULTS_VERIFY, AckSubtaskResultsVerify.class);
    CLASSES.put(MessageType.SUBTASK_RESULTS_SETTLED, SubtaskResultsSettled.class);
  }

  private Payloads() {}

  /** The class for {@code type}, or null if this build does not know how to decode it. */
  public static Class<? extends Payload> classOf(MessageType type) {
    return CLASSES.get(type);
  }
}
