package org.jgolem.protocol.messages;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.jgolem.eth.Address;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.codec.MessageCodec;
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
import org.jgolem.protocol.messages.concent.VerificationCheck;
import org.jgolem.protocol.messages.market.AckReportComputedTask;
import org.jgolem.protocol.messages.market.CannotAssignTask;
import org.jgolem.protocol.messages.market.CannotComputeTask;
import org.jgolem.protocol.messages.market.RejectReportComputedTask;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.ResourceLimits;
import org.jgolem.protocol.messages.market.SubtaskDefinition;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.jgolem.protocol.messages.market.SubtaskResultsRejected;
import org.jgolem.protocol.messages.market.SubtaskRun;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskHeaderRemoved;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.messages.market.WantToComputeTask;
import org.jgolem.protocol.messages.market.WireNote;
import org.jgolem.protocol.messages.p2p.Disconnect;
import org.jgolem.protocol.messages.p2p.FindNode;
import org.jgolem.protocol.messages.p2p.Hello;
import org.jgolem.protocol.messages.p2p.Neighbours;
import org.jgolem.protocol.messages.p2p.NodeRecord;
import org.jgolem.protocol.messages.p2p.Ping;
import org.jgolem.protocol.messages.p2p.Pong;
import org.jgolem.protocol.notes.NoteSigner;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.Purpose;

/**
 * Fixed keys and one fixed, valid payload of every message type: the inputs of the golden frames.
 */
public final class Fixtures {
  public static final long CHAIN_ID = 31337;
  public static final int MAX_PAYLOAD = 1 << 20;
  public static final long TIMESTAMP = 1_700_000_000_000L;

  public static final NodeKey REQUESTOR =
      NodeKey.fromPrivateKey(
          new BigInteger("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318", 16));
  public static final NodeKey PROVIDER =
      NodeKey.fromPrivateKey(
          new BigInteger("8da4ef21b864d2cc526dbdb2a120bd2874c36c9d0a1fb7f8c63d7f7a8b41de8f", 16));
  public static final NodeKey CONCENT =
      NodeKey.fromPrivateKey(
          new BigInteger("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d", 16));
  public static final Address DEPOSIT = Address.of("0x5fbdb2315678afecb367f032d93f642f64180aa3");
  public static final NoteSigner NOTES = new NoteSigner(CHAIN_ID, DEPOSIT);
  public static final MessageHasher HASHER = new MessageHasher(CHAIN_ID);

  public static final byte[] TASK_ID = bytes32(0x11);
  public static final byte[] SUBTASK_ID = bytes32(0x22);
  public static final BigInteger PRICE = new BigInteger("1500000000000000000"); // 1.5 GNT
  public static final BigInteger VERIFICATION_FEE = new BigInteger("50000000000000000"); // 0.05

  private Fixtures() {}

  public static MessageCodec codec() {
    return new MessageCodec(CHAIN_ID, MAX_PAYLOAD);
  }

  /** 32 bytes counting up from {@code first}. */
  public static byte[] bytes32(int first) {
    byte[] b = new byte[32];
    for (int i = 0; i < 32; i++) {
      b[i] = (byte) (first + i);
    }
    return b;
  }

  /** The fixed message id of a golden frame: the type code, then counting bytes. */
  public static byte[] messageId(MessageType type) {
    byte[] id = new byte[Envelope.MESSAGE_ID_LENGTH];
    for (int i = 0; i < id.length; i++) {
      id[i] = (byte) (type.code() * 16 + i);
    }
    return id;
  }

  public static NodeRecord endpoint(NodeKey key, int port) {
    return new NodeRecord(key.address(), "127.0.0.1", port);
  }

  /** Who sends {@code type} in the task flow. */
  public static NodeKey sender(MessageType type) {
    return switch (type) {
      case WANT_TO_COMPUTE_TASK,
          CANNOT_COMPUTE_TASK,
          REPORT_COMPUTED_TASK,
          PONG,
          NEIGHBOURS,
          FORCE_REPORT_COMPUTED_TASK,
          FORCE_SUBTASK_RESULTS,
          FORCE_PAYMENT,
          SUBTASK_RESULTS_VERIFY,
          CONCENT_AUTH ->
          PROVIDER;
      case SERVICE_REFUSED,
          FORCE_REPORT_COMPUTED_TASK_RESPONSE,
          FORCE_GET_TASK_RESULT_UPLOAD,
          FORCE_GET_TASK_RESULT_DOWNLOAD,
          FORCE_GET_TASK_RESULT_FAILED,
          FORCE_SUBTASK_RESULTS_RESPONSE,
          FORCE_PAYMENT_RESPONSE,
          SETTLEMENT_MADE,
          CONCENT_DELIVERY,
          ACK_SUBTASK_RESULTS_VERIFY,
          SUBTASK_RESULTS_SETTLED ->
          CONCENT;
      default -> REQUESTOR;
    };
  }

