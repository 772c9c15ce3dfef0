package org.jgolem.protocol.messages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jgolem.eth.Address;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.identity.Secp256k1;
import org.jgolem.protocol.identity.Signature;
import org.jgolem.protocol.messages.InvalidMessageException.Reason;
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
import org.jgolem.protocol.messages.concent.Frames;
import org.jgolem.protocol.messages.concent.ServiceRefused;
import org.jgolem.protocol.messages.concent.SettlementMade;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled;
import org.jgolem.protocol.messages.concent.SubtaskResultsVerify;
import org.jgolem.protocol.messages.market.AckReportComputedTask;
import org.jgolem.protocol.messages.market.CannotAssignTask;
import org.jgolem.protocol.messages.market.CannotComputeTask;
import org.jgolem.protocol.messages.market.RejectReportComputedTask;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.ResourceLimits;
import org.jgolem.protocol.messages.market.SubtaskDefinition;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.jgolem.protocol.messages.market.SubtaskResultsRejected;
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
import org.jgolem.protocol.notes.Purpose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

/** Every way {@link MessageCodec#decode} refuses a frame, each with its exact reason. */
class CodecRejectionTest {
  // Offsets in the envelope (see Envelope's layout).
  static final int VERSION = 0;
  static final int TYPE = 1;
  static final int SENDER = 3;
  static final int TIMESTAMP = 23;
  static final int LENGTH = 47;

  private final MessageCodec codec = Fixtures.codec();
  private static final NodeKey REQUESTOR = Fixtures.REQUESTOR;
  private static final NodeKey PROVIDER = Fixtures.PROVIDER;

  private byte[] golden(MessageType type) {
    return codec.encode(Fixtures.golden(codec, type));
  }

  private InvalidMessageException refused(byte[] frame, Reason reason) {
    InvalidMessageException e =
        catchThrowableOfType(InvalidMessageException.class, () -> codec.decode(frame));
    assertThat(e).as("decoding must fail with " + reason).isNotNull();
    assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
    return e;
  }

  /**
   * Signs {@code payloadBytes} as {@code type} without validating: what a faulty or hostile peer
   * sends.
   */
  static byte[] rawFrame(
      MessageCodec codec, MessageType type, byte[] payloadBytes, byte[] payloadHash, NodeKey key) {
    byte[] id = Fixtures.messageId(type);
    byte[] digest =
        codec
            .hasher()
            .digest(
                MessageCodec.PROTOCOL_VERSION,
                type,
                key.address(),
                Fixtures.TIMESTAMP,
                id,
                payloadHash);
    return codec.encode(
        new Envelope(
            MessageCodec.PROTOCOL_VERSION,
            type,
            key.address(),
            Fixtures.TIMESTAMP,
            id,
            payloadBytes,
            null,
            key.sign(digest)));
  }

  static byte[] rawFrame(MessageCodec codec, Payload p, NodeKey key) {
    byte[] bytes = MessageCodec.encodePayload(p);
    byte[] hash;
    try {
      hash = MessageHasher.payloadHash(p, bytes);
    } catch (RuntimeException e) {
      hash =
          new byte
              [32]; // struct hash of an invalid payload may not be computable; refused before the
      // signature
    }
    return rawFrame(codec, p.type(), bytes, hash, key);
  }

  private byte[] rawCbor(MessageType type, Map<String, Object> fields) throws Exception {
    byte[] bytes = Cbor.MAPPER.writeValueAsBytes(fields);
    return rawFrame(codec, type, bytes, org.web3j.crypto.Hash.sha3(bytes), REQUESTOR);
  }

  // --- signatures ------------------------------------------------------------------------------

  @Test
  void forgedSignatureClaimingAnotherSenderIsRefused() {
    // PROVIDER signs, the frame claims to be from REQUESTOR.
    byte[] digest =
        codec
            .hasher()
            .digest(
                1,
                MessageType.PING,
                REQUESTOR.address(),
                Fixtures.TIMESTAMP,
                new byte[16],
                org.web3j.crypto.Hash.sha3(MessageCodec.encodePayload(new Ping(7))));
    Envelope forged =
        new Envelope(
            1,
            MessageType.PING,
            REQUESTOR.address(),
            Fixtures.TIMESTAMP,
            new byte[16],
            MessageCodec.encodePayload(new Ping(7)),
            new Ping(7),
            PROVIDER.sign(digest));
    InvalidMessageException e = refused(codec.encode(forged), Reason.BAD_SIGNATURE);
    assertThat(e.getMessage())
        .contains("signed by " + PROVIDER.address())
        .contains(REQUESTOR.address().hex());
  }

  @Test
  void rewrittenSenderFieldIsRefused() {
    byte[] frame = golden(MessageType.PING); // sent by REQUESTOR
    System.arraycopy(PROVIDER.address().toBytes(), 0, frame, SENDER, 20);
    refused(frame, Reason.BAD_SIGNATURE);
  }

  @Test
  void tamperedPayloadIsRefused() {
    byte[] frame = golden(MessageType.PING);
    frame[Envelope.HEADER_LENGTH + 8] ^= 0x01; // a byte of the nonce: still a valid Ping
    refused(frame, Reason.BAD_SIGNATURE);
  }