  public static WireNote providerNote() {
    return WireNote.of(
        NOTES.sign(
            new PromissoryNote(
                REQUESTOR.address(),
                PROVIDER.address(),
                PRICE,
                SUBTASK_ID,
                Purpose.SUBTASK_PAYMENT),
            REQUESTOR.keyPair()));
  }

  public static WireNote concentNote() {
    return WireNote.of(
        NOTES.sign(
            new PromissoryNote(
                REQUESTOR.address(),
                DEPOSIT,
                BigInteger.valueOf(10_000_000_000_000_000L),
                SUBTASK_ID,
                Purpose.VERIFICATION_COST),
            REQUESTOR.keyPair()));
  }

  /** The provider's note backing the verification fee of a dispute (use case 5). */
  public static WireNote verificationNote() {
    return WireNote.of(
        NOTES.sign(
            new PromissoryNote(
                PROVIDER.address(),
                DEPOSIT,
                VERIFICATION_FEE,
                SUBTASK_ID,
                Purpose.VERIFICATION_COST),
            PROVIDER.keyPair()));
  }

  /** The golden rejection (VERIFICATION_NEGATIVE) of {@link #report()}. */
  public static SubtaskResultsRejected rejection() {
    return (SubtaskResultsRejected) payload(MessageType.SUBTASK_RESULTS_REJECTED);
  }

  /** Concent's verdict overturning {@link #rejection()}: three Blender crops and the upload. */
  public static SubtaskResultsSettled verdict() {
    ReportComputedTask r = report();
    return new SubtaskResultsSettled(
        SUBTASK_ID,
        REQUESTOR.address(),
        PROVIDER.address(),
        r.structHash(),
        rejection().structHash(),
        r.resultCid(),
        AckSubtaskResultsVerify.resourceCidsOf(taskToCompute()),
        SubtaskResultsSettled.Method.BLENDER_SSIM,
        SubtaskResultsSettled.Outcome.PROVIDER_RIGHT,
        SubtaskResultsSettled.NeutralReason.NONE,
        "3 crops of 3 at or above 0.94",
        List.of(
            VerificationCheck.upload("upload", true),
            VerificationCheck.ssim(
                "crop 0",
                "out/frame-0013.png",
                new VerificationCheck.Crop(12, 40, 64, 48),
                987_654,
                940_000),
            VerificationCheck.ssim(
                "crop 1",
                "out/frame-0013.png",
                new VerificationCheck.Crop(300, 200, 64, 48),
                1_000_000,
                940_000),
            VerificationCheck.ssim(
                "crop 2",
                "out/frame-0014.png",
                new VerificationCheck.Crop(0, 0, 64, 48),
                940_000,
                940_000)),
        PRICE,
        VERIFICATION_FEE,
        BigInteger.ZERO);
  }

  public static SubtaskDefinition definition() {
    return new SubtaskDefinition(
        "wasm",
        "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
        "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
        "main",
        List.of("--frames", "10-19", "--quality=90"),
        List.of("out/frame-*.png", "log.txt"),
        new ResourceLimits(2, 1024, 600, 64L << 20));
  }

  /** A definition grouping three small subtasks into one assignment. */
  public static SubtaskDefinition groupedDefinition() {
    return new SubtaskDefinition(
        "wasm",
        "sha256:" + "5a".repeat(32),
        "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
        "render.wasm",
        List.of(),
        List.of(),
        new ResourceLimits(1, 128, 900, 64L << 20),
        List.of(
            new SubtaskRun("s0", List.of("/golem/resources/scene.txt", "0"), List.of("band-0.pgm")),
            new SubtaskRun("s1", List.of("/golem/resources/scene.txt", "1"), List.of("band-1.pgm")),
            new SubtaskRun("s2", List.of(), List.of("band-2.pgm", "log/run.txt"))));
  }

  /** The golden TaskToCompute with {@link #groupedDefinition()}. */
  public static TaskToCompute groupedTaskToCompute() {
    return new TaskToCompute(
        TASK_ID,
        SUBTASK_ID,
        REQUESTOR.address(),
        PROVIDER.address(),
        PRICE,
        TIMESTAMP + 3_600_000,
        groupedDefinition(),
        providerNote(),
        concentNote());
  }

  public static TaskToCompute taskToCompute() {
    return new TaskToCompute(
        TASK_ID,
        SUBTASK_ID,
        REQUESTOR.address(),
        PROVIDER.address(),
        PRICE,
        TIMESTAMP + 3_600_000,
        definition(),
        providerNote(),
        concentNote());
  }

  public static ReportComputedTask report() {
    return ReportComputedTask.answering(
        taskToCompute(),
        "bafkreidivzimqfqtoqxkrpge6bjyhlvxqs3rhe73owtmdulaxr5do5in7u",
        bytes32(0x44),
        12_345_678,
        42_000);
  }

  /** One valid payload of {@code type}; the same every time. */
  public static Payload payload(MessageType type) {
    byte[] reportHash = report().structHash();
    return switch (type) {
      case HELLO ->
          new Hello(
              1,
              "jgolem/0.1.0",
              endpoint(REQUESTOR, 40102),
              bytes32(0x33),
              List.of("task", "wasm"));
      case PING -> new Ping(0x0102030405060708L);
      case PONG -> new Pong(0x0102030405060708L);
      case FIND_NODE -> new FindNode(PROVIDER.address());
      case NEIGHBOURS ->
          new Neighbours(
              PROVIDER.address(),
              List.of(
                  endpoint(REQUESTOR, 40102),
                  new NodeRecord(PROVIDER.address(), "node-7.example.org", 40103)));
      case DISCONNECT -> new Disconnect(Disconnect.Reason.TOO_MANY_PEERS);
      case TASK_HEADER ->
          TaskHeader.signed(
              TASK_ID,
              REQUESTOR,
              endpoint(REQUESTOR, 40102),
              "wasm",
              "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
              new BigInteger("3000000000000000000"),
              10,
              600,
              TIMESTAMP + 86_400_000,
              512,
              1,
              true,
              HASHER);
      case TASK_HEADER_REMOVED ->
          TaskHeaderRemoved.signed(TASK_ID, REQUESTOR, TIMESTAMP + 1000, HASHER);
      case WANT_TO_COMPUTE_TASK ->
          new WantToComputeTask(
              TASK_ID,
              PROVIDER.address(),
              new BigInteger("2500000000000000000"),
              1_234_567,
              4,
              8192,
              endpoint(PROVIDER, 40103),
              List.of("wasm", "docker:sha256:" + "ab".repeat(32)));
      case TASK_TO_COMPUTE -> taskToCompute();
      case CANNOT_COMPUTE_TASK ->
          new CannotComputeTask(
              TASK_ID,
              SUBTASK_ID,
              CannotComputeTask.Reason.DEADLINE_TOO_CLOSE,
              "deadline in 30 s, subtask needs ~600 s");
      case CANNOT_ASSIGN_TASK ->
          new CannotAssignTask(TASK_ID, CannotAssignTask.Reason.NO_MORE_SUBTASKS);
      case REPORT_COMPUTED_TASK -> report();
      case ACK_REPORT_COMPUTED_TASK -> new AckReportComputedTask(reportHash, SUBTASK_ID);
      case REJECT_REPORT_COMPUTED_TASK ->
          new RejectReportComputedTask(
              reportHash, SUBTASK_ID, RejectReportComputedTask.Reason.SUBTASK_TIMED_OUT);
      case SUBTASK_RESULTS_ACCEPTED ->
          new SubtaskResultsAccepted(
              reportHash,
              SUBTASK_ID,
              REQUESTOR.address(),
              PROVIDER.address(),
              PRICE,
              1_700_003_600L);
      case SUBTASK_RESULTS_REJECTED ->
          new SubtaskResultsRejected(
              reportHash,
              SUBTASK_ID,
              REQUESTOR.address(),
              PROVIDER.address(),
              SubtaskResultsRejected.Reason.VERIFICATION_NEGATIVE,
              "frame 13 differs from the reference");
      case FORCE_REPORT_COMPUTED_TASK ->
          new ForceReportComputedTask(
              frame(MessageType.TASK_TO_COMPUTE), frame(MessageType.REPORT_COMPUTED_TASK));
      case FORCE_GET_TASK_RESULT ->
          new ForceGetTaskResult(
              frame(MessageType.TASK_TO_COMPUTE), frame(MessageType.REPORT_COMPUTED_TASK));
      case FORCE_SUBTASK_RESULTS ->
          new ForceSubtaskResults(
              frame(MessageType.TASK_TO_COMPUTE),
              frame(MessageType.REPORT_COMPUTED_TASK),
              frame(MessageType.ACK_REPORT_COMPUTED_TASK));
      case FORCE_PAYMENT ->
          new ForcePayment(
              List.of(frame(MessageType.TASK_TO_COMPUTE)),
              List.of(frame(MessageType.SUBTASK_RESULTS_ACCEPTED)));
      case SERVICE_REFUSED ->
          new ServiceRefused(
              SUBTASK_ID,
              messageId(MessageType.FORCE_SUBTASK_RESULTS),
              ServiceRefused.Reason.TOO_EARLY,
              "the window opens at 1700000960000");
      case FORCE_REPORT_COMPUTED_TASK_RESPONSE ->
          new ForceReportComputedTaskResponse(
              SUBTASK_ID,
              reportHash,
              ForceReportComputedTaskResponse.Outcome.ACK_FROM_REQUESTOR,
              frame(MessageType.ACK_REPORT_COMPUTED_TASK));
      case FORCE_GET_TASK_RESULT_UPLOAD ->
          new ForceGetTaskResultUpload(
              SUBTASK_ID, reportHash, report().resultCid(), 12_345_678, TIMESTAMP + 4_000_000);
      case FORCE_GET_TASK_RESULT_DOWNLOAD ->
          new ForceGetTaskResultDownload(
              SUBTASK_ID, reportHash, report().resultCid(), TIMESTAMP + 5_000_000);
      case FORCE_GET_TASK_RESULT_FAILED ->
          new ForceGetTaskResultFailed(
              SUBTASK_ID, taskToCompute().structHash(), reportHash, report().resultCid());
      case FORCE_SUBTASK_RESULTS_RESPONSE ->
          new ForceSubtaskResultsResponse(
              SUBTASK_ID,
              reportHash,
              ForceSubtaskResultsResponse.Outcome.ACCEPTED_BY_CONCENT,
              PRICE,
              new byte[0]);
      case FORCE_PAYMENT_RESPONSE ->
          new ForcePaymentResponse(
              REQUESTOR.address(),
              PROVIDER.address(),
              List.of(SUBTASK_ID),
              PRICE,
              BigInteger.ZERO,
              PRICE,
              ForcePaymentResponse.Outcome.PAYMENT_COMMITTED);
      case SETTLEMENT_MADE ->
          new SettlementMade(
              SettlementMade.UseCase.FORCED_ACCEPTANCE,
              REQUESTOR.address(),
              PROVIDER.address(),
              List.of(SUBTASK_ID),
              PRICE,
              "0x" + hex(bytes32(0x55)));
      case CONCENT_AUTH ->
          new ConcentAuth(CONCENT.address(), "POST", "/api/v1/send", bytes32(0x66));
      case CONCENT_DELIVERY ->
          new ConcentDelivery(
              PROVIDER.address(),
              List.of(messageId(MessageType.FORCE_PAYMENT_RESPONSE)),
              List.of(frame(MessageType.FORCE_PAYMENT_RESPONSE)));
      case SUBTASK_RESULTS_VERIFY ->
          new SubtaskResultsVerify(
              frame(MessageType.TASK_TO_COMPUTE),
              frame(MessageType.REPORT_COMPUTED_TASK),
              frame(MessageType.SUBTASK_RESULTS_REJECTED),
              verificationNote());
      case ACK_SUBTASK_RESULTS_VERIFY ->
          AckSubtaskResultsVerify.ordering(
              taskToCompute(), report(), TIMESTAMP + 6_000_000, VERIFICATION_FEE);
      case SUBTASK_RESULTS_SETTLED -> verdict();
    };
  }

  /** The encoded golden frame of {@code type}, as Concent messages embed them. */
  public static byte[] frame(MessageType type) {
    MessageCodec codec = codec();
    return codec.encode(golden(codec, type));
  }

  /** The golden envelope of {@code type}: fixed key, timestamp, message id and payload. */
  public static Envelope golden(MessageCodec codec, MessageType type) {
    return codec.seal(payload(type), sender(type), TIMESTAMP + type.code(), messageId(type));
  }

  public static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  public static byte[] copyWith(byte[] b, int at, int value) {
    byte[] c = Arrays.copyOf(b, b.length);
    c[at] = (byte) value;
    return c;
  }
}