  @Test
  void tamperedEvidencePayloadIsRefused() {
    byte[] frame = golden(MessageType.TASK_TO_COMPUTE);
    int at = indexOf(frame, "--quality=90".getBytes(StandardCharsets.US_ASCII));
    assertThat(at).isPositive();
    frame[at + "--quality=".length()] = '8'; // still a valid TaskToCompute, with another argument
    refused(frame, Reason.BAD_SIGNATURE);
  }

  @Test
  void tamperedHeaderIsRefused() {
    byte[] frame = golden(MessageType.PING);
    frame[TIMESTAMP + 7] ^= 0x01;
    refused(frame, Reason.BAD_SIGNATURE);
  }

  @Test
  void highSTwinOfAValidSignatureIsRefused() throws Exception {
    byte[] frame = golden(MessageType.PING);
    Envelope e = codec.decode(frame);
    Signature sig = e.signature();
    byte[] highS = toBytes32(Secp256k1.N.subtract(new BigInteger(1, sig.s())));
    Signature twin = new Signature(sig.r(), highS, sig.v() == 27 ? 28 : 27);
    // The twin is a mathematically valid signature by the same key ...
    byte[] digest =
        codec
            .hasher()
            .digest(
                1,
                e.type(),
                e.sender(),
                e.timestamp(),
                e.messageId(),
                org.web3j.crypto.Hash.sha3(e.payloadBytes()));
    BigInteger pub =
        Sign.signedMessageHashToKey(
            digest, new Sign.SignatureData((byte) twin.v(), twin.r(), twin.s()));
    assertThat(Address.of(Keys.getAddress(pub))).isEqualTo(e.sender());
    // ... but malleable, so refused.
    System.arraycopy(twin.toBytes(), 0, frame, frame.length - Signature.LENGTH, Signature.LENGTH);
    assertThat(refused(frame, Reason.BAD_SIGNATURE).getMessage()).contains("high-s");
  }

  @Test
  void vOtherThan27Or28IsRefused() {
    for (int v : new int[] {0, 1, 26, 29, 37, 255}) {
      byte[] frame = golden(MessageType.PING);
      frame[frame.length - 1] = (byte) v;
      assertThat(refused(frame, Reason.BAD_SIGNATURE).getMessage())
          .as("v=" + v)
          .contains("v must be 27 or 28");
    }
  }

  @Test
  void flippedVRecoversAnotherKeyAndIsRefused() {
    byte[] frame = golden(MessageType.PING);
    frame[frame.length - 1] = (byte) (frame[frame.length - 1] == 27 ? 28 : 27);
    refused(frame, Reason.BAD_SIGNATURE);
  }

  @Test
  void rOrSOutOfRangeIsRefused() {
    int sigAt = golden(MessageType.PING).length - Signature.LENGTH;
    byte[] zeroR = golden(MessageType.PING);
    java.util.Arrays.fill(zeroR, sigAt, sigAt + 32, (byte) 0);
    assertThat(refused(zeroR, Reason.BAD_SIGNATURE).getMessage()).contains("out of range");
    byte[] bigR = golden(MessageType.PING);
    System.arraycopy(toBytes32(Secp256k1.N), 0, bigR, sigAt, 32);
    assertThat(refused(bigR, Reason.BAD_SIGNATURE).getMessage()).contains("out of range");
    byte[] zeroS = golden(MessageType.PING);
    java.util.Arrays.fill(zeroS, sigAt + 32, sigAt + 64, (byte) 0);
    assertThat(refused(zeroS, Reason.BAD_SIGNATURE).getMessage()).contains("out of range");
  }

  // --- layout ----------------------------------------------------------------------------------

  @Test
  void unknownProtocolVersionIsRefused() {
    for (int v : new int[] {0, 2, 255}) {
      byte[] frame = golden(MessageType.PING);
      frame[VERSION] = (byte) v;
      assertThat(refused(frame, Reason.UNSUPPORTED_VERSION).getMessage())
          .contains("protocol version " + v);
    }
  }

  @Test
  void unknownTypeCodeIsRefused() {
    for (int code : new int[] {0, 7, 15, 27, 999, 0xffff}) {
      byte[] frame = golden(MessageType.PING);
      frame[TYPE] = (byte) (code >> 8);
      frame[TYPE + 1] = (byte) code;
      assertThat(refused(frame, Reason.UNKNOWN_TYPE).getMessage()).contains("code " + code);
    }
  }

  @Test
  void truncatedFrameIsRefused() {
    byte[] frame = golden(MessageType.HELLO);
    refused(new byte[0], Reason.MALFORMED);
    refused(java.util.Arrays.copyOf(frame, Envelope.HEADER_LENGTH), Reason.MALFORMED);
    refused(
        java.util.Arrays.copyOf(frame, Envelope.HEADER_LENGTH + Signature.LENGTH - 1),
        Reason.MALFORMED);
    assertThat(
            refused(java.util.Arrays.copyOf(frame, frame.length - 1), Reason.MALFORMED)
                .getMessage())
        .contains("payload length");
  }

  @Test
  void payloadLengthFieldNotMatchingTheFrameIsRefused() {
    byte[] frame = golden(MessageType.HELLO);
    int length = ByteBuffer.wrap(frame, LENGTH, 4).getInt();
    for (int wrong : new int[] {length + 1, length - 1, 0, Integer.MAX_VALUE, -1}) {
      byte[] f = frame.clone();
      ByteBuffer.wrap(f, LENGTH, 4).putInt(wrong);
      assertThat(refused(f, Reason.MALFORMED).getMessage())
          .contains("payload length field " + wrong);
    }
  }

  @Test
  void frameWithExtraBytesIsRefused() {
    byte[] frame = golden(MessageType.PING);
    byte[] longer = java.util.Arrays.copyOf(frame, frame.length + 1);
    refused(longer, Reason.MALFORMED);
  }

  @Test
  void oversizedFrameIsRefusedAndTheLimitItselfIsAccepted() {
    byte[] frame = golden(MessageType.TASK_TO_COMPUTE);
    int payload = frame.length - Envelope.HEADER_LENGTH - Signature.LENGTH;
    MessageCodec exact = new MessageCodec(Fixtures.CHAIN_ID, payload);
    assertThat(exact.decode(frame).type()).isEqualTo(MessageType.TASK_TO_COMPUTE);
    MessageCodec small = new MessageCodec(Fixtures.CHAIN_ID, payload - 1);
    InvalidMessageException e =
        catchThrowableOfType(InvalidMessageException.class, () -> small.decode(frame));
    assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
  }

  // --- payload encoding ------------------------------------------------------------------------

  @Test
  void unknownCborFieldIsRefused() throws Exception {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("nonce", 1);
    fields.put("extra", 2);
    assertThat(refused(rawCbor(MessageType.PING, fields), Reason.MALFORMED).getMessage())
        .contains("extra");
  }

  @Test
  void missingFieldIsRefused() throws Exception {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("taskId", new byte[32]);
    assertThat(
            refused(rawCbor(MessageType.CANNOT_ASSIGN_TASK, fields), Reason.MALFORMED).getMessage())
        .contains("reason");
    assertThat(
            refused(rawCbor(MessageType.PING, new LinkedHashMap<>()), Reason.MALFORMED)
                .getMessage())
        .contains("nonce");
  }

  @Test
  void nullForAPrimitiveIsRefused() throws Exception {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("nonce", null);
    refused(rawCbor(MessageType.PING, fields), Reason.MALFORMED);
  }

  @Test
  void unknownEnumValueIsRefused() throws Exception {
    refused(rawCbor(MessageType.DISCONNECT, Map.of("reason", "BORED")), Reason.MALFORMED);
  }

  @Test
  void wrongFieldTypeIsRefused() throws Exception {
    refused(rawCbor(MessageType.PING, Map.of("nonce", "seven")), Reason.MALFORMED);
    refused(rawCbor(MessageType.FIND_NODE, Map.of("target", new byte[19])), Reason.MALFORMED);
  }

  @Test
  void trailingBytesAfterThePayloadAreRefused() {
    byte[] bytes = MessageCodec.encodePayload(new Ping(1));
    byte[] trailing = java.util.Arrays.copyOf(bytes, bytes.length + 1);
    refused(
        rawFrame(
            codec, MessageType.PING, trailing, org.web3j.crypto.Hash.sha3(trailing), REQUESTOR),
        Reason.MALFORMED);
  }

  @Test
  void emptyPayloadIsRefused() {
    refused(
        rawFrame(
            codec,
            MessageType.PING,
            new byte[0],
            org.web3j.crypto.Hash.sha3(new byte[0]),
            REQUESTOR),
        Reason.MALFORMED);
  }

  // --- validate() rules, table-driven ----------------------------------------------------------

  static Stream<Arguments> invalidPayloads() {
    List<Arguments> cases = new ArrayList<>();
    Address req = REQUESTOR.address();
    Address prov = PROVIDER.address();
    byte[] task = Fixtures.TASK_ID;
    byte[] sub = Fixtures.SUBTASK_ID;
    byte[] report = Fixtures.report().structHash();
    NodeRecord provEndpoint = Fixtures.endpoint(PROVIDER, 40103);

    // p2p and task headers
    cases.add(
        Arguments.of(
            "challenge",
            new Hello(1, "jgolem", Fixtures.endpoint(REQUESTOR, 1), new byte[31], List.of())));
    cases.add(
        Arguments.of(
            "self.port",
            new Hello(1, "jgolem", Fixtures.endpoint(REQUESTOR, 0), new byte[32], List.of())));
    cases.add(Arguments.of("target", new FindNode(null)));
    cases.add(Arguments.of("nodes", new Neighbours(prov, Collections.nCopies(17, provEndpoint))));
    cases.add(Arguments.of("reason", new Disconnect(null)));
    TaskHeader h = (TaskHeader) Fixtures.payload(MessageType.TASK_HEADER);
    cases.add(
        Arguments.of(
            "environment",
            new TaskHeader(
                h.taskId(),
                h.requestor(),
                h.requestorEndpoint(),
                "jvm",
                h.image(),
                h.maxPricePerHour(),
                h.subtaskCount(),
                h.subtaskTimeoutSeconds(),
                h.deadline(),
                h.minMemoryMib(),
                h.minCpuCores(),
                h.concentEnabled(),
                h.signature())));
    cases.add(Arguments.of("removedAt", new TaskHeaderRemoved(task, req, 0, new byte[65])));

    // WantToComputeTask
    BigInteger p = BigInteger.TEN;
    cases.add(
        Arguments.of(
            "taskId",
            new WantToComputeTask(new byte[31], prov, p, 1, 1, 1, provEndpoint, List.of("wasm"))));
    cases.add(
        Arguments.of(
            "provider",
            new WantToComputeTask(task, null, p, 1, 1, 1, provEndpoint, List.of("wasm"))));
    cases.add(
        Arguments.of(
            "pricePerHour",
            new WantToComputeTask(
                task, prov, BigInteger.valueOf(-1), 1, 1, 1, provEndpoint, List.of("wasm"))));
    cases.add(
        Arguments.of(
            "performance",
            new WantToComputeTask(task, prov, p, -1, 1, 1, provEndpoint, List.of("wasm"))));
    cases.add(
        Arguments.of(
            "cpuCores",
            new WantToComputeTask(task, prov, p, 1, 0, 1, provEndpoint, List.of("wasm"))));
    cases.add(
        Arguments.of(
            "memoryMib",
            new WantToComputeTask(task, prov, p, 1, 1, 0, provEndpoint, List.of("wasm"))));
    cases.add(
        Arguments.of(
            "providerEndpoint",
            new WantToComputeTask(task, prov, p, 1, 1, 1, null, List.of("wasm"))));
    cases.add(
        Arguments.of(
            "environments", new WantToComputeTask(task, prov, p, 1, 1, 1, provEndpoint, null)));
    cases.add(
        Arguments.of(
            "environments[1]",
            new WantToComputeTask(
                task,
                prov,
                p,
                1,
                1,
                1,
                provEndpoint,
                List.of("wasm", "docker:jgolem/runtime:latest"))));
    cases.add(
        Arguments.of(
            "providerEndpoint.nodeId",
            new WantToComputeTask(
                task, prov, p, 1, 1, 1, Fixtures.endpoint(REQUESTOR, 1), List.of("wasm"))));
    cases.add(
        Arguments.of(
            "providerEndpoint.host",
            new WantToComputeTask(
                task, prov, p, 1, 1, 1, new NodeRecord(prov, "a b", 1), List.of("wasm"))));

    // TaskToCompute
    TaskToCompute t = Fixtures.taskToCompute();
    Function<SubtaskDefinition, TaskToCompute> withDef =
        d ->
            new TaskToCompute(
                t.taskId(),
                t.subtaskId(),
                t.requestor(),
                t.provider(),
                t.price(),
                t.deadline(),
                d,
                t.providerNote(),
                t.concentNote());
    SubtaskDefinition d = t.definition();
    cases.add(
        Arguments.of(
            "subtaskId",
            new TaskToCompute(
                task,
                new byte[32],
                req,
                prov,
                t.price(),
                t.deadline(),
                d,
                t.providerNote(),
                t.concentNote())));
    cases.add(
        Arguments.of(
            "provider",
            new TaskToCompute(
                task,
                sub,
                req,
                req,
                t.price(),
                t.deadline(),
                d,
                t.providerNote(),
                t.concentNote())));
    cases.add(
        Arguments.of(
            "requestor",
            new TaskToCompute(
                task,
                sub,
                Address.ZERO,
                prov,
                t.price(),
                t.deadline(),
                d,
                t.providerNote(),
                t.concentNote())));
    cases.add(
        Arguments.of(
            "price",
            new TaskToCompute(
                task,
                sub,
                req,
                prov,
                BigInteger.ONE.shiftLeft(256),
                t.deadline(),
                d,
                t.providerNote(),
                t.concentNote())));
    cases.add(
        Arguments.of(
            "deadline",
            new TaskToCompute(
                task, sub, req, prov, t.price(), 0, d, t.providerNote(), t.concentNote())));
    cases.add(Arguments.of("definition", withDef.apply(null)));
    cases.add(
        Arguments.of(
            "definition.environment",
            withDef.apply(
                new SubtaskDefinition(
                    "jvm",
                    d.image(),
                    d.resourcesCid(),
                    d.entryPoint(),
                    d.args(),
                    d.outputPaths(),
                    d.limits()))));
    cases.add(
        Arguments.of(
            "definition.image",
            withDef.apply(
                new SubtaskDefinition(
                    "wasm",
                    "x".repeat(257),
                    d.resourcesCid(),
                    d.entryPoint(),
                    d.args(),
                    d.outputPaths(),
                    d.limits()))));
    cases.add(
        Arguments.of(
            "definition.resourcesCid",
            withDef.apply(
                new SubtaskDefinition(
                    "wasm",
                    d.image(),
                    "b".repeat(129),
                    d.entryPoint(),
                    d.args(),
                    d.outputPaths(),
                    d.limits()))));
    cases.add(
        Arguments.of(
            "definition.entryPoint",
            withDef.apply(
                new SubtaskDefinition(
                    "wasm",
                    d.image(),
                    d.resourcesCid(),
                    "",
                    d.args(),
                    d.outputPaths(),
                    d.limits()))));
    cases.add(
        Arguments.of(
            "definition.args",
            withDef.apply(
                new SubtaskDefinition(
                    "wasm",
                    d.image(),
                    d.resourcesCid(),
                    d.entryPoint(),
                    Collections.nCopies(65, "a"),
                    d.outputPaths(),
                    d.limits()))));
    cases.add(
        Arguments.of(
            "definition.args[1]",
            withDef.apply(
                new SubtaskDefinition(
                    "wasm",
                    d.image(),
                    d.resourcesCid(),
                    d.entryPoint(),
                    List.of("ok", "a".repeat(1025)),
                    d.outputPaths(),
                    d.limits()))));
    cases.add(
        Arguments.of(
            "definition.outputPaths",
            withDef.apply(
                new SubtaskDefinition(
                    "wasm",
                    d.image(),
                    d.resourcesCid(),
                    d.entryPoint(),
                    d.args(),
                    Collections.nCopies(65, "out"),
                    d.limits()))));
    cases.add(
        Arguments.of(
            "definition.outputPaths[0]",
            withDef.apply(
                new SubtaskDefinition(
                    "wasm",
                    d.image(),
                    d.resourcesCid(),
                    d.entryPoint(),
                    d.args(),
                    List.of("out/../../etc/passwd"),
                    d.limits()))));
    cases.add(
        Arguments.of(
            "definition.outputPaths[0]",
            withDef.apply(
                new SubtaskDefinition(
                    "wasm",
                    d.image(),
                    d.resourcesCid(),
                    d.entryPoint(),
                    d.args(),
                    List.of("/etc/passwd"),
                    d.limits()))));
    cases.add(
        Arguments.of(
            "definition.limits",
            withDef.apply(
                new SubtaskDefinition(
                    "wasm",
                    d.image(),
                    d.resourcesCid(),
                    d.entryPoint(),
                    d.args(),
                    d.outputPaths(),
                    null))));
    cases.add(
        Arguments.of(
            "definition.limits.cpuCores",
            withDef.apply(
                new SubtaskDefinition(
                    "wasm",
                    d.image(),
                    d.resourcesCid(),
                    d.entryPoint(),
                    d.args(),
                    d.outputPaths(),
                    new ResourceLimits(0, 1, 1, 1)))));
    cases.add(
        Arguments.of(
            "definition.limits.memoryMib",
            withDef.apply(
                new SubtaskDefinition(
                    "wasm",
                    d.image(),
                    d.resourcesCid(),
                    d.entryPoint(),
                    d.args(),
                    d.outputPaths(),
                    new ResourceLimits(1, 0, 1, 1)))));
    cases.add(
        Arguments.of(
            "definition.limits.timeoutSeconds",
            withDef.apply(
                new SubtaskDefinition(
                    "wasm",
                    d.image(),
                    d.resourcesCid(),
                    d.entryPoint(),
                    d.args(),
                    d.outputPaths(),
                    new ResourceLimits(1, 1, 0, 1)))));
    cases.add(
        Arguments.of(
            "definition.limits.maxOutputBytes",
            withDef.apply(
                new SubtaskDefinition(
                    "wasm",
                    d.image(),
                    d.resourcesCid(),
                    d.entryPoint(),
                    d.args(),
                    d.outputPaths(),
                    new ResourceLimits(1, 1, 1, 0)))));
    WireNote pn = t.providerNote();
    WireNote cn = t.concentNote();
    Function<WireNote, TaskToCompute> withProviderNote =
        n ->
            new TaskToCompute(
                t.taskId(), t.subtaskId(), req, prov, t.price(), t.deadline(), d, n, cn);
    Function<WireNote, TaskToCompute> withConcentNote =
        n ->
            new TaskToCompute(
                t.taskId(), t.subtaskId(), req, prov, t.price(), t.deadline(), d, pn, n);
    cases.add(Arguments.of("providerNote", withProviderNote.apply(null)));
    cases.add(
        Arguments.of(
            "providerNote.payer",
            withProviderNote.apply(
                new WireNote(
                    prov,
                    prov,
                    pn.amount(),
                    sub,
                    Purpose.SUBTASK_PAYMENT,
                    pn.v(),
                    pn.r(),
                    pn.s()))));
    cases.add(
        Arguments.of(
            "providerNote.payee",
            withProviderNote.apply(
                new WireNote(
                    req,
                    Fixtures.DEPOSIT,
                    pn.amount(),
                    sub,
                    Purpose.SUBTASK_PAYMENT,
                    pn.v(),
                    pn.r(),
                    pn.s()))));
    cases.add(
        Arguments.of(
            "providerNote.amount",
            withProviderNote.apply(
                new WireNote(
                    req,
                    prov,
                    t.price().subtract(BigInteger.ONE),
                    sub,
                    Purpose.SUBTASK_PAYMENT,
                    pn.v(),
                    pn.r(),
                    pn.s()))));
    cases.add(
        Arguments.of(
            "providerNote.subtaskId",
            withProviderNote.apply(
                new WireNote(
                    req,
                    prov,
                    pn.amount(),
                    Fixtures.bytes32(0x99),
                    Purpose.SUBTASK_PAYMENT,
                    pn.v(),
                    pn.r(),
                    pn.s()))));
    cases.add(
        Arguments.of(
            "providerNote.purpose",
            withProviderNote.apply(
                new WireNote(
                    req, prov, pn.amount(), sub, Purpose.COMMUNICATION, pn.v(), pn.r(), pn.s()))));
    cases.add(
        Arguments.of(
            "providerNote.v",
            withProviderNote.apply(
                new WireNote(
                    req, prov, pn.amount(), sub, Purpose.SUBTASK_PAYMENT, 29, pn.r(), pn.s()))));
    cases.add(
        Arguments.of(
            "providerNote.r",
            withProviderNote.apply(
                new WireNote(
                    req,
                    prov,
                    pn.amount(),
                    sub,
                    Purpose.SUBTASK_PAYMENT,
                    pn.v(),
                    new byte[32],
                    pn.s()))));
    cases.add(
        Arguments.of(
            "providerNote.s",
            withProviderNote.apply(
                new WireNote(
                    req,
                    prov,
                    pn.amount(),
                    sub,
                    Purpose.SUBTASK_PAYMENT,
                    pn.v(),
                    pn.r(),
                    toBytes32(Secp256k1.N.subtract(new BigInteger(1, pn.s())))))));
    cases.add(
        Arguments.of(
            "providerNote.s",
            withProviderNote.apply(
                new WireNote(
                    req,
                    prov,
                    pn.amount(),
                    sub,
                    Purpose.SUBTASK_PAYMENT,
                    pn.v(),
                    pn.r(),
                    new byte[31]))));
    cases.add(Arguments.of("concentNote", withConcentNote.apply(null)));
    cases.add(
        Arguments.of(
            "concentNote.payer",
            withConcentNote.apply(
                new WireNote(
                    prov,
                    cn.payee(),
                    cn.amount(),
                    sub,
                    Purpose.VERIFICATION_COST,
                    cn.v(),
                    cn.r(),
                    cn.s()))));
    cases.add(
        Arguments.of(
            "concentNote.payee",
            withConcentNote.apply(
                new WireNote(
                    req,
                    prov,
                    cn.amount(),
                    sub,
                    Purpose.VERIFICATION_COST,
                    cn.v(),
                    cn.r(),
                    cn.s()))));
    cases.add(
        Arguments.of(
            "concentNote.subtaskId",
            withConcentNote.apply(
                new WireNote(
                    req,
                    cn.payee(),
                    cn.amount(),
                    task,
                    Purpose.VERIFICATION_COST,
                    cn.v(),
                    cn.r(),
                    cn.s()))));
    cases.add(
        Arguments.of(
            "concentNote.purpose",
            withConcentNote.apply(
                new WireNote(
                    req,
                    cn.payee(),
                    cn.amount(),
                    sub,
                    Purpose.COMMUNICATION,
                    cn.v(),
                    cn.r(),
                    cn.s()))));
    cases.add(
        Arguments.of(
            "concentNote.amount",
            withConcentNote.apply(
                new WireNote(
                    req,
                    cn.payee(),
                    BigInteger.valueOf(-5),
                    sub,
                    Purpose.VERIFICATION_COST,
                    cn.v(),
                    cn.r(),
                    cn.s()))));

    // CannotComputeTask, CannotAssignTask
    cases.add(
        Arguments.of(
            "subtaskId",
            new CannotComputeTask(task, new byte[33], CannotComputeTask.Reason.OTHER, "")));
    cases.add(Arguments.of("reason", new CannotComputeTask(task, sub, null, "")));
    cases.add(
        Arguments.of(
            "detail",
            new CannotComputeTask(task, sub, CannotComputeTask.Reason.OTHER, "d".repeat(257))));
    cases.add(
        Arguments.of(
            "detail", new CannotComputeTask(task, sub, CannotComputeTask.Reason.OTHER, null)));
    cases.add(
        Arguments.of("taskId", new CannotAssignTask(null, CannotAssignTask.Reason.TASK_FINISHED)));
    cases.add(Arguments.of("reason", new CannotAssignTask(task, null)));

    // ReportComputedTask and its answers
    ReportComputedTask r = Fixtures.report();
    cases.add(
        Arguments.of(
            "taskToComputeHash",
            new ReportComputedTask(new byte[32], sub, prov, r.resultCid(), r.resultHash(), 1, 1)));
    cases.add(
        Arguments.of(
            "subtaskId",
            new ReportComputedTask(
                r.taskToComputeHash(), new byte[32], prov, r.resultCid(), r.resultHash(), 1, 1)));
    cases.add(
        Arguments.of(
            "provider",
            new ReportComputedTask(
                r.taskToComputeHash(), sub, Address.ZERO, r.resultCid(), r.resultHash(), 1, 1)));
    cases.add(
        Arguments.of(
            "resultCid",
            new ReportComputedTask(r.taskToComputeHash(), sub, prov, "", r.resultHash(), 1, 1)));
    cases.add(
        Arguments.of(
            "resultCid",
            new ReportComputedTask(
                r.taskToComputeHash(), sub, prov, "c".repeat(129), r.resultHash(), 1, 1)));
    cases.add(
        Arguments.of(
            "resultHash",
            new ReportComputedTask(
                r.taskToComputeHash(), sub, prov, r.resultCid(), new byte[16], 1, 1)));
    cases.add(
        Arguments.of(
            "size",
            new ReportComputedTask(
                r.taskToComputeHash(), sub, prov, r.resultCid(), r.resultHash(), -1, 1)));
    cases.add(
        Arguments.of(
            "computeMillis",
            new ReportComputedTask(
                r.taskToComputeHash(), sub, prov, r.resultCid(), r.resultHash(), 1, -1)));
    cases.add(Arguments.of("reportHash", new AckReportComputedTask(new byte[32], sub)));
    cases.add(Arguments.of("subtaskId", new AckReportComputedTask(report, null)));
    cases.add(
        Arguments.of(
            "reportHash",
            new RejectReportComputedTask(
                null, sub, RejectReportComputedTask.Reason.UNKNOWN_SUBTASK)));
    cases.add(Arguments.of("reason", new RejectReportComputedTask(report, sub, null)));

    // SubtaskResultsAccepted / Rejected
    cases.add(
        Arguments.of(
            "reportHash",
            new SubtaskResultsAccepted(new byte[32], sub, req, prov, p, 1_700_000_000L)));
    cases.add(
        Arguments.of(
            "requestor",
            new SubtaskResultsAccepted(report, sub, Address.ZERO, prov, p, 1_700_000_000L)));
    cases.add(
        Arguments.of(
            "provider", new SubtaskResultsAccepted(report, sub, req, req, p, 1_700_000_000L)));
    cases.add(
        Arguments.of(
            "price",
            new SubtaskResultsAccepted(
                report, sub, req, prov, BigInteger.valueOf(-1), 1_700_000_000L)));
    cases.add(Arguments.of("paymentTs", new SubtaskResultsAccepted(report, sub, req, prov, p, 0)));
    cases.add(
        Arguments.of(
            "paymentTs",
            new SubtaskResultsAccepted(report, sub, req, prov, p, 1_700_000_000_000L)));
    cases.add(
        Arguments.of(
            "subtaskId",
            new SubtaskResultsRejected(
                report, new byte[32], req, prov, SubtaskResultsRejected.Reason.OTHER, "")));
    cases.add(
        Arguments.of(
            "provider",
            new SubtaskResultsRejected(
                report, sub, req, null, SubtaskResultsRejected.Reason.OTHER, "")));
    cases.add(Arguments.of("reason", new SubtaskResultsRejected(report, sub, req, prov, null, "")));
    cases.add(
        Arguments.of(
            "detail",
            new SubtaskResultsRejected(
                report, sub, req, prov, SubtaskResultsRejected.Reason.TIMEOUT, "x".repeat(257))));

    // Concent
    byte[] ttcFrame = Fixtures.frame(MessageType.TASK_TO_COMPUTE);
    byte[] rctFrame = Fixtures.frame(MessageType.REPORT_COMPUTED_TASK);
    byte[] short_ = new byte[40];
    byte[] id16 = new byte[16];
    cases.add(Arguments.of("report", new ForceReportComputedTask(ttcFrame, short_)));
    cases.add(
        Arguments.of(
            "taskToCompute",
            new ForceReportComputedTask(new byte[Frames.MAX_FRAME + 1], rctFrame)));
    cases.add(Arguments.of("taskToCompute", new ForceGetTaskResult(null, rctFrame)));
    cases.add(Arguments.of("ack", new ForceSubtaskResults(ttcFrame, rctFrame, new byte[0])));
    cases.add(
        Arguments.of("accepted", new ForcePayment(List.of(ttcFrame), List.of(rctFrame, rctFrame))));
    cases.add(Arguments.of("taskToComputes", new ForcePayment(List.of(), List.of())));
    cases.add(
        Arguments.of(
            "requestId",
            new ServiceRefused(sub, new byte[15], ServiceRefused.Reason.TOO_LATE, "")));
    cases.add(Arguments.of("reason", new ServiceRefused(sub, id16, null, "")));
    cases.add(
        Arguments.of(
            "answer",
            new ForceReportComputedTaskResponse(
                sub, report, ForceReportComputedTaskResponse.Outcome.CONCENT_ACK, rctFrame)));
    cases.add(
        Arguments.of(
            "answer",
            new ForceReportComputedTaskResponse(
                sub,
                report,
                ForceReportComputedTaskResponse.Outcome.ACK_FROM_REQUESTOR,
                new byte[0])));
    cases.add(
        Arguments.of(
            "resultCid", new ForceGetTaskResultUpload(sub, report, "", 1, Fixtures.TIMESTAMP)));
    cases.add(
        Arguments.of("uploadDeadline", new ForceGetTaskResultUpload(sub, report, "bafy", 1, 0)));
    cases.add(
        Arguments.of("reportHash", new ForceGetTaskResultDownload(sub, new byte[32], "bafy", 1)));
    cases.add(
        Arguments.of("taskToComputeHash", new ForceGetTaskResultFailed(sub, null, report, "bafy")));
    cases.add(
        Arguments.of(
            "amount",
            new ForceSubtaskResultsResponse(
                sub,
                report,
                ForceSubtaskResultsResponse.Outcome.ACCEPTED_BY_CONCENT,
                BigInteger.ZERO,
                new byte[0])));
    cases.add(
        Arguments.of(
            "answer",
            new ForceSubtaskResultsResponse(
                sub,
                report,
                ForceSubtaskResultsResponse.Outcome.ACCEPTED_BY_REQUESTOR,
                BigInteger.ONE,
                new byte[0])));
    cases.add(
        Arguments.of(
            "reimbursed",
            new ForcePaymentResponse(
                req,
                prov,
                List.of(sub),
                BigInteger.TEN,
                BigInteger.ZERO,
                BigInteger.TEN,
                ForcePaymentResponse.Outcome.NO_UNSETTLED_TASKS)));
    cases.add(
        Arguments.of(
            "subtaskIds",
            new ForcePaymentResponse(
                req,
                prov,
                List.of(),
                BigInteger.TEN,
                BigInteger.ZERO,
                BigInteger.TEN,
                ForcePaymentResponse.Outcome.PAYMENT_COMMITTED)));
    cases.add(
        Arguments.of(
            "transactionHash",
            new SettlementMade(
                SettlementMade.UseCase.FORCED_PAYMENT,
                req,
                prov,
                List.of(sub),
                BigInteger.ONE,
                "0x1234")));
    cases.add(Arguments.of("concent", new ConcentAuth(null, "POST", "/api/v1/send", new byte[32])));
    cases.add(
        Arguments.of("bodyHash", new ConcentAuth(prov, "POST", "/api/v1/send", new byte[31])));
    cases.add(Arguments.of("deliveryIds", new ConcentDelivery(prov, List.of(), List.of(rctFrame))));
    // use case 5: a dispute of a rejection that is not VERIFICATION_NEGATIVE, a repeated resource,
    // a neutral verdict that names no failure
    SubtaskResultsRejected timeout =
        new SubtaskResultsRejected(
            report, sub, req, prov, SubtaskResultsRejected.Reason.TIMEOUT, "too slow");
    cases.add(
        Arguments.of(
            "rejection.reason",
            new SubtaskResultsVerify(
                ttcFrame,
                rctFrame,
                Fixtures.codec()
                    .encode(Fixtures.codec().seal(timeout, REQUESTOR, Fixtures.TIMESTAMP, id16)),
                Fixtures.verificationNote())));
    AckSubtaskResultsVerify order =
        (AckSubtaskResultsVerify) Fixtures.payload(MessageType.ACK_SUBTASK_RESULTS_VERIFY);
    cases.add(
        Arguments.of(
            "resourceCids[1]",
            new AckSubtaskResultsVerify(
                sub,
                report,
                order.resultCid(),
                order.size(),
                List.of("bafkreiresource", "bafkreiresource"),
                order.uploadDeadline(),
                order.fee())));
    SubtaskResultsSettled v = Fixtures.verdict();
    cases.add(
        Arguments.of(
            "neutralReason",
            new SubtaskResultsSettled(
                sub,
                req,
                prov,
                report,
                v.rejectionHash(),
                v.resultCid(),
                v.resourceCids(),
                SubtaskResultsSettled.Method.NONE,
                SubtaskResultsSettled.Outcome.NEUTRAL,
                SubtaskResultsSettled.NeutralReason.NONE,
                "",
                List.of(),
                BigInteger.ZERO,
                BigInteger.ZERO,
                BigInteger.ZERO)));

    return cases.stream()
        .map(a ->
            Arguments.of(((Payload) a.get()[1]).type() + " " + a.get()[0], a.get()[0], a.get()[1]));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidPayloads")
  void payloadBreakingAValidationRuleIsRefusedNamingTheField(
      String name, String field, Payload payload) {
    byte[] frame = rawFrame(codec, payload, REQUESTOR);
    InvalidMessageException e = refused(frame, Reason.INVALID_PAYLOAD);
    assertThat(e.getMessage()).startsWith("INVALID_PAYLOAD: " + field + " ");
    // The sender's side refuses it too, before signing.
    assertThatThrownBy(() -> codec.seal(payload, REQUESTOR, Fixtures.TIMESTAMP, new byte[16]))
        .isInstanceOf(InvalidMessageException.class)
        .hasMessageStartingWith("INVALID_PAYLOAD: " + field + " ");
  }

  @Test
  void everyMessageTypeWithRulesHasAnInvalidCase() {
    var covered =
        invalidPayloads()
            .map(a -> ((Payload) a.get()[2]).type())
            .collect(java.util.stream.Collectors.toSet());
    for (MessageType t : MessageType.values()) {
      if (t != MessageType.PING && t != MessageType.PONG) { // a nonce is any long: nothing to break
        assertThat(covered).as("an invalid " + t).contains(t);
      }
    }
  }

  // --- helpers ---------------------------------------------------------------------------------

  static byte[] toBytes32(BigInteger v) {
    byte[] raw = v.toByteArray();
    byte[] out = new byte[32];
    int n = Math.min(raw.length, 32);
    System.arraycopy(raw, raw.length - n, out, 32 - n, n);
    return out;
  }

  static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
